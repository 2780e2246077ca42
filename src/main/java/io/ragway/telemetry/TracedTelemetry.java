package io.ragway.telemetry;

import io.ragway.guard.Guard;
import io.ragway.index.Index;
import io.ragway.ingest.DocumentStore;
import io.ragway.llm.Router;
import java.util.Objects;

/** Metrics from another {@link Telemetry}, with traces and a request log beside them. */
final class TracedTelemetry implements Telemetry {

  private final Telemetry metrics;
  private final Tracing tracing;

  TracedTelemetry(Telemetry metrics, Tracing tracing) {
    this.metrics = Objects.requireNonNull(metrics, "metrics");
    this.tracing = Objects.requireNonNull(tracing, "tracing");
    metrics.watch(tracing.log());
  }

  @Override
  public Tracing tracing() {
    return tracing;
  }

  @Override
  public boolean enabled() {
    return metrics.enabled();
  }

  @Override
  public String scrape() {
    return metrics.scrape();
  }

  @Override
  public void request(String route, String method, String model, String backend, String tenant, int status, long nanos) {
    metrics.request(route, method, model, backend, tenant, status, nanos);
  }

  @Override
  public void completion(String model, String backend, String tenant, String cache, long inputTokens, long outputTokens,
      double costUsd) {
    metrics.completion(model, backend, tenant, cache, inputTokens, outputTokens, costUsd);
  }

  @Override
  public void chatStarted() {
    metrics.chatStarted();
  }

  @Override
  public void chatEnded() {
    metrics.chatEnded();
  }

  @Override
  public Generation generation(String model, long startNanos) {
    return metrics.generation(model, startNanos);
  }

  @Override
  public void feedback(String model, String promptVersion, String arm, String rating, boolean corrected) {
    metrics.feedback(model, promptVersion, arm, rating, corrected);
  }

  @Override
  public void answered(String model, String promptVersion, String arm, boolean abstained, boolean guardHit) {
    metrics.answered(model, promptVersion, arm, abstained, guardHit);
  }

  @Override
  public void webhook(String event, String result) {
    metrics.webhook(event, result);
  }

  @Override
  public void rateLimited(String tenant, String kind) {
    metrics.rateLimited(tenant, kind);
  }

  @Override
  public Guard.DecisionLog counting(Guard.DecisionLog next) {
    return metrics.counting(next);
  }

  @Override
  public void watch(Router router) {
    metrics.watch(router);
  }

  @Override
  public void watch(io.ragway.state.StateBackend state) {
    metrics.watch(state);
  }

  @Override
  public void watch(DocumentStore documents, Index index) {
    metrics.watch(documents, index);
  }

  @Override
  public void rolloutState(String rollout, String mode, String state) {
    metrics.rolloutState(rollout, mode, state);
  }

  @Override
  public void rolloutDecision(String rollout, String action, String rule) {
    metrics.rolloutDecision(rollout, action, rule);
  }

  @Override
  public void rolloutWindow(String rollout, String arm, long requests, long errors, long guardHits, double p99Seconds) {
    metrics.rolloutWindow(rollout, arm, requests, errors, guardHits, p99Seconds);
  }

  @Override
  public void rolloutShadow(String rollout, double similarity, double costUsd) {
    metrics.rolloutShadow(rollout, similarity, costUsd);
  }

  @Override
  public void drift(String model, double psi, double abstentionRate, double baselineAbstentionRate) {
    metrics.drift(model, psi, abstentionRate, baselineAbstentionRate);
  }

  @Override
  public void driftAlert(String model, String kind) {
    metrics.driftAlert(model, kind);
  }

  @Override
  public void watch(RequestLog log) {
    metrics.watch(log);
  }

  @Override
  public void close() {
    try {
      tracing.close();
    } finally {
      metrics.close();
    }
  }
}
