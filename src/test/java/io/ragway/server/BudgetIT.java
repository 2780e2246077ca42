package io.ragway.server;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.ragway.limit.RateLimiter;
import io.ragway.llm.RetryPolicy;
import io.ragway.llm.UpstreamConfig;
import io.ragway.store.Budgets;
import io.ragway.store.Stores;
import io.ragway.testkit.Completions;
import io.ragway.testkit.FakeOpenAi;
import io.ragway.testkit.RagwayFixture;
import io.ragway.testkit.TestRouters;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Monthly budgets over HTTP: a key or tenant spends up to its budget, then gets 429
 * insufficient_quota before any upstream call (JSON and stream), cache hits are still served, and
 * a restart keeps the month's spend.
 */
class BudgetIT {

  private static final ObjectMapper JSON = new ObjectMapper();
  private static final HttpClient HTTP = HttpClient.newHttpClient();
  /** 5 prompt tokens at USD 0.20 each: every upstream answer of FakeOpenAi costs exactly USD 1. */
  private static final double INPUT_PRICE = 200_000;

  @TempDir Path tmp;
  private FakeOpenAi upstream;
  private RagwayFixture ragway;

  @BeforeEach
  void start() throws Exception {
    upstream = new FakeOpenAi("up");
    ragway = fixture();
  }

  private RagwayFixture fixture() throws Exception {
    return new RagwayFixture(tmp, TestRouters.withoutBreaker(List.of(new UpstreamConfig("gpt", upstream.baseUrl(), "", "up-gpt",
        8192, INPUT_PRICE, 0, List.of(), Duration.ofSeconds(1), Duration.ofSeconds(2), Duration.ofSeconds(5))),
        new RetryPolicy(1, Duration.ZERO, Duration.ZERO, Duration.ofSeconds(5))), "", true, RateLimiter.Limits.NONE, 0);
  }

  @AfterEach
  void stop() {
    ragway.close();
    upstream.close();
  }

  private HttpResponse<String> ask(String key, String question, boolean stream, double temperature) throws Exception {
    String body = JSON.createObjectNode().put("model", "gpt").put("stream", stream).put("temperature", temperature)
        .set("messages", JSON.createArrayNode().add(JSON.createObjectNode().put("role", "user").put("content", question)))
        .toString();
    if (stream) {
      body = body.replace("\"stream\":true", "\"stream\":true,\"stream_options\":{\"include_usage\":true}");
    }
    return HTTP.send(HttpRequest.newBuilder(ragway.uri("/v1/chat/completions")).header("Authorization", "Bearer " + key)
        .header("Content-Type", "application/json").POST(HttpRequest.BodyPublishers.ofString(body)).build(),
        HttpResponse.BodyHandlers.ofString());
  }

  private Budgets budgets() {
    return Stores.budgets(ragway.records(), Clock.systemUTC(), "test");
  }

  /** The server reads budgets again every 200 ms in the fixture, as a real one does every few seconds. */
  private static void seen() throws InterruptedException {
    Thread.sleep(600);
  }

  private static void assertInsufficientQuota(HttpResponse<String> r) throws Exception {
    assertEquals(429, r.statusCode(), r.body());
    assertTrue(r.headers().firstValue("content-type").orElse("").startsWith("application/json"), r.headers().toString());
    JsonNode error = JSON.readTree(r.body()).path("error");
    assertEquals("insufficient_quota", error.path("type").asText(), r.body());
    assertEquals("insufficient_quota", error.path("code").asText(), r.body());
    assertTrue(error.has("param") && error.get("param").isNull(), r.body());
    assertTrue(error.path("message").asText().contains("monthly budget"), r.body());
    assertTrue(r.headers().firstValue("retry-after").isEmpty(), "a spent budget is not a rate limit to wait out");
    assertTrue(r.headers().firstValue("x-ragway-budget-resets").isPresent());
  }

  @Test
  void aKeySpendsUpToItsBudgetThenIsRefusedBeforeAnyUpstreamCallButCacheHitsAreServed() throws Exception {
    String key = ragway.keys().create("acme", "", List.of(), 0, 0).secret();
    String id = ragway.keys().list().get(0).id();
    budgets().set(Budgets.Scope.KEY, id, 2.0);
    seen();

    HttpResponse<String> first = ask(key, "cache me", false, 0);
    assertEquals(200, first.statusCode(), first.body());
    HttpResponse<String> streamed = ask(key, "stream me", true, 0.7);
    assertEquals(200, streamed.statusCode(), streamed.body());
    assertTrue(Completions.streamDone(streamed.body()), streamed.body());
    int calls = upstream.requests().size();
    assertEquals(2, calls);

    assertInsufficientQuota(ask(key, "one more", false, 0.7)); // USD 2 of 2 spent
    assertInsufficientQuota(ask(key, "one more", true, 0.7));
    assertEquals(calls, upstream.requests().size(), "no upstream call once the budget is spent");

    HttpResponse<String> hit = ask(key, "cache me", false, 0);
    assertEquals(200, hit.statusCode(), hit.body());
    assertEquals("hit", hit.headers().firstValue(ChatCompletions.CACHE_HEADER).orElse(""), "a cache hit costs nothing");

    HttpResponse<String> rag = HTTP.send(HttpRequest.newBuilder(ragway.uri("/v1/chat/completions"))
        .header("Authorization", "Bearer " + key).header("Content-Type", "application/json")
        .POST(HttpRequest.BodyPublishers.ofString("{\"model\": \"rag\", \"messages\": [{\"role\": \"user\", "
            + "\"content\": \"When was the lighthouse built?\"}]}")).build(), HttpResponse.BodyHandlers.ofString());
    assertEquals(200, rag.statusCode(), "the built-in answerer costs nothing: " + rag.body());

    budgets().set(Budgets.Scope.KEY, id, 3.0);
    seen();
    assertEquals(200, ask(key, "raised", false, 0.7).statusCode(), "a raised budget serves again");
    assertInsufficientQuota(ask(key, "and again", false, 0.7));

    // a restart reads the month's spend back from the ledger
    ragway.close();
    ragway = fixture();
    assertInsufficientQuota(ask(key, "after a restart", false, 0.7));
    assertEquals(calls + 1, upstream.requests().size());
  }

  @Test
  void aTenantBudgetCoversEveryKeyOfTheTenant() throws Exception {
    String a = ragway.keys().create("globex", "a", List.of(), 0, 0).secret();
    String b = ragway.keys().create("globex", "b", List.of(), 0, 0).secret();
    String other = ragway.keys().create("initech", "c", List.of(), 0, 0).secret();
    budgets().set(Budgets.Scope.TENANT, "globex", 1.5);
    seen();
    assertEquals(200, ask(a, "first", false, 0.7).statusCode());
    assertEquals(200, ask(b, "second", true, 0.7).statusCode(), "USD 1 of 1.5: still under");
    HttpResponse<String> refused = ask(a, "third", false, 0.7);
    assertInsufficientQuota(refused);
    assertTrue(JSON.readTree(refused.body()).path("error").path("message").asText().contains("tenant 'globex'"));
    assertInsufficientQuota(ask(b, "third", true, 0.7));
    assertEquals(200, ask(other, "elsewhere", false, 0.7).statusCode(), "another tenant is not limited");
    assertFalse(budgets().list().isEmpty());
  }
}
