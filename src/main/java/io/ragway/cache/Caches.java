package io.ragway.cache;

import java.util.Objects;

/**
 * The server's response caches.
 *
 * @param anyTemperature cache sampled requests too (see {@link CacheConfig#anyTemperature()})
 */
public record Caches(ResponseCache exact, SemanticCache semantic, boolean anyTemperature) {
  public Caches {
    Objects.requireNonNull(exact, "exact");
    Objects.requireNonNull(semantic, "semantic");
  }

  /** Both caches of one configuration, in this process. */
  public static Caches inProcess(CacheConfig config, com.github.benmanes.caffeine.cache.Ticker ticker) {
    CacheConfig semantic = config.enabled() ? config
        : new CacheConfig(false, config.maxEntries(), config.ttl(), config.anyTemperature(), 0);
    return new Caches(ResponseCaches.inProcess(config, ticker), new CaffeineSemanticCache(semantic, ticker),
        config.anyTemperature());
  }

  /**
   * Both caches of one configuration in Redis, shared by the replicas that use it; {@code clock}
   * dates the semantic entries (a wall clock common to the replicas).
   */
  public static Caches redis(CacheConfig config, io.ragway.state.Redis redis, java.time.Clock clock) {
    CacheConfig semantic = config.enabled() ? config
        : new CacheConfig(false, config.maxEntries(), config.ttl(), config.anyTemperature(), 0);
    return new Caches(config.enabled() ? new RedisResponseCache(redis, config) : ResponseCache.none(),
        new RedisSemanticCache(redis, semantic, clock), config.anyTemperature());
  }
}
