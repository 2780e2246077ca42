package io.ragway.limit;

import io.github.bucket4j.TimeMeter;

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
}
