package io.ragway.rollout;

import com.fasterxml.jackson.annotation.JsonProperty;

/**
 * One arm's figures over its sliding window.
 *
 * @param p99Ms the 99th percentile latency (nearest rank), 0 with no requests
 */
public record Figures(int requests, int errors, @JsonProperty("guard_hits") int guardHits,
    @JsonProperty("p99_ms") double p99Ms) {

  public static final Figures EMPTY = new Figures(0, 0, 0, 0);

  /** Errors over requests, 0 with none. */
  public double errorRate() {
    return requests == 0 ? 0 : (double) errors / requests;
  }

  /** Guard hits over requests, 0 with none. */
  public double guardHitRate() {
    return requests == 0 ? 0 : (double) guardHits / requests;
  }

  /** The figures as a person reads them. */
  public String describe() {
    return String.format(java.util.Locale.ROOT, "%d requests, errors %.1f%%, guard hits %.1f%%, p99 %.0f ms", requests,
        errorRate() * 100, guardHitRate() * 100, p99Ms);
  }
}
