package io.ragway.rollout;

import java.time.Instant;
import java.util.Objects;

/**
 * What one request answered by an arm came to.
 *
 * @param latencyMs from the arm's choice to the end of the response
 * @param error a 5xx, or a stream that ended with an error event
 * @param guardHit the guard blocked, flagged, withheld or treated something in it
 */
public record Outcome(Instant at, double latencyMs, boolean error, boolean guardHit) {
  public Outcome {
    Objects.requireNonNull(at, "at");
    if (latencyMs < 0) {
      throw new IllegalArgumentException("latency must be >= 0");
    }
  }
}
