package io.ragway.cache;

import java.util.Optional;

/** Stores complete responses by request key, within a tenant (its keys never meet another tenant's). */
public interface ResponseCache {

  /** Hit and miss counts since start. */
  record Stats(long hits, long misses) {}

  Optional<String> get(String tenant, String key);

  void put(String tenant, String key, String response);

  Stats stats();

  /** A cache that stores nothing, for {@code cache.enabled: false}. */
  static ResponseCache none() {
    return new ResponseCache() {
      @Override
      public Optional<String> get(String tenant, String key) {
        return Optional.empty();
      }

      @Override
      public void put(String tenant, String key, String response) {}

      @Override
      public Stats stats() {
        return new Stats(0, 0);
      }
    };
  }
}
