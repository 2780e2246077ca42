package io.ragway.rollout;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.ragway.chat.PromptTemplates;
import io.ragway.guard.GuardPolicy;
import io.ragway.guard.InjectionDetector;
import io.ragway.guard.PiiMode;
import io.ragway.guard.PiiType;
import io.ragway.limit.RateLimiter;
import io.ragway.llm.RetryPolicy;
import io.ragway.llm.Router;
import io.ragway.llm.UpstreamConfig;
import io.ragway.testkit.Cli;
import io.ragway.testkit.FakeOpenAi;
import io.ragway.testkit.RagwayFixture;
import io.ragway.testkit.TestRouters;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Rollouts on a running server against two fake upstreams: a canary whose candidate is slow,
 * fails or leaks a denied term is rolled back by itself (the timeline is printed, and is the
 * figure in docs/rollout.md); a shadow candidate answers copies the client never sees.
 */
class RolloutIT {

  private static final ObjectMapper JSON = new ObjectMapper();
  private static final HttpClient HTTP = HttpClient.newHttpClient();

  @TempDir Path dir;
  private FakeOpenAi stable;
  private FakeOpenAi candidate;
  private RagwayFixture ragway;

  @BeforeEach
  void upstreams() throws Exception {
    stable = new FakeOpenAi("stable");
    candidate = new FakeOpenAi("candidate");
  }

  @AfterEach
  void stop() {
    if (ragway != null) {
      ragway.close();
    }
    stable.close();
    candidate.close();
  }

  private static RolloutConfig rollout(String mode, double percent) {
    return rollout(mode, percent, 50.0);
  }

  private static RolloutConfig rollout(String mode, double percent, double p99Ms) {
    return new RolloutConfig("gpt-next", "gpt", mode, percent, "user", new RolloutConfig.Arm("gpt-a", null, null),
        new RolloutConfig.Arm("gpt-b", null, null), new RolloutConfig.Rules(20, 50, 0, 5.0, p99Ms, 0.05));
  }

  private void start(RolloutConfig rollout, List<String> deniedTerms) throws Exception {
    Router router = TestRouters.withoutBreaker(List.of(upstream("gpt-a", stable), upstream("gpt-b", candidate)),
        new RetryPolicy(1, Duration.ZERO, Duration.ZERO, Duration.ofSeconds(5)));
    GuardPolicy guard = new GuardPolicy("rollout-test-1", GuardPolicy.Action.BLOCK, 0.5, InjectionDetector.Vectors.NEVER,
        PiiMode.OFF, PiiType.available(), PiiMode.OFF, deniedTerms, GuardPolicy.JsonMode.BLOCK, GuardPolicy.Passages.DROP,
        GuardPolicy.Grounding.FLAG, 0.5);
    ragway = new RagwayFixture(dir, router, "", false, RateLimiter.Limits.NONE, 0, guard, Map.of(), "", List.of(rollout),
        DriftConfig.defaults(), PromptTemplates.of(List.of()));
  }

  private static UpstreamConfig upstream(String name, FakeOpenAi fake) {
    return new UpstreamConfig(name, fake.baseUrl(), "", "up-" + name, 8192, 0, 0, List.of(), Duration.ofSeconds(1),
        Duration.ofSeconds(5), Duration.ofSeconds(10));
  }

  private HttpResponse<String> ask(String user, int i) throws Exception {
    return ask("gpt", user, i);
  }

  private HttpResponse<String> ask(String model, String user, int i) throws Exception {
    String body = JSON.writeValueAsString(JSON.createObjectNode().put("model", model).put("user", user)
        .set("messages", JSON.createArrayNode().add(JSON.createObjectNode().put("role", "user")
            .put("content", "Question number " + i + " about the harbour?"))));
    return HTTP.send(HttpRequest.newBuilder(ragway.uri("/v1/chat/completions")).header("Content-Type", "application/json")
        .POST(HttpRequest.BodyPublishers.ofString(body)).build(), HttpResponse.BodyHandlers.ofString());
  }

  private JsonNode status() throws Exception {
    return JSON.readTree(HTTP.send(HttpRequest.newBuilder(ragway.uri("/v1/rollouts")).build(),
        HttpResponse.BodyHandlers.ofString()).body()).path("data").path(0);
  }

