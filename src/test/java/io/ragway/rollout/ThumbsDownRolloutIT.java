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
import io.ragway.testkit.FakeOpenAi;
import io.ragway.testkit.RagwayFixture;
import io.ragway.testkit.TestRouters;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A canary whose answers get more thumbs down is rolled back by the feedback that reaches the
 * server through {@code POST /v1/feedback}, and the quality metrics carry each answer's arm.
 */
class ThumbsDownRolloutIT {

  private static final ObjectMapper JSON = new ObjectMapper();
  private static final HttpClient HTTP = HttpClient.newHttpClient();

  @TempDir Path dir;
  private FakeOpenAi stable;
  private FakeOpenAi candidate;
  private RagwayFixture ragway;

  @org.junit.jupiter.api.BeforeEach
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

  private static UpstreamConfig upstream(String name, FakeOpenAi fake) {
    return new UpstreamConfig(name, fake.baseUrl(), "", "up-" + name, 8192, 0, 0, List.of(), Duration.ofSeconds(1),
        Duration.ofSeconds(5), Duration.ofSeconds(10));
  }

  private HttpResponse<String> post(String path, JsonNode body) throws Exception {
    return HTTP.send(HttpRequest.newBuilder(ragway.uri(path)).header("Content-Type", "application/json")
        .POST(HttpRequest.BodyPublishers.ofString(JSON.writeValueAsString(body))).build(),
        HttpResponse.BodyHandlers.ofString());
  }

  private String get(String path) throws Exception {
    return HTTP.send(HttpRequest.newBuilder(ragway.uri(path)).build(), HttpResponse.BodyHandlers.ofString()).body();
  }

  @Test
  void aCanaryWithMoreThumbsDownIsRolledBackByFeedback() throws Exception {
    Router router = TestRouters.withoutBreaker(List.of(upstream("gpt-a", stable), upstream("gpt-b", candidate)),
        new RetryPolicy(1, Duration.ZERO, Duration.ZERO, Duration.ofSeconds(5)));
    // latency, errors and guard hits never decide here: only the thumbs-down rule can
    RolloutConfig rollout = new RolloutConfig("gpt-next", "gpt", "canary", 50.0, "user",
        new RolloutConfig.Arm("gpt-a", null, null), new RolloutConfig.Arm("gpt-b", null, null),
        new RolloutConfig.Rules(20, 50, 0, 100.0, 60_000.0, 1.0, new RolloutConfig.ThumbsDown(true, 40, 0.05, 0.05)));
    GuardPolicy guard = new GuardPolicy("thumbs-test-1", GuardPolicy.Action.BLOCK, 0.5, InjectionDetector.Vectors.NEVER,
        PiiMode.OFF, PiiType.available(), PiiMode.OFF, List.of(), GuardPolicy.JsonMode.BLOCK, GuardPolicy.Passages.DROP,
        GuardPolicy.Grounding.FLAG, 0.5);
    ragway = new RagwayFixture(dir, router, "", false, RateLimiter.Limits.NONE, 0, guard, Map.of(), "",
        List.of(rollout), DriftConfig.defaults(), PromptTemplates.of(List.of()));

    Random users = new Random(12); // how the simulated users rate: 10% down on stable, 40% on the candidate
    int asked = 0;
    int[] downs = new int[2];
    String state = "running";
    while (state.equals("running")) {
      assertTrue(asked < 600, "no rollback after 600 rated answers: " + get("/v1/rollouts"));
      HttpResponse<String> r = post("/v1/chat/completions", JSON.createObjectNode().put("model", "gpt")
          .put("user", "user" + asked).set("messages", JSON.createArrayNode().add(JSON.createObjectNode()
              .put("role", "user").put("content", "Question number " + asked + " about the harbour?"))));
      assertEquals(200, r.statusCode(), r.body());
      boolean onCandidate = r.headers().firstValue("x-ragway-rollout").orElseThrow().endsWith("/candidate");
      boolean down = users.nextDouble() < (onCandidate ? 0.40 : 0.10);
      downs[onCandidate ? 1 : 0] += down ? 1 : 0;
      HttpResponse<String> rated = post("/v1/feedback", JSON.createObjectNode()
          .put("id", JSON.readTree(r.body()).path("id").asText()).put("rating", down ? "down" : "up"));
      assertEquals(201, rated.statusCode(), rated.body());
      asked++;
      state = JSON.readTree(get("/v1/rollouts")).at("/data/0/state").asText();
    }
    System.out.println("thumbs-down rollback after " + asked + " rated answers (downs stable/candidate "
        + downs[0] + "/" + downs[1] + ")");
    assertTrue(asked >= 80, "decided before both arms had 40 ratings: " + asked);
    JsonNode status = JSON.readTree(get("/v1/rollouts")).at("/data/0");
    assertEquals("rolled_back", status.path("state").asText());
    assertTrue(status.path("reason").asText().startsWith("thumbs down"), status.toString());

    String metrics = get("/metrics");
    assertTrue(metrics.contains("ragway_rollout_decisions_total{action=\"rollback\",rollout=\"gpt-next\",rule=\"thumbs_down\"} 1.0"),
        metrics);
    assertTrue(metrics.contains("ragway_feedback_total{arm=\"candidate\",model=\"gpt-b\",prompt_version=\"none\",rating=\"down\"} "
        + downs[1] + ".0"), metrics);
    assertTrue(metrics.contains("ragway_feedback_total{arm=\"stable\",model=\"gpt-a\",prompt_version=\"none\",rating=\"down\"} "
        + downs[0] + ".0"), metrics);
    assertTrue(metrics.contains("ragway_answers_total{abstained=\"false\",arm=\"candidate\",model=\"gpt-b\",prompt_version=\"none\"}"),
        metrics);

    // rolled back: the next answers are stable's
    HttpResponse<String> after = post("/v1/chat/completions", JSON.createObjectNode().put("model", "gpt").put("user", "late")
        .set("messages", JSON.createArrayNode().add(JSON.createObjectNode().put("role", "user").put("content", "One more question about the harbour?"))));
    assertEquals("gpt-next/stable", after.headers().firstValue("x-ragway-rollout").orElseThrow());
  }
}
