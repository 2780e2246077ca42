package io.ragway.cache;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import java.util.Optional;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** What both response caches must do wherever they live: in process ({@link CachesTest}) and in Redis ({@link RedisCachesIT}). */
abstract class CachesContract {

  static final CacheConfig CONFIG = new CacheConfig(true, 1000, Duration.ofMinutes(10), false, 0.9);

  protected Caches caches;

  protected abstract Caches create(CacheConfig config);

  @BeforeEach
  void createCaches() {
    caches = create(CONFIG);
  }

  @Test
  void exactEntriesAreFoundWithinTheirTenantOnly() {
    ResponseCache exact = caches.exact();
    assertEquals(Optional.empty(), exact.get("acme", "k1"));
    exact.put("acme", "k1", "{\"answer\":1}");
    assertEquals(Optional.of("{\"answer\":1}"), exact.get("acme", "k1"));
    assertEquals(Optional.empty(), exact.get("globex", "k1"));
    assertEquals(new ResponseCache.Stats(1, 2), exact.stats());
  }

  @Test
  void aDisabledCacheStoresNothing() {
    Caches off = create(new CacheConfig(false, 10, Duration.ofMinutes(1), false, 0.9));
    off.exact().put("acme", "k", "v");
    assertEquals(Optional.empty(), off.exact().get("acme", "k"));
    assertFalse(off.semantic().enabled());
  }

  @Test
  void semanticEntriesAreFoundBySimilarityWithinScopeAndTenant() {
    SemanticCache semantic = caches.semantic();
    assertTrue(semantic.enabled());
    semantic.put("acme", "scope", new float[] {1, 0, 0}, "east");
    semantic.put("acme", "scope", new float[] {0, 1, 0}, "north");
    assertEquals(Optional.of("east"), semantic.get("acme", "scope", new float[] {0.95f, 0.1f, 0}));
    assertEquals(Optional.of("north"), semantic.get("acme", "scope", new float[] {0.1f, 0.95f, 0}));
    assertEquals(Optional.empty(), semantic.get("acme", "scope", new float[] {0.6f, 0.6f, 0.5f}), "below the threshold");
    assertEquals(Optional.empty(), semantic.get("acme", "other", new float[] {1, 0, 0}), "another scope");
    assertEquals(Optional.empty(), semantic.get("globex", "scope", new float[] {1, 0, 0}), "another tenant");
    assertEquals(Optional.empty(), semantic.get("acme", "scope", new float[] {1, 0}), "another embedding model's dimension");
  }

  @Test
  void aScopeKeepsItsNewestEntries() {
    SemanticCache semantic = caches.semantic();
    for (int i = 0; i <= SemanticCache.PER_SCOPE; i++) {
      semantic.put("acme", "s", new float[] {i == 0 ? 1 : 0, i == 0 ? 0 : 1, i}, "r" + i);
    }
    assertEquals(Optional.empty(), semantic.get("acme", "s", new float[] {1, 0, 0}), "the oldest entry went first");
    assertEquals(Optional.of("r1"), semantic.get("acme", "s", new float[] {0, 1, 1}));
  }
}
