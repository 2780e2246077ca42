package io.ragway.llm;

import java.time.Duration;
import java.util.Optional;

/**
 * An upstream call failed: the upstream's HTTP status (0 when it could not be reached, -1 on a
 * timeout), its message, and the wait it asked for with {@code Retry-After}, if any.
 */
public final class UpstreamException extends RuntimeException {

  public static final int UNREACHABLE = 0;
  public static final int TIMEOUT = -1;
  /** ragway's own limit: every slot of the deployment busy and its queue full. */
  public static final int OVERLOADED = -2;

  private final String upstream;
  private final int status;
  private final Duration retryAfter;

  public UpstreamException(String upstream, int status, Duration retryAfter, String message, Throwable cause) {
    super(message, cause);
    this.upstream = upstream;
    this.status = status;
    this.retryAfter = retryAfter;
  }

  public String upstream() {
    return upstream;
  }

  public int status() {
    return status;
  }

  public Optional<Duration> retryAfter() {
    return Optional.ofNullable(retryAfter);
  }

  /** Worth another try: unreachable, timed out, rate limited or a server error. */
  public boolean retryable() {
    return status == UNREACHABLE || status == TIMEOUT || status == 408 || status == 409 || status == 429 || status >= 500;
  }
}
