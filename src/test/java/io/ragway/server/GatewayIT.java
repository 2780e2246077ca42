package io.ragway.server;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.openai.client.OpenAIClient;
import com.openai.client.okhttp.OpenAIOkHttpClient;
import com.openai.core.http.StreamResponse;
import com.openai.models.chat.completions.ChatCompletionChunk;
import com.openai.models.chat.completions.ChatCompletionCreateParams;
import io.ragway.llm.RetryPolicy;
import io.ragway.llm.Router;
import io.ragway.llm.UpstreamConfig;
import io.ragway.testkit.FakeOpenAi;
import io.ragway.testkit.FakeOpenAi.Fault;
import io.ragway.testkit.RagwayFixture;
import io.ragway.testkit.TestRouters;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Upstream models through ragway: passthrough, streaming relay, and every fault mapped to the right answer or error. */
class GatewayIT {

  private static final ObjectMapper JSON = new ObjectMapper();
  private static final HttpClient HTTP = HttpClient.newHttpClient();
  @TempDir static Path tmp;
  private static FakeOpenAi upstream;
  private static FakeOpenAi dead;
  private static RagwayFixture ragway;

  @BeforeAll
  static void start() throws Exception {
    upstream = new FakeOpenAi("upstream");
    dead = new FakeOpenAi("dead");
    java.net.URI deadUrl = dead.baseUrl();
    dead.close(); // nothing listens there any more
    Router router = TestRouters.withoutBreaker(List.of(
        model("solo", upstream.baseUrl()),
        model("nowhere", deadUrl),
        new UpstreamConfig("tiny", upstream.baseUrl(), "", "up-tiny", 40, 0, 0, List.of(), Duration.ofSeconds(1),
            Duration.ofSeconds(2), Duration.ofSeconds(5))),
        new RetryPolicy(2, Duration.ZERO, Duration.ZERO, Duration.ofSeconds(5)));
    ragway = new RagwayFixture(tmp, router, "");
  }

  @AfterAll
  static void stop() {
    ragway.close();
    upstream.close();
  }

  private static UpstreamConfig model(String name, java.net.URI url) {
    return new UpstreamConfig(name, url, "", "up-" + name, 8192, 0, 0, List.of(), Duration.ofSeconds(1),
        Duration.ofSeconds(2), Duration.ofSeconds(5));
  }

  private static HttpResponse<String> post(String body) throws Exception {
    return HTTP.send(HttpRequest.newBuilder(ragway.uri("/v1/chat/completions")).header("Content-Type", "application/json")
        .POST(HttpRequest.BodyPublishers.ofString(body)).build(), HttpResponse.BodyHandlers.ofString());
  }

  private static final String TOOLS = """
      {"model": "solo", "messages": [{"role": "user", "content": "look it up"}],
       "tools": [{"type": "function", "function": {"name": "lookup", "parameters": {"type": "object"}}}],
       "tool_choice": "auto", "response_format": {"type": "text"}}""";

  @Test
  void passesRequestsThroughAndAnswersUnderTheClientsModelName() throws Exception {
    HttpResponse<String> r = post(TOOLS);
    assertEquals(200, r.statusCode(), r.body());
    JsonNode n = JSON.readTree(r.body());
    assertEquals("solo", n.get("model").asText());
    assertEquals("lookup", n.get("choices").get(0).get("message").get("tool_calls").get(0).get("function").get("name").asText());
    JsonNode sent = upstream.requests().get(upstream.requests().size() - 1);
    assertEquals("up-solo", sent.get("model").asText());
    assertEquals("auto", sent.get("tool_choice").asText());
    assertEquals("text", sent.get("response_format").get("type").asText());
    assertEquals(200, HTTP.send(HttpRequest.newBuilder(ragway.uri("/v1/models/solo")).build(), HttpResponse.BodyHandlers.ofString()).statusCode());
  }

  @Test
  void relaysStreamsWithToolCallDeltasIntact() throws Exception {
    HttpResponse<String> r = post(TOOLS.replace("\"model\": \"solo\"", "\"model\": \"solo\", \"stream\": true"));
    assertEquals(200, r.statusCode(), r.body());
    String[] events = r.body().split("\n\n");
    assertEquals("data: [DONE]", events[events.length - 1]);
    JsonNode first = JSON.readTree(events[0].substring(6));
    assertEquals("solo", first.get("model").asText());
    assertEquals("lookup", first.get("choices").get(0).get("delta").get("tool_calls").get(0).get("function").get("name").asText());
    JsonNode second = JSON.readTree(events[1].substring(6));
    assertEquals("{\"q\":\"x\"}", second.get("choices").get(0).get("delta").get("tool_calls").get(0).get("function").get("arguments").asText());
  }

  @Test
  void cachesOnlyDeterministicUpstreamRequests() throws Exception {
    String cold = "{\"model\": \"solo\", \"temperature\": 0, \"messages\": [{\"role\": \"user\", \"content\": \"cache me\"}]}";
    int before = upstream.requests().size();
    assertEquals("miss", post(cold).headers().firstValue("x-ragway-cache").orElseThrow());
    assertEquals("hit", post(cold).headers().firstValue("x-ragway-cache").orElseThrow());
    assertEquals(before + 1, upstream.requests().size(), "the hit never reached the upstream");
    String sampled = cold.replace("\"temperature\": 0", "\"temperature\": 0.7");
    post(sampled);
    assertEquals("miss", post(sampled).headers().firstValue("x-ragway-cache").orElseThrow());
    assertEquals(before + 3, upstream.requests().size());
  }

