package io.ragway.cache;

import io.lettuce.core.SetArgs;
import io.ragway.state.Redis;
import io.ragway.state.StateConfig.Store;
import java.nio.charset.StandardCharsets;
import java.util.Optional;
import java.util.concurrent.atomic.LongAdder;

/**
 * The exact-match cache in Redis, shared by replicas: one string per response under
 * {@code <prefix>:cache:<tenant>:<request hash>}, expiring after the TTL. Redis bounds it by time
 * (and by its own {@code maxmemory} policy), not by {@code max_entries}. While Redis is down every
 * lookup is a miss and nothing is stored (caches always fail open).
 */
final class RedisResponseCache implements ResponseCache {

  private final Redis redis;
  private final long ttlMillis;
  private final LongAdder hits = new LongAdder();
  private final LongAdder misses = new LongAdder();

  RedisResponseCache(Redis redis, CacheConfig config) {
    this.redis = redis;
    this.ttlMillis = config.ttl().toMillis();
  }

  @Override
  public Optional<String> get(String tenant, String key) {
    Optional<String> v = redis.call(Store.CACHES, () -> Optional.ofNullable(redis.sync().get(redis.key("cache", tenant, key)))
        .map(b -> new String(b, StandardCharsets.UTF_8)), Optional::empty);
    (v.isPresent() ? hits : misses).increment();
    return v;
  }

  @Override
  public void put(String tenant, String key, String response) {
    redis.run(Store.CACHES, () -> redis.sync().set(redis.key("cache", tenant, key), response.getBytes(StandardCharsets.UTF_8),
        SetArgs.Builder.px(ttlMillis)), () -> {});
  }

  @Override
  public Stats stats() {
    return new Stats(hits.sum(), misses.sum());
  }
}
