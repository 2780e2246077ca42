package io.ragway.limit;

import java.time.Duration;

/** A request over a key's limit; carries when to try again and the limit's state for the headers. */
public final class RateLimitExceeded extends RuntimeException {

  /** Which limit: {@code requests} or {@code tokens}, as OpenAI names them. */
  private final String kind;
  private final Duration retryAfter;
  private final RateLimiter.State state;

  public RateLimitExceeded(String kind, Duration retryAfter, RateLimiter.State state, String message) {
    super(message);
    this.kind = kind;
    this.retryAfter = retryAfter;
    this.state = state;
  }

  public String kind() {
    return kind;
  }

  public Duration retryAfter() {
    return retryAfter;
  }

  public RateLimiter.State state() {
    return state;
  }
}
