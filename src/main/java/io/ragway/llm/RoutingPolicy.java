package io.ragway.llm;

import java.time.Duration;
import java.util.Locale;
import java.util.Map;
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
 * @param prefix the settings of the {@link Strategy#PREFIX} strategy
 * @param perModel strategies of the models that do not use {@code strategy}, by model name
 */
public record RoutingPolicy(Strategy strategy, int failureRatePercent, int window, int minimumCalls, Duration openFor,
    Duration queueTimeout, Duration probeInterval, Prefix prefix, Map<String, Strategy> perModel) {

  /**
   * How {@link Strategy#PREFIX} routes (docs/scale-out.md).
   *
   * @param blockChars characters of the rendered prompt per hashed block; only whole blocks are matched
   * @param maxEntries block hashes remembered, least recently used forgotten first
   * @param overloadSlack requests in flight or queued a preferred deployment may have beyond the least busy one's
   *     before it is passed over
   */
  public record Prefix(int blockChars, int maxEntries, int overloadSlack) {
    public Prefix {
      if (blockChars < 16 || maxEntries < 1 || overloadSlack < 0) {
        throw new IllegalArgumentException("gateway.prefix: block_chars must be >= 16, max_entries >= 1, "
            + "overload_slack >= 0");
      }
    }

    public static Prefix defaults() {
      return new Prefix(256, 100_000, 4);
    }
  }

  /** A policy with the default {@link Prefix} settings. */
  public RoutingPolicy(Strategy strategy, int failureRatePercent, int window, int minimumCalls, Duration openFor,
      Duration queueTimeout, Duration probeInterval) {
    this(strategy, failureRatePercent, window, minimumCalls, openFor, queueTimeout, probeInterval, Prefix.defaults());
  }

  /** A policy with one strategy for every model. */
  public RoutingPolicy(Strategy strategy, int failureRatePercent, int window, int minimumCalls, Duration openFor,
      Duration queueTimeout, Duration probeInterval, Prefix prefix) {
    this(strategy, failureRatePercent, window, minimumCalls, openFor, queueTimeout, probeInterval, prefix, Map.of());
  }

  /** The strategy among the deployments of {@code model}. */
  public Strategy strategy(String model) {
    return perModel.getOrDefault(model, strategy);
  }

  /** Ways to pick a deployment. */
  public enum Strategy {
    /** The first healthy deployment in configuration order; the others are spares. */
    PRIORITY,
    /** At random, in proportion to the deployments' weights. */
    WEIGHTED,
    /** The one with the fewest requests in flight. */
    LEAST_BUSY,
    /** Each in turn. */
    ROUND_ROBIN,
    /** The one with the lowest moving average of latency (untried ones first). */
    LOWEST_LATENCY,
    /**
     * The one most likely to hold the prompt's prefix in its KV cache (longest matching prefix, else a
     * hash ring on the {@code user} or the prompt's start), unless it is busier than the least busy
     * by more than {@link Prefix#overloadSlack()}.
     */
    PREFIX;

    public static Strategy parse(String s) {
      try {
        return valueOf(s.strip().toUpperCase(Locale.ROOT).replace('-', '_'));
      } catch (IllegalArgumentException e) {
        throw new IllegalArgumentException("gateway.strategy must be priority, weighted, least-busy, round-robin, "
            + "lowest-latency or prefix, got '" + s + "'", e);
      }
    }

    public String label() {
      return name().toLowerCase(Locale.ROOT).replace('_', '-');
    }
  }

  public RoutingPolicy {
    Objects.requireNonNull(strategy, "strategy");
    Objects.requireNonNull(prefix, "prefix");
    perModel = perModel == null ? Map.of() : Map.copyOf(perModel);
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
