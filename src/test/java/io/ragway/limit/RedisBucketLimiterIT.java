package io.ragway.limit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.ragway.state.Redis;
import io.ragway.state.StateConfig;
import io.ragway.state.StateUnavailable;
import io.ragway.testkit.RedisExtension;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/** The limiter contract on a real redis-server, plus what only a shared limiter must do. */
class RedisBucketLimiterIT extends RateLimiterContract {

  @RegisterExtension
  static final RedisExtension REDIS = new RedisExtension();

  /* each client its own key space: a test's limiters share buckets only when it says so (keyPrefixOf) */
  private Redis client(String limitsMode) {
    return REDIS.connect(RedisExtension.TIMEOUT_MS, "t" + System.nanoTime(), new StateConfig.Fail(limitsMode, "open", "closed"));
  }

  /* another replica on the key space of {@code of} */
  private Redis sharing(Redis of) {
    return REDIS.connect(RedisExtension.TIMEOUT_MS, keyPrefixOf(of), StateConfig.Fail.defaults());
  }

  @Override
  protected RateLimiter create(FakeTime time) {
    return RateLimiters.redis(client("open"), time);
  }

  @Test
  void replicasTakeFromOneBucketExactly() throws Exception {
    Redis a = client("open");
    Redis b = sharing(a);
    Redis c = sharing(a);
    List<RateLimiter> replicas = List.of(RateLimiters.redis(a, time), RateLimiters.redis(b, time), RateLimiters.redis(c, time));
    assertEquals(60, admitted(replicas, 300), "three replicas on one Redis admit the limit, not three times it");
  }

  @Test
  void tokensSettledOnOneReplicaAreSeenByAnother() {
    Redis a = client("open");
    Redis b = sharing(a);
    RateLimiter one = RateLimiters.redis(a, time);
    RateLimiter two = RateLimiters.redis(b, time);
    RateLimiter.Limits limits = new RateLimiter.Limits(0, 1000);
    assertEquals(400, one.acquireTokens("k", limits, 600).orElseThrow().remaining());
    one.reconcile("k", limits, 600, 100);
    assertEquals(800, two.acquireTokens("k", limits, 100).orElseThrow().remaining());
  }

  @Test
  void whileRedisIsDownLimitsFailOpenToThisReplicasBucketsOrClosed() throws Exception {
    Redis open = client("open");
    Redis closed = client("closed");
    RateLimiter lenient = RateLimiters.redis(open, time);
    RateLimiter strict = RateLimiters.redis(closed, time);
    RateLimiter.Limits limits = new RateLimiter.Limits(2, 0);
    lenient.acquireRequest("k", limits);
    REDIS.server().stop();
    try {
      // open: this replica's own bucket, which is full, still limits the key
      assertEquals(1, lenient.acquireRequest("k", limits).orElseThrow().remaining());
      lenient.acquireRequest("k", limits);
      assertThrows(RateLimitExceeded.class, () -> lenient.acquireRequest("k", limits));
      StateUnavailable e = assertThrows(StateUnavailable.class, () -> strict.acquireRequest("k", limits));
      assertEquals(StateConfig.Store.LIMITS, e.store());
      assertTrue(open.errors(StateConfig.Store.LIMITS) >= 3 && closed.errors(StateConfig.Store.LIMITS) >= 1);
      assertEquals(false, open.up());
      strict.reconcile("k", new RateLimiter.Limits(0, 10), 5, 1); // a settlement never fails the answer given
    } finally {
      REDIS.server().start();
    }
    RedisExtension.awaitUp(closed);
    assertTrue(closed.up(), "reconnected once Redis is back");
    assertEquals(1, strict.acquireRequest("k", limits).orElseThrow().remaining(), "Redis came back empty: a full bucket");
  }

  private static String keyPrefixOf(Redis r) {
    return r.key().isEmpty() ? "" : r.key();
  }
}
