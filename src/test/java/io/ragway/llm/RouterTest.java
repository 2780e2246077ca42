package io.ragway.llm;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.ragway.testkit.FakeOpenAi;
import io.ragway.testkit.FakeOpenAi.Fault;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** Every injected fault ends in an answer through retry or fallback, or in the right error; waits are recorded, not slept. */
class RouterTest {

  private static final ObjectMapper JSON = new ObjectMapper();
  private FakeOpenAi primary;
  private FakeOpenAi backup;
  private final List<Duration> waits = new ArrayList<>();
  private Router router;

  @BeforeEach
  void start() throws Exception {
    primary = new FakeOpenAi("primary");
    backup = new FakeOpenAi("backup");
    router = new Router(List.of(
        model("main", primary, List.of("spare"), 400),
        model("spare", backup, List.of(), 400)),
        new RetryPolicy(3, Duration.ofMillis(100), Duration.ofSeconds(2), Duration.ofSeconds(10)), new Random(7), waits::add);
  }

  @AfterEach
  void stop() {
    primary.close();
    backup.close();
  }

  private static UpstreamConfig model(String name, FakeOpenAi server, List<String> fallbacks, long firstTokenMs) {
    return new UpstreamConfig(name, server.baseUrl(), "sk-up", "up-" + name, 8192, 0.15, 0.6, fallbacks,
        Duration.ofSeconds(2), Duration.ofMillis(firstTokenMs), Duration.ofSeconds(5));
  }

  private static ObjectNode ask() {
    ObjectNode body = JSON.createObjectNode().put("model", "main");
    body.putArray("messages").addObject().put("role", "user").put("content", "hi");
    return body;
  }

  private static String content(Router.Served s) {
    return s.response().get("choices").get(0).get("message").get("content").asText();
  }

  @Test
  void cachedPromptTokensCostTheCachedInputPrice() {
    Router priced = new Router(List.of(new UpstreamConfig("c", primary.baseUrl(), "", "up-c", 8192, 2.0, 8.0, List.of(),
        Duration.ofSeconds(2), Duration.ofSeconds(2), Duration.ofSeconds(5), 1, 0, 64, 0.5), model("plain", backup, List.of(), 400)),
        new RetryPolicy(1, Duration.ZERO, Duration.ZERO, Duration.ZERO), new Random(7), waits::add);
    assertEquals((600 * 2.0 + 400 * 0.5 + 50 * 8.0) / 1e6, priced.cost("c", 1000, 400, 50), 1e-15);
    assertEquals((1000 * 2.0 + 50 * 8.0) / 1e6, priced.cost("c", 1000, 0, 50), 1e-15);
    assertEquals(1000 * 0.5 / 1e6, priced.cost("c", 1000, 5000, 0), 1e-15, "never more cached than read");
    assertEquals((1000 * 0.15 + 50 * 0.6) / 1e6, priced.cost("plain", 1000, 400, 50), 1e-15,
        "without a cached price, cached tokens cost the input price");
  }

  @Test
  void answersAndSendsTheUpstreamModelName() {
    Router.Served s = router.complete("main", ask());
    assertEquals("primary says hello.", content(s));
    assertEquals("up-main", primary.requests().get(0).get("model").asText());
    assertEquals(1, s.attempts());
    assertTrue(waits.isEmpty());
  }

  @Test
  void retriesServerErrorsWithJitteredBackoff() {
    primary.next(Fault.status(500), Fault.status(503));
    Router.Served s = router.complete("main", ask());
    assertEquals("primary says hello.", content(s));
    assertEquals(3, primary.requests().size());
    assertEquals(2, waits.size());
    assertTrue(waits.get(0).toMillis() < 100 && waits.get(1).toMillis() < 200, waits.toString()); // full jitter under 100, 200 ms
  }

  @Test
  void honoursRetryAfterUpToItsCap() {
    primary.next(Fault.rateLimited("2"), Fault.rateLimited("3600"));
    router.complete("main", ask());
    assertEquals(List.of(Duration.ofSeconds(2), Duration.ofSeconds(10)), waits);
  }

  @Test
  void fallsBackWhenRetriesAreSpent() {
    primary.next(Fault.status(502), Fault.status(502), Fault.status(502));
    Router.Served s = router.complete("main", ask());
    assertEquals("backup says hello.", content(s));
    assertEquals("spare", s.model());
    assertEquals(3, primary.requests().size(), "no request beyond the retry policy");
    assertEquals(1, backup.requests().size());
  }

