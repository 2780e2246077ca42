package io.ragway.rollout;

import io.ragway.testkit.FakeClock;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.ragway.guard.GuardDecision;
import io.ragway.index.Filter;
import io.ragway.telemetry.Telemetry;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.Random;
import org.junit.jupiter.api.Test;

class WindowedRolloutsTest {

  private static final ObjectMapper JSON = new ObjectMapper();
  private final FakeClock clock = new FakeClock();
  private final RolloutStore store = RolloutStore.inMemory();
  private int requests;

  private static RolloutConfig canary(String mode, double percent, int minRequests) {
    return new RolloutConfig("gpt-next", "gpt", mode, percent, "user", new RolloutConfig.Arm("gpt-a", null, null),
        new RolloutConfig.Arm("gpt-b", null, null), new RolloutConfig.Rules(minRequests, Math.max(50, minRequests), 0, 5.0, 50.0, 0.05));
  }

  private WindowedRollouts rollouts(RolloutConfig c, Telemetry telemetry) {
    return new WindowedRollouts(List.of(c), DriftConfig.defaults(), UpstreamArms.none(), store, telemetry, Optional.empty(), clock,
        clock::nanos);
  }

  private Ticket route(Rollouts r, String user) {
    ObjectNode body = JSON.createObjectNode().put("model", "gpt").put("user", user);
    return r.route(new Rollouts.Request("gpt", body, "key1", "", Filter.all(), "req" + requests++));
  }

  /** One request of {@code user} that takes {@code stableMs} or {@code candidateMs} and ends with {@code status}. */
  private Ticket serve(Rollouts r, String user, long stableMs, long candidateMs, int status) {
    Ticket t = route(r, user);
    clock.advance(Duration.ofMillis(t.model().equals("gpt-b") ? candidateMs : stableMs));
    t.settle(status);
    return t;
  }

  @Test
  void aCanaryKeepsEachUserOnOneArmAndSplitsUsersByPercent() {
    WindowedRollouts r = rollouts(canary("canary", 20, 1000), Telemetry.off());
    int candidate = 0;
    for (int u = 0; u < 2000; u++) {
      String first = route(r, "user" + u).model();
      for (int again = 0; again < 3; again++) {
        assertEquals(first, route(r, "user" + u).model(), "user" + u + " changed arm");
      }
      candidate += first.equals("gpt-b") ? 1 : 0;
    }
    assertTrue(candidate > 340 && candidate < 460, "20% of 2000 users expected, got " + candidate);
  }

  @Test
  void equalArmsRunOn() {
    WindowedRollouts r = rollouts(canary("canary", 50, 20), Telemetry.off());
    for (int i = 0; i < 200; i++) {
      serve(r, "u" + i, 100, 100, 200);
    }
    Rollouts.Status s = r.status().get(0);
    assertEquals("running", s.state());
    assertTrue(s.stable().requests() >= 20 && s.candidate().requests() >= 20, s.toString());
  }

  @Test
  void aSlowCandidateIsRolledBackOnceBothArmsHaveMinRequests() {
    Telemetry metrics = Telemetry.prometheus();
    WindowedRollouts r = rollouts(canary("canary", 50, 20), metrics);
    int i = 0;
    while (r.status().get(0).state().equals("running")) {
      Rollouts.Status before = r.status().get(0);
      assertTrue(before.stable().requests() < 20 || before.candidate().requests() < 20, "still running at " + before);
      serve(r, "u" + i++, 100, 200, 200);
      assertTrue(i < 200, "never rolled back");
    }
    Rollouts.Status s = r.status().get(0);
    assertEquals("rolled_back", s.state());
    assertTrue(s.reason().contains("p99 200 ms vs stable 100 ms"), s.reason());
    for (int u = 0; u < 50; u++) {
      assertEquals("gpt-a", route(r, "x" + u).model()); // everyone on stable now
    }
    RolloutStore.Decision d = store.decisions("gpt-next", 5).get(0);
    assertEquals("rollback", d.action());
    assertEquals("controller", d.actor());
    assertTrue(d.figures().contains("\"p99_ms\":200.0"), d.figures());
    String scrape = metrics.scrape();
    assertTrue(scrape.contains("ragway_rollout_decisions_total{action=\"rollback\",rollout=\"gpt-next\",rule=\"p99\"} 1.0"),
        scrape);
    assertTrue(scrape.contains("ragway_rollout_state{mode=\"canary\",rollout=\"gpt-next\"} 2.0"), scrape);
    metrics.close();
  }

