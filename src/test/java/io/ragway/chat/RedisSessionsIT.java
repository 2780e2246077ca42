package io.ragway.chat;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.ragway.state.Redis;
import io.ragway.state.StateConfig;
import io.ragway.state.StateUnavailable;
import io.ragway.testkit.RedisExtension;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/** The sessions contract on a real redis-server, plus sharing between replicas and Redis going away. */
class RedisSessionsIT extends SessionsContract {

  @RegisterExtension
  static final RedisExtension REDIS = new RedisExtension();

  private Redis client(String sessionsMode) {
    return REDIS.connect(new StateConfig.Fail("open", "open", sessionsMode));
  }

  private Sessions on(Redis redis, int maxTurns) {
    return SessionStores.redis(redis, SessionStores.inProcess(100, Duration.ofMinutes(30), maxTurns, Clock.systemUTC(),
        System::nanoTime), Duration.ofMinutes(30), maxTurns, Clock.systemUTC());
  }

  @Override
  protected Sessions create(int maxTurns) {
    return on(client("closed"), maxTurns);
  }

  @Test
  void aSessionBegunOnOneReplicaContinuesOnAnother() {
    Sessions one = on(client("closed"), 10);
    Sessions two = on(client("closed"), 10);
    Sessions.Session s = one.create(ACME);
    assertTrue(two.append(ACME, s.id(), List.of(msg("user", "hi"))));
    assertEquals(1, one.get(ACME, s.id()).orElseThrow().messages().size());
  }

  @Test
  void sessionsExpireWhenIdle() {
    Redis r = client("closed");
    Sessions.Session s = on(r, 10).create(ACME);
    long ttl = r.sync().pttl(r.key("session", "acme", s.id()));
    assertTrue(ttl > Duration.ofMinutes(29).toMillis() && ttl <= Duration.ofMinutes(30).toMillis(), "ttl " + ttl);
  }

  @Test
  void whileRedisIsDownSessionsFailClosedOrOpenToThisReplica() throws Exception {
    Sessions strict = on(client("closed"), 10);
    Sessions lenient = on(client("open"), 10);
    Sessions.Session before = strict.create(ACME);
    REDIS.server().stop();
    try {
      assertThrows(StateUnavailable.class, () -> strict.get(ACME, before.id()));
      assertThrows(StateUnavailable.class, () -> strict.create(ACME));
      Sessions.Session local = lenient.create(ACME);
      assertTrue(lenient.append(ACME, local.id(), List.of(msg("user", "hi"))), "kept on this replica meanwhile");
      assertTrue(lenient.get(ACME, before.id()).isEmpty(), "what Redis held cannot be read");
    } finally {
      REDIS.server().start();
    }
    long deadline = System.nanoTime() + 10_000_000_000L;
    while (System.nanoTime() < deadline) {
      try {
        strict.create(ACME);
        return; // sessions work again
      } catch (StateUnavailable notYet) {
        Thread.sleep(50);
      }
    }
    throw new AssertionError("sessions did not recover once Redis was back");
  }
}
