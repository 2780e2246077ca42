package io.ragway.server;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.ragway.limit.RateLimiter;
import io.ragway.llm.RetryPolicy;
import io.ragway.llm.Router;
import io.ragway.store.ApiKeys;
import io.ragway.testkit.RagwayFixture;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** API keys, tenants, rate limits and sessions through the HTTP API, with auth required. */
class AccessIT {

  private static final ObjectMapper JSON = new ObjectMapper();
  private static final HttpClient HTTP = HttpClient.newHttpClient();
  @TempDir static Path tmp;
  private static RagwayFixture ragway;

  @BeforeAll
  static void start() throws Exception {
    ragway = new RagwayFixture(tmp, new Router(List.of(), RetryPolicy.defaults(), new Random(1), d -> { }), "", true,
        RateLimiter.Limits.NONE, 0);
  }

  @AfterAll
  static void stop() {
    ragway.close();
  }

  private static HttpResponse<String> send(String method, String path, String key, String body) throws Exception {
    HttpRequest.Builder b = HttpRequest.newBuilder(ragway.uri(path)).header("Content-Type", "application/json")
        .method(method, body == null ? HttpRequest.BodyPublishers.noBody() : HttpRequest.BodyPublishers.ofString(body));
    if (key != null) {
      b.header("Authorization", "Bearer " + key);
    }
    return HTTP.send(b.build(), HttpResponse.BodyHandlers.ofString());
  }

  private static String ask(String question) {
    return "{\"model\": \"extractive\", \"messages\": [{\"role\": \"user\", \"content\": \"" + question + "\"}]}";
  }

  private static String key(String tenant, long rpm, long tpm) {
    return ragway.keys().create(tenant, "", List.of(), rpm, tpm).secret();
  }

  @Test
  void withoutAValidKeyEveryApiCallIs401() throws Exception {
    HttpResponse<String> none = send("POST", "/v1/chat/completions", null, ask("When was the lighthouse built?"));
    assertEquals(401, none.statusCode());
    assertEquals("missing_api_key", JSON.readTree(none.body()).path("error").path("code").asText());
    assertEquals(401, send("GET", "/v1/models", null, null).statusCode());
    HttpResponse<String> wrong = send("GET", "/v1/models", "sk-rgw-123456789abc-nottherightsecret", null);
    assertEquals(401, wrong.statusCode());
    assertEquals("invalid_api_key", JSON.readTree(wrong.body()).path("error").path("code").asText());
    assertEquals(200, send("GET", "/healthz", null, null).statusCode(), "health checks need no key");
  }

  @Test
  void aKeyWorksUntilRevoked() throws Exception {
    ApiKeys.Created c = ragway.keys().create("default", "", List.of(), 0, 0);
    assertEquals(200, send("POST", "/v1/chat/completions", c.secret(), ask("When was the lighthouse built?")).statusCode());
    ragway.keys().revoke(c.key().id());
    Thread.sleep(1100); // the server rereads the keys at most once a second
    assertEquals(401, send("GET", "/v1/models", c.secret(), null).statusCode());
  }

  @Test
  void aKeySeesOnlyItsTenantsDocuments() throws Exception {
    String mine = key("default", 0, 0);
    String theirs = key("other-tenant", 0, 0);
    String search = "{\"query\": \"lighthouse\"}";
    assertTrue(JSON.readTree(send("POST", "/v1/search", mine, search).body()).path("data").size() > 0);
    assertEquals(0, JSON.readTree(send("POST", "/v1/search", theirs, search).body()).path("data").size());
    JsonNode answer = JSON.readTree(send("POST", "/v1/chat/completions", theirs, ask("When was the lighthouse built?")).body());
    assertEquals(0, answer.path("choices").path(0).path("message").path("citations").size(), "no citations from another tenant");
  }

