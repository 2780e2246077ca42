package io.ragway.telemetry;

import io.ragway.guard.Guard;
import io.ragway.index.Index;
import io.ragway.ingest.DocumentStore;
import io.ragway.llm.Router;

/**
 * What the request path reports for {@code GET /metrics}: requests, answers, guard decisions, rate
 * limits, upstream failures and the state of routers and ingest (docs/observability.md lists every
 * metric). Labels take values from bounded sets (route templates, configured models, tenants of API
 * keys), never raw input.
 */
public interface Telemetry extends AutoCloseable {

  /** The content type of {@link #scrape()}: Prometheus's text format. */
  String CONTENT_TYPE = "text/plain; version=0.0.4; charset=utf-8";
  /** The label value for what a request does not have (no tenant before its key is known, no model on a route). */
  String NONE = "none";
  /** The label value for a model the server does not serve. */
  String UNKNOWN = "unknown";

  /** Times one answer while a model writes it; used by one request's thread at a time. */
  interface Generation {
    /** A piece of the answer came from the model (one streamed content event). */
    void token();

    /** The answer is complete with {@code outputTokens}: records its output tokens per second. */
    void done(long outputTokens);
  }

  /** Micrometer meters in a Prometheus registry, with the JVM's and the process's own. */
  static Telemetry prometheus() {
    return new MicrometerTelemetry(System::nanoTime, true);
  }

  /** Records nothing ({@code telemetry.metrics: false}, benchmarks). */
  static Telemetry off() {
    return NoTelemetry.INSTANCE;
  }

  /** Whether anything is recorded; when not, {@code /metrics} is not served. */
  boolean enabled();

  /** Every metric in {@link #CONTENT_TYPE}. */
  String scrape();

  /**
   * One HTTP request has ended.
   *
   * @param route the route template it matched ({@code /v1/documents/{id}}), never the raw path
   * @param model a model the server serves, {@link #UNKNOWN}, or {@link #NONE} on routes without one
   * @param backend what answered a chat completion (an upstream model, {@code extractive}, {@code cache}), else {@link #NONE}
   */
  void request(String route, String method, String model, String backend, String tenant, int status, long nanos);

  /**
   * A chat completion was answered.
   *
   * @param cache {@code hit}, {@code semantic}, {@code coalesced} or {@code miss}
   * @param inputTokens the prompt tokens the client was told of
   * @param costUsd what the answering model charged (0 for cache hits and ragway's own models)
   */
  void completion(String model, String backend, String tenant, String cache, long inputTokens, long outputTokens,
      double costUsd);

  /** A chat completion began; {@link #chatEnded()} follows when its response or stream is sent ({@code ragway_chat_completions_in_flight}). */
  default void chatStarted() {}

  /** A chat completion {@link #chatStarted()} ended, however it ended. */
  default void chatEnded() {}

  /** Starts timing an answer of {@code model} to a request that arrived at {@code startNanos} ({@link System#nanoTime()}). */
  Generation generation(String model, long startNanos);

  /**
   * Feedback was given on an answer, counted by what wrote the answer.
   *
   * @param promptVersion the prompt version the answer was written with, or {@link #NONE}
   * @param arm the rollout arm that answered ({@code stable}, {@code candidate}) or {@link #NONE}
   * @param rating {@code up}, {@code down} or 1 to 5
   * @param corrected whether the feedback carries a correction
   */
  void feedback(String model, String promptVersion, String arm, String rating, boolean corrected);

  /**
   * A chat completion was answered, for the quality rates per model, prompt version and arm.
   *
   * @param abstained the answer said the documents do not say
   * @param guardHit the guard flagged, redacted, withheld or otherwise treated something of the request or answer
   */
  default void answered(String model, String promptVersion, String arm, boolean abstained, boolean guardHit) {}

  /** A webhook delivery ended: {@code result} is {@code delivered}, {@code failed} (every attempt) or {@code retried} (one attempt). */
  default void webhook(String event, String result) {}

  /** A request was refused with 429; {@code kind} is {@code requests} or {@code tokens}. */
  void rateLimited(String tenant, String kind);

  /** A decision log that counts each decision, then hands it to {@code next}. */
  Guard.DecisionLog counting(Guard.DecisionLog next);

  /** Reports the router's failures and retries, and its deployments' circuits, requests in flight and queues. */
  void watch(Router router);

  /** Reports the upload queue and the index's size. */
  void watch(DocumentStore documents, Index index);

  /** Traces and the request log ({@link Tracing#off()} unless added with {@link #with(Tracing)}). */
  default Tracing tracing() {
    return Tracing.off();
  }

  /** This telemetry with {@code tracing}'s spans and request log; closing it closes both. */
  default Telemetry with(Tracing tracing) {
    return new TracedTelemetry(this, tracing);
  }

  /** Reports the request log's dropped lines ({@code ragway_request_log_dropped_total}). */
  default void watch(RequestLog log) {}

  /**
   * Reports whether the shared-state backend answers ({@code ragway_state_backend_up}) and its failed
   * calls per store ({@code ragway_state_errors_total}).
   */
  default void watch(io.ragway.state.StateBackend state) {}

  /** A rollout's state ({@code running}, {@code promoted} or {@code rolled_back}) in {@code mode}. */
  void rolloutState(String rollout, String mode, String state);

  /** A rollout decision: {@code action} rollback, promote or resume; {@code rule} what caused it ({@code manual} for an operator). */
  void rolloutDecision(String rollout, String action, String rule);

  /** One arm's sliding-window figures ({@code arm} is {@code stable} or {@code candidate}). */
  void rolloutWindow(String rollout, String arm, long requests, long errors, long guardHits, double p99Seconds);

  /**
   * A shadow answer of a rollout's candidate was compared with stable's.
   *
   * @param similarity token F1 of the two answers, or -1 when the candidate failed
   * @param costUsd what the candidate's answer cost, charged to no caller
   */
  void rolloutShadow(String rollout, double similarity, double costUsd);

  /** The drift of the questions {@code model} is asked: the window's PSI against the baseline, and both abstention rates. */
  void drift(String model, double psi, double abstentionRate, double baselineAbstentionRate);

  /** Drift was raised for {@code model}: {@code kind} is {@code psi} or {@code abstention}. */
  void driftAlert(String model, String kind);

  @Override
  void close();
}
