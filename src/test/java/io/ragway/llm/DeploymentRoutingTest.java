package io.ragway.llm;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.ragway.testkit.FakeOpenAi;
import io.ragway.testkit.FakeOpenAi.Fault;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Executors;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** Several deployments of one model: strategies, circuit breakers, concurrency limits, context windows, probes. */
class DeploymentRoutingTest {

  private static final ObjectMapper JSON = new ObjectMapper();

  private FakeOpenAi a;
  private FakeOpenAi b;
  private final MutableClock clock = new MutableClock();

  @BeforeEach
  void start() throws Exception {
    a = new FakeOpenAi("a");
    b = new FakeOpenAi("b");
  }

  @AfterEach
  void stop() {
    a.close();
    b.close();
  }

  /** A clock tests move by hand. */
  static final class MutableClock extends Clock {
    private Instant now = Instant.parse("2026-01-01T00:00:00Z");

    void advance(Duration d) {
      now = now.plus(d);
    }

    @Override
    public java.time.ZoneId getZone() {
      return ZoneOffset.UTC;
    }

    @Override
    public Clock withZone(java.time.ZoneId zone) {
      return this;
    }

    @Override
    public Instant instant() {
      return now;
    }
  }

  private static UpstreamConfig deployment(String name, FakeOpenAi server, int window, int weight, int maxConcurrency,
      int maxQueue, List<String> fallbacks) {
    return new UpstreamConfig(name, server.baseUrl(), "", "up", window, 0, 0, fallbacks, Duration.ofSeconds(2),
        Duration.ofSeconds(3), Duration.ofSeconds(5), weight, maxConcurrency, maxQueue);
  }

  private Router router(RoutingPolicy.Strategy strategy, UpstreamConfig... deployments) {
    return router(strategy, Duration.ofMillis(200), deployments);
  }

  /** @param queueWait how long a request may wait in a deployment's queue for a free slot */
  private Router router(RoutingPolicy.Strategy strategy, Duration queueWait, UpstreamConfig... deployments) {
    RoutingPolicy routing = new RoutingPolicy(strategy, 50, 4, 4, Duration.ofSeconds(30), queueWait, Duration.ZERO);
    return new Router(List.of(deployments), routing, new RetryPolicy(3, Duration.ZERO, Duration.ZERO, Duration.ZERO),
        new Random(11), d -> { }, clock);
  }

  private static ObjectNode ask(String text) {
    ObjectNode body = JSON.createObjectNode().put("model", "m");
    body.putArray("messages").addObject().put("role", "user").put("content", text);
    return body;
  }

  private static String who(Router.Served s) {
    return s.response().get("choices").get(0).get("message").get("content").asText().split(" ")[0];
  }

  @Test
  void weightedSpreadsByWeight() {
    Router r = router(RoutingPolicy.Strategy.WEIGHTED, deployment("m", a, 0, 3, 0, 0, List.of()),
        deployment("m", b, 0, 1, 0, 0, List.of()));
    int toA = 0;
    for (int i = 0; i < 200; i++) {
      toA += who(r.complete("m", ask("hi"))).equals("a") ? 1 : 0;
    }
    assertTrue(toA > 125 && toA < 175, "about 3 in 4 go to a, got " + toA + " of 200");
  }

  @Test
  void priorityUsesTheFirstAndRetriesOnTheOther() {
    Router r = router(RoutingPolicy.Strategy.PRIORITY, deployment("m", a, 0, 1, 0, 0, List.of()),
        deployment("m", b, 0, 1, 0, 0, List.of()));
    assertEquals("a", who(r.complete("m", ask("hi"))));
    a.next(Fault.status(500));
    Router.Served s = r.complete("m", ask("hi"));
    assertEquals("b", who(s), "the retry goes to the other deployment");
    assertEquals(2, s.attempts());
  }

  @Test
  void lowestLatencyPrefersTheFasterDeployment() {
    Router r = router(RoutingPolicy.Strategy.LOWEST_LATENCY, deployment("m", a, 0, 1, 0, 0, List.of()),
        deployment("m", b, 0, 1, 0, 0, List.of()));
    a.next(Fault.slowFirstByte(300));
    r.complete("m", ask("hi")); // a: slow
    r.complete("m", ask("hi")); // b: untried, then fast
    for (int i = 0; i < 5; i++) {
      assertEquals("b", who(r.complete("m", ask("hi"))));
    }
  }

  @Test
  void leastBusyAvoidsTheDeploymentWithRequestsInFlight() throws Exception {
    Router r = router(RoutingPolicy.Strategy.LEAST_BUSY, deployment("m", a, 0, 1, 0, 0, List.of()),
        deployment("m", b, 0, 1, 0, 0, List.of()));
    a.next(Fault.slowFirstByte(800));
    var pool = Executors.newVirtualThreadPerTaskExecutor();
    CompletableFuture<Router.Served> slow = CompletableFuture.supplyAsync(() -> r.complete("m", ask("slow")), pool);
    Thread.sleep(200);
    assertEquals("b", who(r.complete("m", ask("hi"))), "a has one in flight");
    assertEquals("a", who(slow.get()));
    pool.shutdown();
  }