  @Test
  void requestsOverTheKeysLimitGet429WithOpenAiHeaders() throws Exception {
    String k = key("default", 2, 0);
    HttpResponse<String> first = send("GET", "/v1/models", k, null);
    assertEquals("2", first.headers().firstValue("x-ratelimit-limit-requests").orElseThrow());
    assertEquals("1", first.headers().firstValue("x-ratelimit-remaining-requests").orElseThrow());
    assertTrue(first.headers().firstValue("x-ratelimit-reset-requests").orElseThrow().endsWith("s"));
    send("GET", "/v1/models", k, null);
    HttpResponse<String> over = send("GET", "/v1/models", k, null);
    assertEquals(429, over.statusCode());
    JsonNode error = JSON.readTree(over.body()).path("error");
    assertEquals("rate_limit_exceeded", error.path("code").asText());
    assertEquals("requests", error.path("type").asText());
    assertTrue(Long.parseLong(over.headers().firstValue("Retry-After").orElseThrow()) >= 1);
    assertEquals("0", over.headers().firstValue("x-ratelimit-remaining-requests").orElseThrow());
    assertEquals(200, send("GET", "/v1/models", key("default", 2, 0), null).statusCode(), "other keys are not affected");
  }

  @Test
  void tokensPerMinuteCountThePromptAndSettleWithUsage() throws Exception {
    String k = key("default", 0, 200);
    HttpResponse<String> r = send("POST", "/v1/chat/completions", k, ask("When was the lighthouse built?"));
    assertEquals(200, r.statusCode(), r.body());
    assertEquals("200", r.headers().firstValue("x-ratelimit-limit-tokens").orElseThrow());
    long remaining = Long.parseLong(r.headers().firstValue("x-ratelimit-remaining-tokens").orElseThrow());
    assertTrue(remaining < 200 && remaining > 100, "the prompt was counted: " + remaining);
    String huge = ask("lighthouse ".repeat(300));
    HttpResponse<String> tooBig = send("POST", "/v1/chat/completions", k, huge);
    assertEquals(429, tooBig.statusCode());
    assertEquals("tokens", JSON.readTree(tooBig.body()).path("error").path("type").asText());
  }

  @Test
  void sessionsKeepTheConversationOnTheServer() throws Exception {
    String k = key("default", 0, 0);
    HttpResponse<String> created = send("POST", "/v1/sessions", k, "{}");
    assertEquals(201, created.statusCode(), created.body());
    String id = JSON.readTree(created.body()).path("id").asText();
    String first = "{\"model\": \"extractive\", \"session_id\": \"" + id
        + "\", \"messages\": [{\"role\": \"user\", \"content\": \"When was the lighthouse built?\"}]}";
    assertEquals(200, send("POST", "/v1/chat/completions", k, first).statusCode());
    HttpResponse<String> second = HTTP.send(HttpRequest.newBuilder(ragway.uri("/v1/chat/completions"))
        .header("Authorization", "Bearer " + k).header("x-session-id", id)
        .POST(HttpRequest.BodyPublishers.ofString(ask("When does the bakery open?"))).build(), HttpResponse.BodyHandlers.ofString());
    assertEquals(200, second.statusCode(), second.body());
    JsonNode session = JSON.readTree(send("GET", "/v1/sessions/" + id, k, null).body());
    assertEquals(4, session.path("messages").size(), session.toString());
    assertEquals("When does the bakery open?", session.path("messages").path(2).path("content").asText());
    assertEquals("assistant", session.path("messages").path(3).path("role").asText());

    assertEquals(404, send("GET", "/v1/sessions/" + id, key("other-tenant", 0, 0), null).statusCode(), "tenants do not share sessions");
    assertEquals(200, send("DELETE", "/v1/sessions/" + id, k, null).statusCode());
    HttpResponse<String> gone = send("POST", "/v1/chat/completions", k, first);
    assertEquals(404, gone.statusCode());
    assertEquals("session_not_found", JSON.readTree(gone.body()).path("error").path("code").asText());
  }

  @Test
  void theOfficialSdkSeesAuthAndRateLimitErrorsAsItsOwnExceptions() {
    var good = com.openai.client.okhttp.OpenAIOkHttpClient.builder().baseUrl(ragway.uri("/v1").toString())
        .apiKey(key("default", 1, 0)).maxRetries(0).build();
    assertEquals("rag", good.models().retrieve("rag").id());
    org.junit.jupiter.api.Assertions.assertThrows(com.openai.errors.RateLimitException.class, () -> good.models().retrieve("rag"));
    var bad = com.openai.client.okhttp.OpenAIOkHttpClient.builder().baseUrl(ragway.uri("/v1").toString())
        .apiKey("sk-rgw-000000000000-wrong").maxRetries(0).build();
    org.junit.jupiter.api.Assertions.assertThrows(com.openai.errors.UnauthorizedException.class, () -> bad.models().list());
    good.close();
    bad.close();
  }
}
