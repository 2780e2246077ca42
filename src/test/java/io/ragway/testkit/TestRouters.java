package io.ragway.testkit;

import io.ragway.llm.RetryPolicy;
import io.ragway.llm.Router;
import io.ragway.llm.RoutingPolicy;
import io.ragway.llm.UpstreamConfig;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.Random;

/** Routers for tests that inject many faults on purpose: circuits that would take 1,000 calls to open, no waits. */
public final class TestRouters {

  private TestRouters() {}

  public static Router withoutBreaker(List<UpstreamConfig> models, RetryPolicy retries) {
    return new Router(models, new RoutingPolicy(RoutingPolicy.Strategy.PRIORITY, 100, 1000, 1000, Duration.ofSeconds(30),
        Duration.ofSeconds(5), Duration.ZERO), retries, new Random(1), d -> { }, Clock.systemUTC());
  }
}
