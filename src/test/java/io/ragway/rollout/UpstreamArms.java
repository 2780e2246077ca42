package io.ragway.rollout;

import io.ragway.chat.RagPipeline;
import io.ragway.llm.RetryPolicy;
import io.ragway.llm.Router;
import io.ragway.retrieve.SearchMode;
import java.util.List;
import java.util.Random;

/** The arms of rollouts over upstream models only, for tests: no pipelines, a router with no models. */
final class UpstreamArms {

  private UpstreamArms() {}

  static Rollouts.Arms none() {
    return new Rollouts.Arms() {
      @Override
      public RagPipeline pipeline(RolloutConfig.Arm arm) {
        throw new AssertionError("upstream rollouts have no pipelines");
      }

      @Override
      public Router router() {
        return new Router(List.of(), RetryPolicy.defaults(), new Random(1), d -> {});
      }

      @Override
      public SearchMode mode() {
        return SearchMode.HYBRID;
      }

      @Override
      public int k() {
        return 5;
      }
    };
  }
}
