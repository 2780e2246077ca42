package io.ragway.limit;

import io.github.bucket4j.TimeMeter;
import io.ragway.state.Redis;

/** Rate limiters. */
public final class RateLimiters {

  private RateLimiters() {}

  /** Token buckets in this process; {@code time} is a fake clock in tests. */
  public static RateLimiter inProcess(TimeMeter time) {
    return new TokenBucketLimiter(time);
  }

  public static RateLimiter inProcess() {
    return inProcess(TimeMeter.SYSTEM_NANOTIME);
  }

  /**
   * Token buckets in Redis, shared by every replica that uses it; {@code time} must be a wall
   * clock common to the replicas ({@link TimeMeter#SYSTEM_MILLISECONDS}), or a fake one in tests.
   */
  public static RateLimiter redis(Redis redis, TimeMeter time) {
    return new RedisBucketLimiter(redis, time);
  }

  public static RateLimiter redis(Redis redis) {
    return redis(redis, TimeMeter.SYSTEM_MILLISECONDS);
  }
}
