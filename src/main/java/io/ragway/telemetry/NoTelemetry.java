package io.ragway.telemetry;

import io.ragway.guard.Guard;
import io.ragway.index.Index;
import io.ragway.ingest.DocumentStore;
import io.ragway.llm.Router;

/** Telemetry that records nothing and allocates nothing per request. */
final class NoTelemetry implements Telemetry {

  static final NoTelemetry INSTANCE = new NoTelemetry();

  private static final Generation IDLE = new Generation() {
    @Override
    public void token() {}

    @Override
    public void done(long outputTokens) {}
  };

  private NoTelemetry() {}

  @Override
  public boolean enabled() {
    return false;
  }

  @Override
  public String scrape() {
    return "";
  }

  @Override
  public void request(String route, String method, String model, String backend, String tenant, int status, long nanos) {}

  @Override
  public void completion(String model, String backend, String tenant, String cache, long inputTokens, long outputTokens,
      double costUsd) {}

  @Override
  public Generation generation(String model, long startNanos) {
    return IDLE;
  }

  @Override
  public void rateLimited(String tenant, String kind) {}

  @Override
  public void feedback(String model, String promptVersion, String arm, String rating, boolean corrected) {}

  @Override
  public Guard.DecisionLog counting(Guard.DecisionLog next) {
    return next;
  }

  @Override
  public void watch(Router router) {}

  @Override
  public void watch(DocumentStore documents, Index index) {}

  @Override
  public void rolloutState(String rollout, String mode, String state) {}

  @Override
  public void rolloutDecision(String rollout, String action, String rule) {}

  @Override
  public void rolloutWindow(String rollout, String arm, long requests, long errors, long guardHits, double p99Seconds) {}

  @Override
  public void rolloutShadow(String rollout, double similarity, double costUsd) {}

  @Override
  public void drift(String model, double psi, double abstentionRate, double baselineAbstentionRate) {}

  @Override
  public void driftAlert(String model, String kind) {}

  @Override
  public void close() {}
}