  @Test
  void fallsBackOnContextLengthWithoutRetrying() {
    primary.next(Fault.status(400, "{\"error\":{\"message\":\"This model's maximum context length is 8192 tokens.\",\"code\":\"context_length_exceeded\"}}"));
    assertEquals("backup says hello.", content(router.complete("main", ask())));
    assertEquals(1, primary.requests().size());
  }

  @Test
  void clientErrorsAreNotRetried() {
    primary.next(Fault.status(401, "{\"error\":{\"message\":\"bad key\"}}"));
    UpstreamException e = assertThrows(UpstreamException.class, () -> router.complete("main", ask()));
    assertEquals(401, e.status());
    assertTrue(e.getMessage().contains("bad key"), e.getMessage());
    assertEquals(1, primary.requests().size());
    assertEquals(0, backup.requests().size());
  }

  @Test
  void everythingDownEndsInTheLastError() {
    primary.next(Fault.status(500), Fault.status(500), Fault.status(500));
    backup.next(Fault.rateLimited("1"), Fault.rateLimited("1"), Fault.rateLimited("1"));
    UpstreamException e = assertThrows(UpstreamException.class, () -> router.complete("main", ask()));
    assertEquals(429, e.status());
    assertEquals(Duration.ofSeconds(1), e.retryAfter().orElseThrow());
    assertEquals(3, backup.requests().size());
  }

  @Test
  void slowFirstByteAndMalformedJsonAreRetried() {
    primary.next(Fault.slowFirstByte(1500), Fault.malformedJson());
    assertEquals("primary says hello.", content(router.complete("main", ask())));
    assertEquals(3, primary.requests().size());
  }

  @Test
  void streamRetriesBeforeTheFirstEventOnly() {
    ObjectNode body = ask().put("stream", true);
    primary.next(Fault.cutAfter(0));
    List<String> events = new ArrayList<>();
    assertEquals("main", router.stream("main", body, events::add));
    assertEquals(3, events.size());
    assertEquals(2, primary.requests().size());

    primary.next(Fault.cutAfter(1));
    List<String> partial = new ArrayList<>();
    UpstreamException cut = assertThrows(UpstreamException.class, () -> router.stream("main", body, partial::add));
    assertEquals(1, partial.size(), "the client keeps what it got");
    assertEquals(3, primary.requests().size(), "no retry after the first event");
    assertTrue(cut.getMessage().contains("without [DONE]"), cut.getMessage());
  }

  @Test
  void streamStallingMidwayTimesOut() {
    primary.next(Fault.stallAfter(1, 3000));
    List<String> partial = new ArrayList<>();
    UpstreamException e = assertThrows(UpstreamException.class, () -> router.stream("main", ask().put("stream", true), partial::add));
    assertEquals(UpstreamException.TIMEOUT, e.status());
    assertEquals(1, partial.size());
  }

  @Test
  void aStreamThatNeverEndsIsCutAtTheTotalTimeout() {
    primary.next(Fault.trickle(100));
    UpstreamConfig slow = new UpstreamConfig("main", primary.baseUrl(), "sk-up", "up-main", 8192, 0, 0, List.of(),
        Duration.ofSeconds(2), Duration.ofMillis(500), Duration.ofMillis(1200));
    Router r = new Router(List.of(slow), RetryPolicy.defaults(), new Random(1), d -> { });
    List<String> partial = new ArrayList<>();
    long t0 = System.nanoTime();
    UpstreamException e = assertThrows(UpstreamException.class, () -> r.stream("main", ask().put("stream", true), partial::add));
    long ms = (System.nanoTime() - t0) / 1_000_000;
    assertEquals(UpstreamException.TIMEOUT, e.status(), e.getMessage());
    assertTrue(partial.size() >= 3, "events before the cut reach the caller: " + partial.size());
    assertTrue(ms >= 1100 && ms < 5000, "cut at the total timeout, not before and not much after: " + ms + " ms");
  }

  @Test
  void rejectsUnknownFallbacksAndDeploymentsThatDisagree() {
    assertThrows(IllegalArgumentException.class, () -> new Router(List.of(model("a", primary, List.of("ghost"), 400)),
        RetryPolicy.defaults(), new Random(), d -> { }));
    assertThrows(IllegalArgumentException.class, () -> new Router(List.of(model("a", primary, List.of(), 400),
        model("b", backup, List.of(), 400), model("a", backup, List.of("b"), 400)), RetryPolicy.defaults(), new Random(), d -> { }));
  }
}
