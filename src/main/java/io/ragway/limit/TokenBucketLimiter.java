package io.ragway.limit;

import com.github.benmanes.caffeine.cache.Cache;
import com.github.benmanes.caffeine.cache.Caffeine;
import io.github.bucket4j.Bucket;
import io.github.bucket4j.ConsumptionProbe;
import io.github.bucket4j.TimeMeter;
import java.time.Duration;
import java.util.Optional;

/**
 * Bucket4j token buckets in process, one pair per key (requests, tokens), each refilled
 * greedily: a limit of 60/min gives back one request a second rather than 60 at the minute's
 * turn, so there is no burst at window edges. Buckets of idle keys are dropped after ten minutes
 * (by then they are full again anyway).
 */
final class TokenBucketLimiter implements RateLimiter {

  private record BucketKey(String key, String kind, long perMinute) {}

  private final TimeMeter time;
  private final Cache<BucketKey, Bucket> buckets = Caffeine.newBuilder().expireAfterAccess(Duration.ofMinutes(10)).build();

  TokenBucketLimiter(TimeMeter time) {
    this.time = time;
  }

  @Override
  public Optional<State> acquireRequest(String key, Limits limits) {
    return take(key, "requests", limits.rpm(), 1);
  }

  @Override
  public Optional<State> acquireTokens(String key, Limits limits, long tokens) {
    if (limits.tpm() > 0 && tokens > limits.tpm()) {
      throw new RateLimitExceeded("tokens", Duration.ofMinutes(1), new State(limits.tpm(), bucket(key, "tokens", limits.tpm())
          .getAvailableTokens(), Duration.ZERO), "Request too large: it needs " + tokens + " tokens and the limit is "
          + limits.tpm() + " tokens per minute. Send fewer tokens or lower max_tokens.");
    }
    return take(key, "tokens", limits.tpm(), Math.max(0, tokens));
  }

  @Override
  public void reconcile(String key, Limits limits, long reserved, long actual) {
    if (limits.tpm() <= 0 || actual == reserved) {
      return;
    }
    Bucket b = bucket(key, "tokens", limits.tpm());
    if (actual < reserved) {
      b.addTokens(reserved - actual); // capped at capacity
    } else {
      b.consumeIgnoringRateLimits(actual - reserved); // may go into debt: the next request waits for it
    }
  }

  private Optional<State> take(String key, String kind, long perMinute, long n) {
    if (perMinute <= 0) {
      return Optional.empty();
    }
    ConsumptionProbe p = bucket(key, kind, perMinute).tryConsumeAndReturnRemaining(n);
    State state = new State(perMinute, Math.max(0, p.getRemainingTokens()), Duration.ofNanos(p.getNanosToWaitForReset()));
    if (!p.isConsumed()) {
      Duration wait = Duration.ofNanos(p.getNanosToWaitForRefill());
      throw new RateLimitExceeded(kind, wait, state, "Rate limit reached on " + kind + " per min: limit " + perMinute
          + ", requested " + n + ". Please try again in " + RateLimitHeaders.humanDuration(wait) + ".");
    }
    return Optional.of(state);
  }

  /*
   * Bucket4j refills at most one token a nanosecond; a limit above that (60 billion a minute) is
   * refilled at that rate, which no server reaches, rather than refused at request time.
   */
  static final long MAX_REFILL_PER_MINUTE = Duration.ofMinutes(1).toNanos();

  private Bucket bucket(String key, String kind, long perMinute) {
    return buckets.get(new BucketKey(key, kind, perMinute), k -> Bucket.builder()
        .addLimit(l -> l.capacity(perMinute).refillGreedy(Math.min(perMinute, MAX_REFILL_PER_MINUTE), Duration.ofMinutes(1)))
        .withCustomTimePrecision(time)
        .build());
  }
}