  /** Sends requests of 200 users until the rollout leaves 'running'; prints and returns the timeline. */
  private List<String> driveUntilRolledBack(String title) throws Exception {
    List<String> timeline = new ArrayList<>();
    timeline.add(title);
    timeline.add(String.format(Locale.ROOT, "%8s %8s  %-42s %-42s %s", "request", "time ms", "stable (requests, err, guard, p99)",
        "candidate (requests, err, guard, p99)", "state"));
    warmUp();
    long start = System.nanoTime();
    Map<String, String> arms = new HashMap<>();
    int i = 0;
    String state = "running";
    while (state.equals("running")) {
      assertTrue(i < 400, "no rollback after 400 requests: " + status());
      String user = "user" + (i % 200);
      HttpResponse<String> r = ask(user, i++);
      String arm = r.headers().firstValue("x-ragway-rollout").orElse("none");
      String before = arms.putIfAbsent(user, arm);
      assertTrue(before == null || before.equals(arm), user + " moved from " + before + " to " + arm); // sticky
      JsonNode s = status();
      state = s.path("state").asText();
      if (i % 5 == 0 || !state.equals("running")) {
        timeline.add(String.format(Locale.ROOT, "%8d %8d  %-42s %-42s %s", i, (System.nanoTime() - start) / 1_000_000,
            figures(s.path("stable")), figures(s.path("candidate")), state.equals("running") ? "running"
                : state + ": " + s.path("reason").asText()));
      }
    }
    // after the rollback every request goes to stable
    int candidateCalls = candidate.requests().size();
    for (int j = 0; j < 20; j++) {
      HttpResponse<String> r = ask("user" + j, 1000 + j);
      assertEquals(200, r.statusCode(), r.body());
      assertEquals("gpt-next/stable", r.headers().firstValue("x-ragway-rollout").orElseThrow());
    }
    assertEquals(candidateCalls, candidate.requests().size());
    timeline.add(String.format(Locale.ROOT, "%8d %8d  then 20 more requests: all answered by stable", i + 20,
        (System.nanoTime() - start) / 1_000_000));
    timeline.forEach(System.out::println);
    return timeline;
  }

  /** Connections and code paths warmed by asking both upstream models directly, outside the rollout. */
  private void warmUp() throws Exception {
    for (String model : List.of("gpt-a", "gpt-b")) {
      ask(model, "warm-up", 0);
    }
  }

  private static String figures(JsonNode f) {
    int n = f.path("requests").asInt();
    return String.format(Locale.ROOT, "%3d, %5.1f%%, %5.1f%%, %4.0f ms", n, n == 0 ? 0 : 100.0 * f.path("errors").asInt() / n,
        n == 0 ? 0 : 100.0 * f.path("guard_hits").asInt() / n, f.path("p99_ms").asDouble());
  }

