package io.ragway.llm;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.ragway.state.Redis;
import io.ragway.state.StateConfig;
import io.ragway.testkit.FakeClock;
import io.ragway.testkit.FakeOpenAi;
import io.ragway.testkit.FakeOpenAi.Fault;
import io.ragway.testkit.RedisExtension;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Executors;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/** The in-flight contract on a real redis-server, plus what only counts shared by replicas must do. */
class RedisInFlightCountsIT extends InFlightCountsContract {

  private static final Duration STALE = Duration.ofSeconds(5);
  @RegisterExtension
  static final RedisExtension REDIS = new RedisExtension();
  private final List<InFlightCounts> replicas = new ArrayList<>();
  private int replicaIds;

  @AfterEach
  void closeReplicas() { // before the extension closes their clients
    replicas.forEach(InFlightCounts::close);
  }

  private Redis client() {
    return REDIS.connect(StateConfig.Fail.defaults());
  }

  /** One more replica on the shared Redis, synced only when the test says. */
  private RedisInFlightCounts replica(Redis redis, FakeClock clock) {
    RedisInFlightCounts c = new RedisInFlightCounts(redis, "replica-" + (++replicaIds), clock, STALE);
    replicas.add(c);
    return c;
  }

  @Override
  protected InFlightCounts create(FakeClock clock) {
    return replica(client(), clock);
  }

  @Override
  protected void sync(InFlightCounts c) {
    ((RedisInFlightCounts) c).sync();
  }

  @Test
  void replicasSeeEachOthersRequestsAfterASync() {
    RedisInFlightCounts one = replica(client(), clock);
    RedisInFlightCounts two = replica(client(), clock);
    one.started("m@a:1");
    one.started("m@a:1");
    two.started("m@a:1");
    assertEquals(0, two.count("m@b:1"));
    one.sync();
    two.sync();
    assertEquals(3, two.count("m@a:1"), "two sees its own and one's");
    one.sync();
    assertEquals(3, one.count("m@a:1"));
    one.finished("m@a:1");
    one.finished("m@a:1");
    one.sync();
    two.sync();
    assertEquals(1, two.count("m@a:1"), "finished requests leave the sum at the next sync");
  }

  @Test
  void aReplicaThatStopsPublishingNoLongerCounts() {
    RedisInFlightCounts crashed = replica(client(), clock);
    RedisInFlightCounts alive = replica(client(), clock);
    crashed.started("m@a:1");
    crashed.started("m@a:1");
    crashed.sync(); // then it dies mid-request: no finished(), no more syncs
    assertEquals(0, alive.count("m@a:1"), "not synced yet; asking makes the deployment part of the next sync");
    alive.sync();
    assertEquals(2, alive.count("m@a:1"));
    clock.advance(STALE.minusSeconds(1));
    alive.sync();
    assertEquals(2, alive.count("m@a:1"), "still within the staleness window");
    clock.advance(Duration.ofSeconds(2));
    alive.sync();
    assertEquals(0, alive.count("m@a:1"), "a crashed replica leaves no count behind past " + STALE);
  }

  @Test
  void whileRedisIsDownEachReplicaRoutesOnItsOwnCounts() throws Exception {
    Redis a = client();
    Redis b = client();
    RedisInFlightCounts one = replica(a, clock);
    RedisInFlightCounts two = replica(b, clock);
    one.started("m@a:1");
    two.started("m@a:1");
    one.sync();
    two.sync();
    one.sync();
    assertEquals(2, one.count("m@a:1"));
    REDIS.server().stop();
    try {
      one.sync(); // fails open: no exception
      assertEquals(1, one.count("m@a:1"), "only this replica's own request while Redis is down");
      assertTrue(a.errors(StateConfig.Store.ROUTING) >= 1, "the failed sync is counted");
      assertEquals("open", a.failModes().get("routing"));
    } finally {
      REDIS.server().start();
    }
    RedisExtension.awaitUp(a, b);
    two.sync(); // Redis came back empty: each replica republishes
    one.sync();
    assertEquals(2, one.count("m@a:1"), "shared again once Redis is back");
  }

  @Test
  void twoRoutersOnOneRedisSeeEachOthersRequestsInFlight() throws Exception {
    try (FakeOpenAi fa = new FakeOpenAi("a"); FakeOpenAi fb = new FakeOpenAi("b")) {
      InFlightCounts shared1 = InFlightCounts.redis(client(), "router-1", java.time.Clock.systemUTC(), Duration.ofMillis(20), STALE);
      InFlightCounts shared2 = InFlightCounts.redis(client(), "router-2", java.time.Clock.systemUTC(), Duration.ofMillis(20), STALE);
      replicas.add(shared1);
      replicas.add(shared2);
      Router first = leastBusy(fa, fb, shared1);
      Router second = leastBusy(fa, fb, shared2);
      Router alone = leastBusy(fa, fb, InFlightCounts.inProcess());
      fa.next(Fault.slowFirstByte(1500));
      try (var pool = Executors.newVirtualThreadPerTaskExecutor()) {
        CompletableFuture<Router.Served> slow = CompletableFuture.supplyAsync(() -> first.complete("m", ask("slow")), pool);
        long deadline = System.nanoTime() + 1_000_000_000L;
        String dep = fa.baseUrl().getHost() + ":" + fa.baseUrl().getPort();
        while (shared2.count("m@" + dep) == 0 && System.nanoTime() < deadline) {
          Thread.sleep(10);
        }
        assertEquals(1, shared2.count("m@" + dep), "the second replica sees the first's request to a");
        assertEquals("b", who(second.complete("m", ask("hi"))), "least-busy on the second replica avoids a");
        assertEquals("a", who(alone.complete("m", ask("hi"))), "a replica that shares nothing sees a idle");
        assertEquals("a", who(slow.get()));
      }
    }
  }

  private static Router leastBusy(FakeOpenAi a, FakeOpenAi b, InFlightCounts counts) {
    RoutingPolicy routing = new RoutingPolicy(RoutingPolicy.Strategy.LEAST_BUSY, 50, 4, 4, Duration.ofSeconds(30),
        Duration.ofMillis(200), Duration.ZERO);
    return new Router(List.of(upstream(a), upstream(b)), routing, new RetryPolicy(1, Duration.ZERO, Duration.ZERO, Duration.ZERO),
        new Random(11), d -> { }, java.time.Clock.systemUTC(), counts);
  }

  private static UpstreamConfig upstream(FakeOpenAi server) {
    return new UpstreamConfig("m", server.baseUrl(), "", "up", 0, 0, 0, List.of(), Duration.ofSeconds(2),
        Duration.ofSeconds(3), Duration.ofSeconds(5), 1, 0, 0);
  }

  private static ObjectNode ask(String text) {
    ObjectNode body = new ObjectMapper().createObjectNode().put("model", "m");
    body.putArray("messages").addObject().put("role", "user").put("content", text);
    return body;
  }

  private static String who(Router.Served s) {
    return s.response().get("choices").get(0).get("message").get("content").asText().split(" ")[0];
  }
}