  @Test
  void aCandidateWithMoreThumbsDownIsRolledBackAndAnnounced() {
    RolloutConfig base = canary("canary", 50, 20);
    RolloutConfig.Rules rules = base.rollback();
    RolloutConfig c = new RolloutConfig(base.name(), base.model(), base.mode(), base.percent(), base.sticky(), base.stable(),
        base.candidate(), new RolloutConfig.Rules(rules.minRequests(), rules.window(), rules.windowSeconds(),
            rules.guardHitPoints(), rules.p99Ms(), rules.errorRate(), new RolloutConfig.ThumbsDown(true, 100, 0.05, 0.05)));
    List<ObjectNode> events = new java.util.ArrayList<>();
    WindowedRollouts r = new WindowedRollouts(List.of(c), DriftConfig.defaults(), UpstreamArms.none(),
        store, Telemetry.off(), Optional.empty(), clock, clock::nanos, (type, data) -> events.add(data.put("type", type)));
    Random random = new Random(7);
    int given = 0;
    while (r.status().get(0).state().equals("running")) {
      boolean candidate = random.nextBoolean();
      double p = candidate ? 0.30 : 0.10;
      r.feedback("gpt-next/" + (candidate ? "candidate" : "stable"), random.nextDouble() < p ? "down" : "up");
      given++;
      assertTrue(given < 2_000, "never rolled back");
    }
    assertTrue(given >= 200, "decided before both arms had 100 ratings: " + given);
    String reason = r.status().get(0).reason();
    assertTrue(reason.startsWith("thumbs down"), reason);
    RolloutStore.Decision d = store.decisions("gpt-next", 1).get(0);
    assertEquals("controller", d.actor());
    assertEquals(reason, d.reason());
    assertTrue(d.figures().contains("\"feedback\":{\"stable\":{\"ratings\":"), d.figures());
    assertEquals(1, events.size(), events.toString());
    assertEquals("rollback", events.get(0).path("type").asText());
    assertEquals("gpt-next", events.get(0).path("rollout").asText());
    assertEquals("rolled_back", events.get(0).path("state").asText());
    r.feedback("gpt-next/candidate", "down"); // a rolled-back rollout is not decided on again
    r.feedback("unknown/candidate", "down"); // nor is feedback on a rollout no longer configured counted
    r.feedback("no-slash", "down");
    assertEquals(1, events.size());
    assertEquals(1, store.decisions("gpt-next", 5).size());
  }

  @Test
  void feedbackWithoutAThumbsDownRuleNeverRollsBack() {
    WindowedRollouts r = rollouts(canary("canary", 50, 20), Telemetry.off());
    for (int i = 0; i < 500; i++) {
      r.feedback("gpt-next/stable", "up");
      r.feedback("gpt-next/candidate", "down");
    }
    assertEquals("running", r.status().get(0).state());
  }

  @Test
  void aCandidateThatErrsIsRolledBack() {
    WindowedRollouts r = rollouts(canary("canary", 50, 20), Telemetry.off());
    for (int i = 0; i < 200 && r.status().get(0).state().equals("running"); i++) {
      Ticket t = route(r, "u" + i);
      clock.advance(Duration.ofMillis(100));
      t.settle(t.model().equals("gpt-b") && i % 5 == 0 ? 502 : 200); // about 20% of the candidate's fail
    }
    assertEquals("rolled_back", r.status().get(0).state());
    assertTrue(r.status().get(0).reason().startsWith("error rate"), r.status().get(0).reason());
  }

