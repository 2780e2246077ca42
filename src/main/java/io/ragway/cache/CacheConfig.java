package io.ragway.cache;

import java.time.Duration;

/**
 * The exact-match response cache.
 *
 * @param maxEntries entries kept at most (least recently and frequently used go first)
 * @param ttl how long an entry may be served
 * @param anyTemperature cache sampled (temperature &gt; 0) requests too; off, since their answers are
 *     meant to vary
 * @param semanticThreshold also answer a request whose last user turn is this similar (cosine of
 *     the embeddings) to a cached one with the same model, tenant and earlier messages; 0 turns
 *     the semantic cache off
 */
public record CacheConfig(boolean enabled, long maxEntries, Duration ttl, boolean anyTemperature, double semanticThreshold) {

  public CacheConfig {
    if (maxEntries < 1) {
      throw new IllegalArgumentException("cache.max_entries must be >= 1, got " + maxEntries);
    }
    if (ttl == null || ttl.isNegative() || ttl.isZero()) {
      throw new IllegalArgumentException("cache.ttl_seconds must be > 0");
    }
    if (semanticThreshold != 0 && (semanticThreshold < 0.5 || semanticThreshold > 1)) {
      throw new IllegalArgumentException("cache.semantic_threshold must be 0 (off) or in [0.5, 1], got " + semanticThreshold);
    }
  }

  public static CacheConfig defaults() {
    return new CacheConfig(true, 10_000, Duration.ofHours(1), false, 0);
  }
}