  @Test
  void aSlowCanaryIsRolledBackAndStatusShowsIt() throws Exception {
    start(rollout("canary", 50), List.of());
    for (int i = 0; i < 500; i++) {
      candidate.next(FakeOpenAi.Fault.slowFirstByte(100));
    }
    driveUntilRolledBack("canary 50%, candidate +100 ms per answer; rollback: >= 20 requests per arm, p99 +50 ms");
    JsonNode s = status();
    assertEquals("rolled_back", s.path("state").asText());
    assertTrue(s.path("reason").asText().startsWith("p99"), s.toString());
    String metrics = HTTP.send(HttpRequest.newBuilder(ragway.uri("/metrics")).build(), HttpResponse.BodyHandlers.ofString()).body();
    assertTrue(metrics.contains("ragway_rollout_decisions_total{action=\"rollback\",rollout=\"gpt-next\",rule=\"p99\"} 1.0"));
    assertTrue(metrics.contains("ragway_rollout_state{mode=\"canary\",rollout=\"gpt-next\"} 2.0"));

    // the CLI reads the same records, whether or not the server runs
    Path yaml = Files.writeString(dir.resolve("ragway.yaml"), """
        models:
          - {name: gpt-a, base_url: %s}
          - {name: gpt-b, base_url: %s}
        rollouts:
          - name: gpt-next
            model: gpt
            percent: 50
            stable: {model: gpt-a}
            candidate: {model: gpt-b}
            rollback: {min_requests: 20, window: 50}
        """.formatted(stable.baseUrl(), candidate.baseUrl()));
    Cli.Run run = Cli.run("rollout", "status", "--data", dir.toString(), "--config", yaml.toString());
    System.out.println(run.out());
    assertEquals(0, run.code(), run.toString());
    assertTrue(run.out().contains("gpt-next: ROLLED BACK since "), run.out());
    assertTrue(run.out().contains("rollback by controller"), run.out());
    assertTrue(run.out().contains("p99"), run.out());
    Cli.Run json = Cli.run("rollout", "status", "--json", "--data", dir.toString(), "--config", yaml.toString());
    JsonNode parsed = JSON.readTree(json.out()).path("rollouts").path(0);
    assertEquals("rolled_back", parsed.path("state").asText());
    assertTrue(parsed.path("decisions").path(0).path("figures").path("candidate").path("p99_ms").asDouble() >= 100, json.out());
    assertEquals(2, Cli.run("rollout", "resume", "nope", "--data", dir.toString(), "--config", yaml.toString()).code());

    // an operator resumes: the server follows within a second, with fresh windows
    Cli.Run resume = Cli.run("rollout", "resume", "gpt-next", "--reason", "fixed the slow deployment", "--data",
        dir.toString(), "--config", yaml.toString());
    assertEquals(0, resume.code(), resume.toString());
    long deadline = System.nanoTime() + Duration.ofSeconds(10).toNanos();
    while (!status().path("state").asText().equals("running")) {
      assertTrue(System.nanoTime() < deadline, "the server did not follow the resume: " + status());
      ask("user1", 5000);
      Thread.sleep(100);
    }
    try (Connection c = ragway.records().dataSource().getConnection(); Statement st = c.createStatement();
        ResultSet r = st.executeQuery("SELECT action FROM audit_log WHERE target = 'gpt-next' ORDER BY seq")) {
      List<String> actions = new ArrayList<>();
      while (r.next()) {
        actions.add(r.getString(1));
      }
      assertEquals(List.of("rollout.rollback", "rollout.resume"), actions);
    }
  }

  @Test
  void aFailingCanaryIsRolledBack() throws Exception {
    start(rollout("canary", 50), List.of());
    for (int i = 0; i < 500; i++) {
      candidate.next(i % 4 == 0 ? FakeOpenAi.Fault.status(500) : FakeOpenAi.Fault.ok());
    }
    driveUntilRolledBack("canary 50%, a quarter of the candidate's answers fail (502); rollback: error rate above 5%");
    assertTrue(status().path("reason").asText().startsWith("error rate"), status().toString());
  }

  @Test
  void aCanaryThatLeaksADeniedTermIsRolledBack() throws Exception {
    start(rollout("canary", 50), List.of("xyzzy"));
    candidate.reply("The internal codename is xyzzy.");
    driveUntilRolledBack("canary 50%, the candidate's answers name a denied term; rollback: guard hits +5 points");
    assertTrue(status().path("reason").asText().startsWith("guard hits"), status().toString());
  }

