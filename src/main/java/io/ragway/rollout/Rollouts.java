package io.ragway.rollout;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.ragway.chat.RagPipeline;
import io.ragway.embed.EmbeddingModel;
import io.ragway.guard.Guard;
import io.ragway.index.Filter;
import io.ragway.llm.Router;
import io.ragway.retrieve.SearchMode;
import io.ragway.telemetry.Telemetry;
import java.time.Clock;
import java.util.List;
import java.util.Optional;
import java.util.function.Function;
import java.util.function.LongSupplier;

/**
 * The rollouts of {@code ragway.yaml} on the request path: {@link #route} picks the arm that answers
 * a request (sticky per caller), the returned {@link Ticket} records how it went, and a candidate
 * that does worse than stable over a sliding window is rolled back by itself. The questions each
 * model is asked are watched for drift as well.
 */
public interface Rollouts extends AutoCloseable {

  /**
   * What {@link #route} needs of a request.
   *
   * @param model the model the client asked for
   * @param body the request as the client sent it ({@code user} and {@code session_id} are read)
   * @param callerKey the API key's id, or {@code anonymous}
   * @param sessionHeader {@code x-session-id}, or empty
   * @param filter what the caller may read, for a shadow answer from the documents
   */
  record Request(String model, JsonNode body, String callerKey, String sessionHeader, Filter filter, String requestId) {}

  /**
   * A rollout as it stands now.
   *
   * @param state {@code running}, {@code promoted} or {@code rolled_back}
   * @param reason why it is in that state (the last decision's reason)
   */
  record Status(String name, String model, String mode, double percent, String state, String reason, Figures stable,
      Figures candidate) {}

  /** What answers the requests of the public model {@code model}, and what the server needs to build its pipelines. */
  interface Arms {
    /** The pipeline of a {@code rag} arm that sets a generator, prompt or retrieval. */
    RagPipeline pipeline(RolloutConfig.Arm arm);

    /** The upstream models, for shadow calls and their cost. */
    Router router();

    /** The configured search mode and depth, for arms that keep them. */
    SearchMode mode();

    int k();
  }

  /** Picks the arm that answers {@code request}; the ticket must be settled once the response is sent. */
  Ticket route(Request request);

  /** A guard decision log that marks the requests it hears about as guard hits, then hands each decision to {@code next}. */
  Guard.DecisionLog watching(Guard.DecisionLog next);

  /**
   * Feedback was given on an answer of the rollout arm {@code label} ({@code rollout/arm}, as answer
   * records keep it): it counts towards the thumbs-down rule, which may roll the candidate back.
   */
  default void feedback(String label, String rating) {}

  /** Where automatic rollbacks and drift alerts are announced (webhooks); called off the request's response, must not block. */
  @FunctionalInterface
  interface Events {
    /** Announces nothing. */
    Events NONE = (type, data) -> {};

    /**
     * @param type {@code rollback} or {@code drift}
     * @param data the event as it is logged
     */
    void raised(String type, ObjectNode data);
  }

  /** Every configured rollout as it stands. */
  List<Status> status();

  @Override
  void close();

  /** No rollouts and no drift tracking: every request is answered as asked. */
  static Rollouts none() {
    return NoRollouts.INSTANCE;
  }

  /**
   * The rollouts of {@code configs} and drift tracking per {@code drift}.
   *
   * @param store where states and decisions are kept (a rollback holds across restarts)
   * @param embedder embeds questions for drift tracking
   * @param nanoTime the clock of request latencies ({@link System#nanoTime()} but in tests)
   */
  static Rollouts create(List<RolloutConfig> configs, DriftConfig drift, Arms arms, RolloutStore store,
      Telemetry telemetry, Optional<EmbeddingModel> embedder, Clock clock, LongSupplier nanoTime) {
    return create(configs, drift, arms, store, telemetry, embedder, clock, nanoTime, Events.NONE);
  }

  /** As {@link #create(List, DriftConfig, Arms, RolloutStore, Telemetry, Optional, Clock, LongSupplier)}, announcing automatic rollbacks and drift to {@code events}. */
  static Rollouts create(List<RolloutConfig> configs, DriftConfig drift, Arms arms, RolloutStore store,
      Telemetry telemetry, Optional<EmbeddingModel> embedder, Clock clock, LongSupplier nanoTime, Events events) {
    if (configs.isEmpty() && !drift.enabled()) {
      return none();
    }
    return new WindowedRollouts(configs, drift, arms, store, telemetry, embedder, clock, nanoTime, events);
  }

  /**
   * As {@link #create(List, DriftConfig, Arms, RolloutStore, Telemetry, Optional, Clock, LongSupplier, Events)}, with
   * the rollback windows shared by every replica through {@code shared} when present (docs/scale-out.md).
   */
  static Rollouts create(List<RolloutConfig> configs, DriftConfig drift, Arms arms, RolloutStore store,
      Telemetry telemetry, Optional<EmbeddingModel> embedder, Clock clock, LongSupplier nanoTime, Events events,
      Optional<io.ragway.state.Redis> shared) {
    if (configs.isEmpty() && !drift.enabled()) {
      return none();
    }
    return new WindowedRollouts(configs, drift, arms, store, telemetry, embedder, clock, nanoTime, events,
        shared.map(RedisArmWindow::factory).orElse(ArmWindow.Factory.LOCAL));
  }

  /**
   * The prompt version of each answer of {@code rag}, for the quality metrics: a generator writes
   * with {@code ragVersion} (empty: {@code v1}) unless its arm names another; the extractive
   * answerer takes no prompt ({@code none}).
   *
   * @param generator the configured generator of {@code rag} (empty or {@code extractive}: the extractive answerer)
   */
  static io.ragway.telemetry.PromptVersions promptVersions(String generator, String ragVersion,
      List<RolloutConfig> configs) {
    String version = ragVersion.isBlank() ? io.ragway.chat.PromptTemplates.BUILT_IN : ragVersion;
    java.util.Map<String, String> arms = new java.util.HashMap<>();
    for (RolloutConfig c : configs) {
      if (!c.model().equals("rag")) {
        continue;
      }
      for (var e : java.util.Map.of("stable", c.stable(), "candidate", c.candidate()).entrySet()) {
        RolloutConfig.Arm arm = e.getValue();
        String writer = arm.model().isEmpty() ? generator : arm.model();
        arms.put(c.name() + "/" + e.getKey(), writer.isEmpty() || writer.equals("extractive") ? Telemetry.NONE
            : arm.prompt().isEmpty() ? version : arm.prompt());
      }
    }
    return new io.ragway.telemetry.PromptVersions(generator.isEmpty() || generator.equals("extractive") ? Telemetry.NONE
        : version, arms);
  }

  /** The arms' pipelines built by {@code build} once each and kept. */
  static Function<RolloutConfig.Arm, RagPipeline> memoized(Function<RolloutConfig.Arm, RagPipeline> build) {
    java.util.concurrent.ConcurrentMap<RolloutConfig.Arm, RagPipeline> built = new java.util.concurrent.ConcurrentHashMap<>();
    return arm -> built.computeIfAbsent(arm, build);
  }
}
