package io.ragway.cache;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.ragway.state.Redis;
import io.ragway.state.StateConfig;
import io.ragway.testkit.RedisExtension;
import java.time.Clock;
import java.time.Duration;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/** The caches contract on a real redis-server, plus sharing between replicas, TTLs and Redis going away. */
class RedisCachesIT extends CachesContract {

  @RegisterExtension
  static final RedisExtension REDIS = new RedisExtension();

  private Redis client() {
    return REDIS.connect(StateConfig.Fail.defaults());
  }

  @Override
  protected Caches create(CacheConfig config) {
    return Caches.redis(config, client(), Clock.systemUTC());
  }

  @Test
  void anAnswerCachedByOneReplicaIsServedByAnother() {
    Redis a = client();
    Caches one = Caches.redis(CONFIG, a, Clock.systemUTC());
    Caches two = Caches.redis(CONFIG, client(), Clock.systemUTC());
    one.exact().put("acme", "k", "v");
    one.semantic().put("acme", "s", new float[] {1, 0}, "near");
    assertEquals(Optional.of("v"), two.exact().get("acme", "k"));
    assertEquals(Optional.of("near"), two.semantic().get("acme", "s", new float[] {1, 0.01f}));
    long ttl = a.sync().pttl(a.key("cache", "acme", "k"));
    assertTrue(ttl > Duration.ofMinutes(9).toMillis() && ttl <= Duration.ofMinutes(10).toMillis(), "ttl " + ttl);
  }

  @Test
  void semanticEntriesPastTheirTtlAreNotServed() {
    Caches stale = Caches.redis(CONFIG, client(), Clock.offset(Clock.systemUTC(), Duration.ofMinutes(-11)));
    stale.semantic().put("acme", "s", new float[] {1, 0}, "old");
    assertEquals(Optional.empty(), caches.semantic().get("acme", "s", new float[] {1, 0}));
  }

  @Test
  void whileRedisIsDownCachesMissAndStoreNothing() throws Exception {
    Redis r = client();
    Caches shared = Caches.redis(CONFIG, r, Clock.systemUTC());
    shared.exact().put("acme", "k", "v");
    REDIS.server().stop();
    try {
      assertEquals(Optional.empty(), shared.exact().get("acme", "k"));
      shared.exact().put("acme", "k2", "v2");
      assertEquals(Optional.empty(), shared.semantic().get("acme", "s", new float[] {1, 0}));
      shared.semantic().put("acme", "s", new float[] {1, 0}, "x");
      assertTrue(r.errors(StateConfig.Store.CACHES) >= 4);
    } finally {
      REDIS.server().start();
    }
    RedisExtension.awaitUp(r);
    shared.exact().put("acme", "k3", "v3");
    assertEquals(Optional.of("v3"), shared.exact().get("acme", "k3"), "cached again once Redis is back");
  }
}
