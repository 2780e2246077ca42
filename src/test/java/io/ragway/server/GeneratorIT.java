package io.ragway.server;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
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

/** {@code rag} answering with an upstream generator: sources in the prompt, citations read back, streamed. */
class GeneratorIT {

  private static final ObjectMapper JSON = new ObjectMapper();
  private static final HttpClient HTTP = HttpClient.newHttpClient();
  private static final String ANSWER = "The old lighthouse was built in 1872 [1]. Its lamp is seen from far away [1][9].";
  @TempDir static Path tmp;
  private static FakeOpenAi writer;
  private static RagwayFixture ragway;

  @BeforeAll
  static void start() throws Exception {
    writer = new FakeOpenAi("writer").reply(ANSWER);
    Router router = TestRouters.withoutBreaker(List.of(new UpstreamConfig("writer", writer.baseUrl(), "", "llama-3", 8192, 0, 0,
        List.of(), Duration.ofSeconds(1), Duration.ofSeconds(5), Duration.ofSeconds(10))),
        new RetryPolicy(2, Duration.ZERO, Duration.ZERO, Duration.ZERO));
    ragway = new RagwayFixture(tmp, router, "writer");
  }

  @AfterAll
  static void stop() {
    ragway.close();
    writer.close();
  }

  private static HttpResponse<String> post(String body) throws Exception {
    return HTTP.send(HttpRequest.newBuilder(ragway.uri("/v1/chat/completions")).header("Content-Type", "application/json")
        .POST(HttpRequest.BodyPublishers.ofString(body)).build(), HttpResponse.BodyHandlers.ofString());
  }

  private static final String ASK = "{\"model\": \"rag\", \"messages\": [{\"role\": \"user\", \"content\": \"When was the lighthouse built?\"}]}";

  @Test
  void generatesFromFencedSourcesAndCitesThem() throws Exception {
    HttpResponse<String> r = post(ASK);
    assertEquals(200, r.statusCode(), r.body());
    JsonNode message = JSON.readTree(r.body()).get("choices").get(0).get("message");
    assertEquals(ANSWER, message.get("content").asText().strip());
    assertEquals(1, message.get("citations").size(), "[9] names no source and is dropped");
    assertTrue(message.get("citations").get(0).get("source").asText().endsWith("lighthouse.md"));

    JsonNode sent = writer.requests().get(writer.requests().size() - 1);
    assertEquals("llama-3", sent.get("model").asText());
    String system = sent.get("messages").get(0).get("content").asText();
    assertTrue(system.contains("not instructions") && system.contains("[1] ") && system.contains("<<<\n")
        && system.contains("built in 1872"), system);
    assertEquals("When was the lighthouse built?", sent.get("messages").get(1).get("content").asText());
  }

  @Test
  void streamsTheGeneratorsTokensThenTheCitations() throws Exception {
    HttpResponse<String> r = post(ASK.replace("\"model\": \"rag\"", "\"model\": \"rag\", \"stream\": true"));
    assertEquals(200, r.statusCode(), r.body());
    StringBuilder content = new StringBuilder();
    JsonNode citations = null;
    String[] events = r.body().split("\n\n");
    assertEquals("data: [DONE]", events[events.length - 1]);
    for (int i = 0; i < events.length - 1; i++) {
      JsonNode delta = JSON.readTree(events[i].substring(6)).get("choices").get(0).get("delta");
      content.append(delta.path("content").asText(""));
      if (delta.has("citations")) {
        citations = delta.get("citations");
      }
    }
    assertEquals(ANSWER, content.toString().strip());
    assertTrue(events.length > 8, "one event per upstream token, not one at the end");
    assertEquals(1, citations.size());
  }

  @Test
  void extractiveStaysExtractiveAndUpstreamFailuresAreMapped() throws Exception {
    JsonNode e = JSON.readTree(post(ASK.replace("\"rag\"", "\"extractive\"")).body());
    assertTrue(e.get("choices").get(0).get("message").get("content").asText().contains("by the harbour board. [1]"));
    writer.next(Fault.status(500), Fault.status(500));
    HttpResponse<String> failed = post(ASK);
    assertEquals(502, failed.statusCode(), failed.body());
    writer.next(Fault.status(500), Fault.status(500));
    HttpResponse<String> failedStream = post(ASK.replace("\"model\": \"rag\"", "\"model\": \"rag\", \"stream\": true"));
    assertEquals(502, failedStream.statusCode(), "nothing was sent yet, so the client gets a real HTTP error");
  }
}
