package io.ragway.limit;

import java.time.Duration;

/**
 * Requests-per-minute and tokens-per-minute limits per API key. Tokens are taken before a call
 * (the prompt's count plus the completion's budget) and set right once the upstream's
 * {@code usage} is known, so a key pays for what it used.
 */
public interface RateLimiter {

  /**
   * The limits of one key.
   *
   * @param rpm requests per minute, 0 for no limit
   * @param tpm tokens per minute, 0 for no limit
   */
  record Limits(long rpm, long tpm) {
    public static final Limits NONE = new Limits(0, 0);

    public Limits {
      if (rpm < 0 || tpm < 0) {
        throw new IllegalArgumentException("rpm and tpm must be >= 0 (0 means no limit), got " + rpm + ", " + tpm);
      }
    }
  }

  /**
   * Where one limit stands after a request: what OpenAI sends as {@code x-ratelimit-limit-*},
   * {@code x-ratelimit-remaining-*} and {@code x-ratelimit-reset-*}.
   *
   * @param reset time until the bucket is full again
   */
  record State(long limit, long remaining, Duration reset) {}

  /**
   * Takes one request from the key's requests-per-minute bucket.
   *
   * @return the bucket's state, empty when the key has no such limit
   * @throws RateLimitExceeded when the bucket is empty
   */
  java.util.Optional<State> acquireRequest(String key, Limits limits);

  /**
   * Takes {@code tokens} from the key's tokens-per-minute bucket.
   *
   * @throws RateLimitExceeded when there are not enough, or the request alone is over the limit
   */
  java.util.Optional<State> acquireTokens(String key, Limits limits, long tokens);

  /** Sets the token bucket right once the real count is known: gives back or takes the difference. */
  void reconcile(String key, Limits limits, long reserved, long actual);
}
