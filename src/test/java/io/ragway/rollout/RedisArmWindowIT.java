package io.ragway.rollout;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.ragway.index.Filter;
import io.ragway.state.Redis;
import io.ragway.state.StateConfig;
import io.ragway.telemetry.Telemetry;
import io.ragway.testkit.FakeClock;
import io.ragway.testkit.RedisExtension;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/** The window contract on a real redis-server, plus rollbacks decided on every replica's traffic. */
class RedisArmWindowIT extends ArmWindowContract {

  private static final ObjectMapper JSON = new ObjectMapper();
  @RegisterExtension
  static final RedisExtension REDIS = new RedisExtension();
  private int windows;

  private Redis client(int timeoutMs) {
    return REDIS.connect(timeoutMs, REDIS.prefix(), StateConfig.Fail.defaults());
  }

  @Override
  protected ArmWindow create(int size, Duration maxAge) {
    return RedisArmWindow.factory(client(2000)).open("r" + (++windows), "stable", size, maxAge);
  }

  @Test
  void replicasShareOneWindowPerArm() {
    ArmWindow one = RedisArmWindow.factory(client(2000)).open("shared", "candidate", 100, Duration.ZERO);
    ArmWindow two = RedisArmWindow.factory(client(2000)).open("shared", "candidate", 100, Duration.ZERO);
    one.add(new Outcome(T0, 100, false, false));
    two.add(new Outcome(T0, 300, true, false));
    assertEquals(new Figures(2, 1, 0, 300), one.figures(T0));
    assertEquals(2, two.total());
    two.clear();
    assertEquals(Figures.EMPTY, one.figures(T0), "clear deletes the shared list");
  }

  @Test
  void aRollbackIsDecidedOnTheUnionOfTheReplicasTraffic() {
    // the same split of traffic over two replicas: neither half alone reaches min requests on both arms
    assertEquals(List.of("running", "running"), serveSplit(ArmWindow.Factory.LOCAL, ArmWindow.Factory.LOCAL));
    ArmWindow.Factory shared = RedisArmWindow.factory(client(2000));
    List<String> states = serveSplit(shared, RedisArmWindow.factory(client(2000)));
    assertTrue(states.contains("rolled_back"), "the shared windows roll the slow candidate back: " + states);
  }

  /** 60 users' requests, even users on one replica and odd on the other; the states after. */
  private List<String> serveSplit(ArmWindow.Factory first, ArmWindow.Factory second) {
    FakeClock clock = new FakeClock();
    RolloutStore store = RolloutStore.inMemory();
    RolloutConfig c = new RolloutConfig("next" + (++windows), "gpt", "canary", 50.0, "user",
        new RolloutConfig.Arm("gpt-a", null, null), new RolloutConfig.Arm("gpt-b", null, null),
        new RolloutConfig.Rules(20, 200, 0, 5.0, 50.0, 0.05));
    List<WindowedRollouts> replicas = List.of(replica(c, store, clock, first), replica(c, store, clock, second));
    for (int u = 0; u < 60; u++) {
      WindowedRollouts r = replicas.get(u % 2);
      ObjectNode body = JSON.createObjectNode().put("model", "gpt").put("user", "u" + u);
      Ticket t = r.route(new Rollouts.Request("gpt", body, "key1", "", Filter.all(), "req" + u));
      clock.advance(Duration.ofMillis(t.model().equals("gpt-b") ? 200 : 100));
      t.settle(200);
    }
    List<String> states = replicas.stream().map(r -> r.status().get(0).state()).toList();
    replicas.forEach(WindowedRollouts::close);
    return states;
  }

  private static WindowedRollouts replica(RolloutConfig c, RolloutStore store, FakeClock clock, ArmWindow.Factory w) {
    return new WindowedRollouts(List.of(c), DriftConfig.defaults(), UpstreamArms.none(), store, Telemetry.off(), Optional.empty(),
        clock, clock::nanos, Rollouts.Events.NONE, w);
  }

  @Test
  void whileRedisIsDownEachReplicaDecidesOnItsOwnOutcomes() throws Exception {
    Redis redis = client(200);
    ArmWindow w = RedisArmWindow.factory(redis).open("down", "stable", 100, Duration.ZERO);
    w.add(new Outcome(T0, 100, false, false));
    assertEquals(0, redis.errors(StateConfig.Store.ROLLOUTS));
    REDIS.server().stop();
    try {
      w.add(new Outcome(T0, 400, true, false)); // fails open: no exception
      assertEquals(new Figures(2, 1, 0, 400), w.figures(T0), "this replica's own outcomes");
      assertTrue(redis.errors(StateConfig.Store.ROLLOUTS) >= 2, "the failures are counted");
      assertEquals("open", redis.failModes().get("rollouts"));
    } finally {
      REDIS.server().start();
    }
  }

}
