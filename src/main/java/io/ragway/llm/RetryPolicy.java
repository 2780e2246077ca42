package io.ragway.llm;

import java.time.Duration;

/**
 * How often and how patiently an upstream call is retried: exponential backoff with full jitter
 * (a random wait in [0, min(maxDelay, baseDelay * 2^(attempt-1)))), except that an upstream's
 * {@code Retry-After} is honoured, up to {@code maxRetryAfter}.
 */
public record RetryPolicy(int maxAttempts, Duration baseDelay, Duration maxDelay, Duration maxRetryAfter) {

  public RetryPolicy {
    if (maxAttempts < 1 || maxAttempts > 10) {
      throw new IllegalArgumentException("gateway.max_attempts must be in [1, 10], got " + maxAttempts);
    }
    if (baseDelay.isNegative() || maxDelay.compareTo(baseDelay) < 0 || maxRetryAfter.isNegative()) {
      throw new IllegalArgumentException("gateway delays must be >= 0 and max_delay >= base_delay");
    }
  }

  public static RetryPolicy defaults() {
    return new RetryPolicy(3, Duration.ofMillis(200), Duration.ofSeconds(5), Duration.ofSeconds(30));
  }
}
