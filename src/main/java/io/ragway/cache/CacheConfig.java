package io.ragway.cache;

import java.time.Duration;

/**
 * The exact-match response cache.
 *
 * @param maxEntries entries kept at most (least recently and frequently used go first)
 * @param ttl how long an entry may be served
 * @param anyTemperature cache sampled (temperature &gt; 0) requests too; off, since their answers are
 *     meant to vary
 */
public record CacheConfig(boolean enabled, long maxEntries, Duration ttl, boolean anyTemperature) {

  public CacheConfig {
    if (maxEntries < 1) {
      throw new IllegalArgumentException("cache.max_entries must be >= 1, got " + maxEntries);
    }
    if (ttl == null || ttl.isNegative() || ttl.isZero()) {
      throw new IllegalArgumentException("cache.ttl_seconds must be > 0");
    }
  }

  public static CacheConfig defaults() {
    return new CacheConfig(true, 10_000, Duration.ofHours(1), false);
  }
}
