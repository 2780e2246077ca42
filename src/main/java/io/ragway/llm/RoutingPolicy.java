package io.ragway.llm;

import java.time.Duration;
import java.util.Locale;
import java.util.Objects;

/**
 * How the router picks among the deployments of one model, and when it stops sending to one.
 *
 * @param strategy how a deployment is picked among the healthy ones
 * @param failureRatePercent a deployment's circuit opens when this share of its recent calls failed
 * @param window recent calls the failure rate is taken over
 * @param minimumCalls calls needed before the rate counts
 * @param openFor how long an open circuit refuses calls before letting a few through to test
 * @param queueTimeout longest wait for a concurrency slot
 * @param probeInterval how often {@code GET /models} checks each deployment; zero turns it off
 */
public record RoutingPolicy(Strategy strategy, int failureRatePercent, int window, int minimumCalls, Duration openFor,
    Duration queueTimeout, Duration probeInterval) {

  /** Ways to pick a deployment. */
  public enum Strategy {
    /** The first healthy deployment in configuration order; the others are spares. */
    PRIORITY,
    /** At random, in proportion to the deployments' weights. */
    WEIGHTED,
    /** The one with the fewest requests in flight. */
    LEAST_BUSY,
    /** The one with the lowest moving average of latency (untried ones first). */
    LOWEST_LATENCY;

    public static Strategy parse(String s) {
      try {
        return valueOf(s.strip().toUpperCase(Locale.ROOT).replace('-', '_'));
      } catch (IllegalArgumentException e) {
        throw new IllegalArgumentException("gateway.strategy must be priority, weighted, least-busy or lowest-latency, got '"
            + s + "'", e);
      }
    }

    public String label() {
      return name().toLowerCase(Locale.ROOT).replace('_', '-');
    }
  }

  public RoutingPolicy {
    Objects.requireNonNull(strategy, "strategy");
    if (failureRatePercent < 1 || failureRatePercent > 100 || window < 1 || minimumCalls < 1) {
      throw new IllegalArgumentException("gateway circuit breaker: failure_rate_percent in [1, 100], window and "
          + "minimum_calls >= 1");
    }
    if (openFor.isNegative() || openFor.isZero() || queueTimeout.isNegative() || probeInterval.isNegative()) {
      throw new IllegalArgumentException("gateway: open_seconds must be > 0, queue_timeout_ms and probe_interval_seconds >= 0");
    }
  }

  public static RoutingPolicy defaults() {
    return new RoutingPolicy(Strategy.WEIGHTED, 50, 20, 5, Duration.ofSeconds(30), Duration.ofSeconds(10),
        Duration.ofSeconds(30));
  }
}