  @Test
  void retriesTransientFaultsInvisibly() throws Exception {
    upstream.next(Fault.status(503));
    assertEquals(200, post(TOOLS).statusCode());
    upstream.next(Fault.cutAfter(0));
    HttpResponse<String> r = post(TOOLS.replace("\"model\": \"solo\"", "\"model\": \"solo\", \"stream\": true"));
    assertEquals(200, r.statusCode());
    assertTrue(r.body().endsWith("data: [DONE]\n\n"), r.body());
  }

  private static void assertError(HttpResponse<String> r, int status, String code) throws Exception {
    assertEquals(status, r.statusCode(), r.body());
    assertEquals(code, JSON.readTree(r.body()).get("error").get("code").asText(), r.body());
  }

  @Test
  void persistentFaultsBecomeTheRightErrors() throws Exception {
    upstream.next(Fault.status(500), Fault.status(500));
    assertError(post(TOOLS), 502, "upstream_error");
    upstream.next(Fault.rateLimited("7"), Fault.rateLimited("7"));
    HttpResponse<String> limited = post(TOOLS);
    assertError(limited, 429, "rate_limit_exceeded");
    assertEquals("7", limited.headers().firstValue("retry-after").orElse(""));
    assertError(post(TOOLS.replace("\"model\": \"solo\"", "\"model\": \"nowhere\"")), 503, "upstream_unavailable");
    upstream.next(Fault.slowFirstByte(2500), Fault.slowFirstByte(2500));
    assertError(post(TOOLS), 504, "upstream_timeout");
  }

  @Test
  void aStreamCutAfterTheFirstTokenEndsWithAnErrorEvent() throws Exception {
    upstream.next(Fault.cutAfter(3));
    HttpResponse<String> r = post(TOOLS.replace("\"model\": \"solo\"", "\"model\": \"solo\", \"stream\": true"));
    assertEquals(200, r.statusCode());
    String[] events = r.body().split("\n\n");
    JsonNode last = JSON.readTree(events[events.length - 1].substring(6));
    assertEquals("upstream_error", last.get("error").get("code").asText(), r.body());
    assertFalse(List.of(events).contains("data: [DONE]"), "a broken stream does not claim to be done");
  }

  @Test
  void officialSdkStreamsFromAnUpstreamModel() {
    OpenAIClient client = OpenAIOkHttpClient.builder().baseUrl(ragway.uri("/v1").toString()).apiKey("x").maxRetries(0).build();
    StringBuilder content = new StringBuilder();
    try (StreamResponse<ChatCompletionChunk> s = client.chat().completions().createStreaming(
        ChatCompletionCreateParams.builder().model("solo").addUserMessage("hi").build())) {
      s.stream().forEach(c -> c.choices().forEach(ch -> ch.delta().content().ifPresent(content::append)));
    }
    assertEquals("upstream says hello. ", content.toString());
    client.close();
  }

  @Test
  void officialSdkReceivesStreamedToolCalls() {
    OpenAIClient client = OpenAIOkHttpClient.builder().baseUrl(ragway.uri("/v1").toString()).apiKey("x").maxRetries(0).build();
    StringBuilder name = new StringBuilder();
    StringBuilder arguments = new StringBuilder();
    try (StreamResponse<ChatCompletionChunk> s = client.chat().completions().createStreaming(
        ChatCompletionCreateParams.builder().model("solo").addUserMessage("look it up")
            .addTool(com.openai.models.chat.completions.ChatCompletionFunctionTool.builder()
                .function(com.openai.models.FunctionDefinition.builder().name("lookup").build()).build())
            .build())) {
      s.stream().forEach(c -> c.choices().forEach(ch -> ch.delta().toolCalls().ifPresent(calls -> calls.forEach(call -> {
        call.function().flatMap(f -> f.name()).ifPresent(name::append);
        call.function().flatMap(f -> f.arguments()).ifPresent(arguments::append);
      }))));
    }
    assertEquals("lookup", name.toString());
    assertEquals("{\"q\":\"x\"}", arguments.toString());
    client.close();
  }

  @Test
  void aPromptOverEveryContextWindowIs400ContextLengthExceeded() throws Exception {
    int before = upstream.requests().size();
    HttpResponse<String> r = post("{\"model\": \"tiny\", \"messages\": [{\"role\": \"user\", \"content\": \""
        + "many words ".repeat(50) + "\"}]}");
    assertEquals(400, r.statusCode(), r.body());
    JsonNode error = JSON.readTree(r.body()).path("error");
    assertEquals("context_length_exceeded", error.path("code").asText());
    assertTrue(error.path("message").asText().contains("40 tokens"), error.toString());
    assertEquals(before, upstream.requests().size(), "refused before any upstream call");
  }

  @Test
  void identicalDeterministicRequestsInFlightShareOneUpstreamCall() throws Exception {
    String body = "{\"model\": \"solo\", \"temperature\": 0, \"messages\": [{\"role\": \"user\", \"content\": \"coalesce me\"}]}";
    upstream.next(Fault.slowFirstByte(700));
    int before = upstream.requests().size();
    var pool = java.util.concurrent.Executors.newVirtualThreadPerTaskExecutor();
    List<java.util.concurrent.Future<HttpResponse<String>>> calls = new java.util.ArrayList<>();
    for (int i = 0; i < 5; i++) {
      calls.add(pool.submit(() -> post(body)));
    }
    for (var c : calls) {
      HttpResponse<String> r = c.get();
      assertEquals(200, r.statusCode(), r.body());
      assertEquals("upstream says hello.", JSON.readTree(r.body()).at("/choices/0/message/content").asText());
    }
    assertEquals(1, upstream.requests().size() - before, "one upstream call for five identical requests");
    pool.shutdown();
  }
}