  @Test
  void aShadowCandidateAnswersCopiesTheClientNeverSees() throws Exception {
    start(rollout("shadow", 0, 10_000), List.of()); // a slow shadow is allowed here, so every copy is sent
    candidate.reply("A shadow answer that differs.");
    warmUp();
    int before = candidate.requests().size();
    for (int i = 0; i < 5; i++) { // slow copies must not slow the client; more than the shadow slots would be skipped
      candidate.next(FakeOpenAi.Fault.slowFirstByte(300));
    }
    Set<String> contents = new TreeSet<>();
    for (int i = 0; i < 30; i++) {
      long t0 = System.nanoTime();
      HttpResponse<String> r = ask("user" + i, i);
      long ms = (System.nanoTime() - t0) / 1_000_000;
      assertEquals(200, r.statusCode(), r.body());
      assertTrue(ms < 250, "the shadow call delayed the client by " + ms + " ms");
      contents.add(JSON.readTree(r.body()).at("/choices/0/message/content").asText());
      assertEquals("gpt-next/stable", r.headers().firstValue("x-ragway-rollout").orElseThrow());
    }
    assertEquals(Set.of("stable says hello."), contents);
    long deadline = System.nanoTime() + Duration.ofSeconds(10).toNanos();
    while (candidate.requests().size() - before < 30 || status().path("candidate").path("requests").asInt() < 30) {
      assertTrue(System.nanoTime() < deadline, "shadow calls: " + (candidate.requests().size() - before));
      Thread.sleep(50);
    }
    assertEquals(31, stable.requests().size()); // the warm-up and the 30 requests
    String metrics = HTTP.send(HttpRequest.newBuilder(ragway.uri("/metrics")).build(), HttpResponse.BodyHandlers.ofString()).body();
    assertTrue(metrics.contains("ragway_rollout_shadow_total{result=\"answered\",rollout=\"gpt-next\"} 30.0"), metrics);
    assertTrue(metrics.contains("ragway_rollout_shadow_similarity_count{rollout=\"gpt-next\"} 30"), metrics);
    assertEquals("running", status().path("state").asText(), status().toString());
    assertTrue(status().path("candidate").path("p99_ms").asDouble() >= 300, status().toString()); // the shadows' own latency
    // no shadow answer reaches the ledger: every event is stable's
    assertTrue(ragway.ledger().awaitDrained(Duration.ofSeconds(10)));
    try (Connection c = ragway.records().dataSource().getConnection(); Statement st = c.createStatement();
        ResultSet r = st.executeQuery("SELECT backend, COUNT(*) FROM usage_events GROUP BY backend ORDER BY backend")) {
      assertTrue(r.next());
      assertEquals("gpt-a", r.getString(1));
      assertEquals(31, r.getInt(2));
      assertTrue(r.next());
      assertEquals("gpt-b", r.getString(1));
      assertEquals(1, r.getInt(2)); // the warm-up only
      assertTrue(!r.next());
    }
  }

  @Test
  void aRagArmWritesWithItsOwnModelPromptVersionAndRetrieval() throws Exception {
    Router router = TestRouters.withoutBreaker(List.of(upstream("gpt-b", candidate)),
        new RetryPolicy(1, Duration.ZERO, Duration.ZERO, Duration.ofSeconds(5)));
    String v2 = "Answer in one short sentence from the numbered sources below, citing them as [n].";
    RolloutConfig rag = new RolloutConfig("rag-v2", "rag", "canary", 100.0, "user", null,
        new RolloutConfig.Arm("gpt-b", "v2", new RolloutConfig.Retrieval("hybrid", 1)), null);
    candidate.reply("The lighthouse was built in 1872 [1].");
    ragway = new RagwayFixture(dir, router, "", false, RateLimiter.Limits.NONE, 0, GuardPolicy.defaults(), Map.of(), "",
        List.of(rag), DriftConfig.defaults(), PromptTemplates.of(List.of(new PromptTemplates.Template("v2", v2))));
    String body = JSON.writeValueAsString(JSON.createObjectNode().put("model", "rag").put("user", "ann")
        .set("messages", JSON.createArrayNode().add(JSON.createObjectNode().put("role", "user")
            .put("content", "When was the lighthouse built?"))));
    HttpResponse<String> r = HTTP.send(HttpRequest.newBuilder(ragway.uri("/v1/chat/completions"))
        .header("Content-Type", "application/json").POST(HttpRequest.BodyPublishers.ofString(body)).build(),
        HttpResponse.BodyHandlers.ofString());
    assertEquals(200, r.statusCode(), r.body());
    assertEquals("rag-v2/candidate", r.headers().firstValue("x-ragway-rollout").orElseThrow());
    assertEquals("The lighthouse was built in 1872 [1].", JSON.readTree(r.body()).at("/choices/0/message/content").asText());
    String system = candidate.requests().get(0).at("/messages/0/content").asText();
    assertTrue(system.startsWith(v2 + "\n\n<sources>"), system);
    assertTrue(system.contains("[1]") && !system.contains("[2]"), "k = 1 source: " + system); // the arm's retrieval (else 5)
  }
}