  @Test
  void openCircuitSkipsADeploymentUntilItHasWaited() {
    Router r = router(RoutingPolicy.Strategy.PRIORITY, deployment("m", a, 0, 1, 0, 0, List.of()),
        deployment("m", b, 0, 1, 0, 0, List.of()));
    for (int i = 0; i < 4; i++) {
      a.next(Fault.status(503));
      r.complete("m", ask("hi")); // a fails, b answers
    }
    assertEquals("open", r.health().get(0).circuit());
    int before = a.requests().size();
    assertEquals("b", who(r.complete("m", ask("hi"))));
    assertEquals(before, a.requests().size(), "an open circuit gets no calls");
    assertTrue(r.healthy(), "b still serves m");

    clock.advance(Duration.ofSeconds(31));
    assertEquals("a", who(r.complete("m", ask("hi"))), "after the wait a trial call goes through");
  }

  @Test
  void clientErrorsDoNotOpenTheCircuit() {
    Router r = router(RoutingPolicy.Strategy.PRIORITY, deployment("m", a, 0, 1, 0, 0, List.of()));
    for (int i = 0; i < 6; i++) {
      a.next(Fault.status(400, "{\"error\":{\"message\":\"bad request\"}}"));
      assertThrows(UpstreamException.class, () -> r.complete("m", ask("hi")));
    }
    assertEquals("closed", r.health().get(0).circuit());
  }

  @Test
  void everyCircuitOpenIs503AndFallsBack() {
    Router r = router(RoutingPolicy.Strategy.PRIORITY, deployment("m", a, 0, 1, 0, 0, List.of("spare")),
        deployment("spare", b, 0, 1, 0, 0, List.of()));
    a.next(Fault.status(500), Fault.status(500), Fault.status(500), Fault.status(500));
    r.complete("m", ask("hi")); // three attempts fail, the fallback answers
    r.complete("m", ask("hi")); // a's fourth failure opens its circuit
    assertFalse(r.health().get(0).circuit().equals("closed"));
    int before = a.requests().size();
    assertEquals("b", who(r.complete("m", ask("hi"))));
    assertEquals(before, a.requests().size());
    assertFalse(r.healthy(), "m has no deployment left");
  }

  @Test
  void overflowBeyondTheQueueIsRefusedAtOnce() throws Exception {
    Router r = router(RoutingPolicy.Strategy.PRIORITY, deployment("m", a, 0, 1, 1, 0, List.of()));
    a.next(Fault.slowFirstByte(600));
    var pool = Executors.newVirtualThreadPerTaskExecutor();
    CompletableFuture<Router.Served> first = CompletableFuture.supplyAsync(() -> r.complete("m", ask("one")), pool);
    Thread.sleep(150);
    UpstreamException e = assertThrows(UpstreamException.class, () -> r.complete("m", ask("two")));
    assertEquals(UpstreamException.OVERLOADED, e.status());
    assertEquals("a", who(first.get()));
    assertEquals(1, a.requests().size(), "the refused request never went upstream");
    pool.shutdown();
  }

  @Test
  void queuedRequestWaitsForASlot() throws Exception {
    // a wait far longer than the first call's 100 ms, so a busy machine's slower first call still fits in it
    Router r = router(RoutingPolicy.Strategy.PRIORITY, Duration.ofSeconds(5), deployment("m", a, 0, 1, 1, 4, List.of()));
    a.next(Fault.slowFirstByte(100));
    var pool = Executors.newVirtualThreadPerTaskExecutor();
    List<CompletableFuture<Router.Served>> calls = new ArrayList<>();
    for (int i = 0; i < 2; i++) {
      calls.add(CompletableFuture.supplyAsync(() -> r.complete("m", ask("q")), pool));
    }
    for (var c : calls) {
      assertEquals("a", who(c.get()));
    }
    pool.shutdown();
  }

  @Test
  void promptOverTheWindowGoesToALargerModelOrIsRefused() {
    Router r = router(RoutingPolicy.Strategy.PRIORITY, deployment("m", a, 50, 1, 0, 0, List.of("big")),
        deployment("big", b, 100_000, 1, 0, 0, List.of()));
    String longText = "word ".repeat(200);
    assertEquals("b", who(r.complete("m", ask(longText))));
    assertEquals(0, a.requests().size(), "the small model is not even tried");

    Router small = router(RoutingPolicy.Strategy.PRIORITY, deployment("m", a, 50, 1, 0, 0, List.of()));
    ContextLengthExceeded e = assertThrows(ContextLengthExceeded.class, () -> small.complete("m", ask(longText)));
    assertEquals(50, e.window());
    assertTrue(e.requested() > 200, "counted " + e.requested());
    ObjectNode withBudget = ask("hi").put("max_tokens", 60);
    assertThrows(ContextLengthExceeded.class, () -> small.complete("m", withBudget), "max_tokens counts too");
  }

  @Test
  void failedProbeOpensTheCircuitAndAGoodOneLetsTrialsThrough() {
    Router r = router(RoutingPolicy.Strategy.PRIORITY, deployment("m", a, 0, 1, 0, 0, List.of()),
        deployment("m", b, 0, 1, 0, 0, List.of()));
    a.probeFails(true);
    r.probe();
    assertEquals("open", r.health().get(0).circuit());
    assertEquals("b", who(r.complete("m", ask("hi"))));
    a.probeFails(false);
    r.probe();
    assertEquals("half_open", r.health().get(0).circuit());
    assertEquals("a", who(r.complete("m", ask("hi"))));
  }
}
