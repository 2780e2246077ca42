package io.ragway.server;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.ragway.limit.RateLimiter;
import io.ragway.llm.RetryPolicy;
import io.ragway.llm.UpstreamConfig;
import io.ragway.testkit.FakeOpenAi;
import io.ragway.testkit.RagwayFixture;
import io.ragway.testkit.TestRouters;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The semantic cache and cached streams, with the real embedding model. */
class CacheIT {

  private static final ObjectMapper JSON = new ObjectMapper();
  private static final HttpClient HTTP = HttpClient.newHttpClient();
  @TempDir static Path tmp;
  private static FakeOpenAi upstream;
  private static RagwayFixture ragway;

  @BeforeAll
  static void start() throws Exception {
    upstream = new FakeOpenAi("upstream");
    ragway = new RagwayFixture(tmp, TestRouters.withoutBreaker(List.of(new UpstreamConfig("gpt", upstream.baseUrl(), "", "up",
        8192, 0, 0, List.of(), Duration.ofSeconds(1), Duration.ofSeconds(2), Duration.ofSeconds(5))),
        new RetryPolicy(1, Duration.ZERO, Duration.ZERO, Duration.ZERO)), "", false, RateLimiter.Limits.NONE, 0.9);
  }

  @AfterAll
  static void stop() {
    ragway.close();
    upstream.close();
  }

  private static HttpResponse<String> post(String body) throws Exception {
    return HTTP.send(HttpRequest.newBuilder(ragway.uri("/v1/chat/completions")).header("Content-Type", "application/json")
        .POST(HttpRequest.BodyPublishers.ofString(body)).build(), HttpResponse.BodyHandlers.ofString());
  }

  private static String ask(String model, String system, String question, boolean stream) {
    return "{\"model\": \"" + model + "\", \"temperature\": 0, \"stream\": " + stream + ", \"messages\": ["
        + (system.isEmpty() ? "" : "{\"role\": \"system\", \"content\": \"" + system + "\"}, ")
        + "{\"role\": \"user\", \"content\": \"" + question + "\"}]}";
  }

  private static String cache(HttpResponse<String> r) {
    return r.headers().firstValue("x-ragway-cache").orElse("none");
  }

  @Test
  void aRephrasedQuestionIsASemanticHitWithinTheSameScopeOnly() throws Exception {
    int before = upstream.requests().size();
    HttpResponse<String> first = post(ask("gpt", "", "What time does the bakery on Mill Street open?", false));
    assertEquals("miss", cache(first));
    HttpResponse<String> near = post(ask("gpt", "", "What time does the bakery on Mill Street open in the morning?", false));
    assertEquals("semantic", cache(near), near.body());
    assertEquals(JSON.readTree(first.body()).at("/choices/0/message/content"), JSON.readTree(near.body()).at("/choices/0/message/content"));
    assertEquals(1, upstream.requests().size() - before, "the rephrased question never went upstream");

    assertEquals("miss", cache(post(ask("gpt", "Answer in French.", "What time does the bakery on Mill Street open?", false))),
        "another system prompt is another scope");
    assertEquals("miss", cache(post(ask("gpt", "", "How far away can the lighthouse lamp be seen?", false))),
        "an unrelated question is not similar enough");
  }

  @Test
  void streamsAreCachedAndReplayedAsStreams() throws Exception {
    int before = upstream.requests().size();
    String body = ask("gpt", "", "Tell me about boats leaving the harbour.", true);
    HttpResponse<String> first = post(body);
    assertEquals("miss", cache(first));
    HttpResponse<String> again = post(body);
    assertEquals("hit", cache(again));
    assertEquals(1, upstream.requests().size() - before);
    assertEquals(text(first.body()), text(again.body()));
    assertTrue(again.body().trim().endsWith("data: [DONE]"), again.body());

    HttpResponse<String> asJson = post(body.replace("\"stream\": true", "\"stream\": false"));
    assertEquals("hit", cache(asJson), "a streamed answer serves the same request without stream too");
    assertEquals(text(first.body()), JSON.readTree(asJson.body()).at("/choices/0/message/content").asText());
  }

  @Test
  void ragAnswersReplayAsStreamsWithTheirCitations() throws Exception {
    String body = ask("extractive", "", "When was the lighthouse built?", false);
    assertEquals(200, post(body).statusCode());
    HttpResponse<String> streamed = post(body.replace("\"stream\": false", "\"stream\": true"));
    assertEquals("hit", cache(streamed));
    assertTrue(text(streamed.body()).contains("1872"), streamed.body());
    assertTrue(streamed.body().contains("\"citations\""), streamed.body());
  }

  /** The text of an SSE stream's content deltas. */
  private static String text(String sse) throws Exception {
    StringBuilder b = new StringBuilder();
    List<String> lines = new ArrayList<>(List.of(sse.split("\n")));
    for (String line : lines) {
      if (line.startsWith("data: {")) {
        JsonNode n = JSON.readTree(line.substring(6));
        JsonNode c = n.at("/choices/0/delta/content");
        if (c.isTextual()) {
          b.append(c.asText());
        }
      }
    }
    return b.toString();
  }
}