  @Test
  void aCandidateWithMoreGuardHitsIsRolledBack() {
    WindowedRollouts r = rollouts(canary("canary", 50, 20), Telemetry.off());
    var log = r.watching((id, d) -> {});
    for (int i = 0; i < 200 && r.status().get(0).state().equals("running"); i++) {
      Ticket t = route(r, "u" + i);
      if (t.model().equals("gpt-b") && i % 4 == 0) {
        log.record(t.requestId, new GuardDecision("default", "denied_term", "block", 1, "0", "p1"));
      }
      log.record(t.requestId, new GuardDecision("default", "injection", "allow", 0, "", "p1")); // not a hit
      clock.advance(Duration.ofMillis(100));
      t.settle(200);
    }
    assertEquals("rolled_back", r.status().get(0).state());
    assertTrue(r.status().get(0).reason().startsWith("guard hits"), r.status().get(0).reason());
  }

  @Test
  void aRollbackHoldsAcrossRestartUntilResumed() {
    WindowedRollouts first = rollouts(canary("blue-green", 0, 10), Telemetry.off());
    for (int i = 0; i < 100 && first.status().get(0).state().equals("running"); i++) {
      serve(first, "u" + i, 100, 100, 503); // blue-green: every request on the candidate, which fails
    }
    assertEquals("rolled_back", first.status().get(0).state());
    first.close();

    WindowedRollouts restarted = rollouts(canary("blue-green", 0, 10), Telemetry.off());
    assertEquals("rolled_back", restarted.status().get(0).state());
    assertEquals("gpt-a", route(restarted, "u1").model());

    clock.advance(Duration.ofSeconds(5));
    store.decide(new RolloutStore.Decision("gpt-next", clock.instant(), "resume", "cli:test", "fixed", "{}"),
        RolloutStore.State.RUNNING);
    restarted.refresh();
    assertEquals("running", restarted.status().get(0).state());
    assertEquals(0, restarted.status().get(0).candidate().requests()); // the windows start afresh
    assertEquals("gpt-b", route(restarted, "u1").model());
  }

  @Test
  void shadowModeAnswersEveryoneWithStable() {
    WindowedRollouts r = rollouts(canary("shadow", 100, 10), Telemetry.off());
    for (int u = 0; u < 100; u++) {
      assertEquals("gpt-a", route(r, "u" + u).model());
    }
  }

  @Test
  void sessionStickinessFollowsTheSessionAndAnonymousCallersAreSpreadPerRequest() {
    RolloutConfig bySession = new RolloutConfig("gpt-next", "gpt", "canary", 50.0, "session",
        new RolloutConfig.Arm("gpt-a", null, null), new RolloutConfig.Arm("gpt-b", null, null), null);
    WindowedRollouts r = rollouts(bySession, Telemetry.off());
    java.util.Set<String> seen = new java.util.HashSet<>();
    for (int s = 0; s < 50; s++) {
      ObjectNode body = JSON.createObjectNode().put("model", "gpt").put("session_id", "s" + s);
      String first = r.route(new Rollouts.Request("gpt", body, "anonymous", "", Filter.all(), "a" + s)).model();
      // the same session by header, from another key, lands on the same arm
      assertEquals(first, r.route(new Rollouts.Request("gpt", JSON.createObjectNode(), "key9", "s" + s, Filter.all(),
          "b" + s)).model());
      seen.add(first);
    }
    assertEquals(java.util.Set.of("gpt-a", "gpt-b"), seen);
    java.util.Set<String> anonymous = new java.util.HashSet<>();
    for (int i = 0; i < 50; i++) {
      anonymous.add(r.route(new Rollouts.Request("gpt", JSON.createObjectNode(), "anonymous", "", Filter.all(), "c" + i))
          .model());
    }
    assertEquals(java.util.Set.of("gpt-a", "gpt-b"), anonymous); // not all on one arm
  }
}
