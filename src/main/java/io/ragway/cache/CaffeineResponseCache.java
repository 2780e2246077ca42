package io.ragway.cache;

import com.github.benmanes.caffeine.cache.Cache;
import com.github.benmanes.caffeine.cache.Caffeine;
import com.github.benmanes.caffeine.cache.Ticker;
import java.util.Optional;
import java.util.concurrent.atomic.LongAdder;

/** An in-process cache bounded by size and time (Caffeine's W-TinyLFU eviction). */
final class CaffeineResponseCache implements ResponseCache {

  private final Cache<String, String> cache;
  private final LongAdder hits = new LongAdder();
  private final LongAdder misses = new LongAdder();

  CaffeineResponseCache(CacheConfig config, Ticker ticker) {
    this.cache = Caffeine.newBuilder().maximumSize(config.maxEntries()).expireAfterWrite(config.ttl()).ticker(ticker).build();
  }

  @Override
  public Optional<String> get(String tenant, String key) {
    String v = cache.getIfPresent(tenant + '\n' + key);
    (v == null ? misses : hits).increment();
    return Optional.ofNullable(v);
  }

  @Override
  public void put(String tenant, String key, String response) {
    cache.put(tenant + '\n' + key, response);
  }

  @Override
  public Stats stats() {
    return new Stats(hits.sum(), misses.sum());
  }

  /** Runs pending evictions now, for tests that check bounds. */
  void cleanUp() {
    cache.cleanUp();
  }
}
