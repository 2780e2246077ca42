package io.ragway.server;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.ragway.testkit.RagwayFixture;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ServerIT {

  private static final ObjectMapper JSON = new ObjectMapper();
  private static final HttpClient HTTP = HttpClient.newHttpClient();
  @TempDir static Path tmp;
  private static RagwayFixture ragway;

  @BeforeAll
  static void start() throws Exception {
    ragway = new RagwayFixture(tmp);
  }

  @AfterAll
  static void stop() {
    ragway.close();
  }

  private static HttpResponse<String> post(String path, String body) throws Exception {
    return HTTP.send(HttpRequest.newBuilder(ragway.uri(path)).header("Content-Type", "application/json")
        .POST(HttpRequest.BodyPublishers.ofString(body)).build(), HttpResponse.BodyHandlers.ofString());
  }

  private static HttpResponse<String> get(String path) throws Exception {
    return HTTP.send(HttpRequest.newBuilder(ragway.uri(path)).GET().build(), HttpResponse.BodyHandlers.ofString());
  }

  private static final String ASK = """
      {"model": "rag", "messages": [{"role": "system", "content": "Be brief."},
        {"role": "user", "content": "When was the lighthouse built?"}]}""";

  @Test
  void answersWithOpenAiShapeCitationsAndUsage() throws Exception {
    HttpResponse<String> r = post("/v1/chat/completions", ASK);
    assertEquals(200, r.statusCode(), r.body());
    assertTrue(r.headers().firstValue("x-request-id").isPresent());
    JsonNode n = JSON.readTree(r.body());
    assertTrue(n.get("id").asText().startsWith("chatcmpl-"));
    assertEquals("chat.completion", n.get("object").asText());
    assertEquals("rag", n.get("model").asText());
    JsonNode choice = n.get("choices").get(0);
    assertEquals("stop", choice.get("finish_reason").asText());
    assertEquals("assistant", choice.get("message").get("role").asText());
    assertTrue(choice.get("message").get("content").asText().contains("1872 by the harbour board. [1]"), r.body());
    JsonNode citation = choice.get("message").get("citations").get(0);
    assertTrue(citation.get("source").asText().endsWith("lighthouse.md"), r.body());
    for (String field : List.of("id", "source", "title", "chunk", "score")) {
      assertTrue(citation.has(field), field);
    }
    JsonNode usage = n.get("usage");
    assertEquals(usage.get("prompt_tokens").asInt() + usage.get("completion_tokens").asInt(), usage.get("total_tokens").asInt());
    assertTrue(usage.get("completion_tokens").asInt() > 0);
  }

  @Test
  void streamsTheSameAnswerAsSseChunks() throws Exception {
    String plain = JSON.readTree(post("/v1/chat/completions", ASK).body()).get("choices").get(0).get("message")
        .get("content").asText();
    HttpResponse<String> r = post("/v1/chat/completions",
        ASK.replace("\"model\": \"rag\"", "\"model\": \"rag\", \"stream\": true, \"stream_options\": {\"include_usage\": true}"));
    assertEquals(200, r.statusCode(), r.body());
    assertTrue(r.headers().firstValue("content-type").orElse("").startsWith("text/event-stream"));
    List<String> events = new ArrayList<>();
    for (String block : r.body().split("\n\n")) {
      assertTrue(block.startsWith("data: "), block);
      events.add(block.substring(6));
    }
    assertEquals("[DONE]", events.get(events.size() - 1));
    StringBuilder content = new StringBuilder();
    JsonNode citations = null;
    String finish = null;
    JsonNode usage = null;
    for (String e : events.subList(0, events.size() - 1)) {
      JsonNode chunk = JSON.readTree(e);
      assertEquals("chat.completion.chunk", chunk.get("object").asText());
      if (chunk.get("choices").isEmpty()) {
        usage = chunk.get("usage");
        continue;
      }
      JsonNode delta = chunk.get("choices").get(0).get("delta");
      content.append(delta.path("content").asText(""));
      if (delta.has("citations")) {
        citations = delta.get("citations");
      }
      if (!chunk.get("choices").get(0).get("finish_reason").isNull()) {
        finish = chunk.get("choices").get(0).get("finish_reason").asText();
      }
    }
    assertEquals(plain, content.toString());
    assertNotNull(citations, "the last content chunk carries the citations");
    assertTrue(citations.get(0).get("source").asText().endsWith("lighthouse.md"));
    assertEquals("stop", finish);
    assertNotNull(usage, "include_usage adds a usage chunk");
  }

  @Test
  void extractiveModelAbstainsOffTopicAndMaxTokensTruncates() throws Exception {
    JsonNode off = JSON.readTree(post("/v1/chat/completions",
        "{\"model\":\"extractive\",\"messages\":[{\"role\":\"user\",\"content\":\"What is the boiling point of liquid nitrogen on Mars?\"}]}").body());
    assertEquals("I could not find this in the documents.", off.get("choices").get(0).get("message").get("content").asText());
    assertEquals(0, off.get("choices").get(0).get("message").get("citations").size());
    JsonNode cut = JSON.readTree(post("/v1/chat/completions", ASK.replace("\"model\": \"rag\"", "\"model\": \"rag\", \"max_tokens\": 3")).body());
    assertEquals("length", cut.get("choices").get(0).get("finish_reason").asText());
    assertEquals(3, cut.get("choices").get(0).get("message").get("content").asText().split("\\s+").length);
  }

  private static void assertError(HttpResponse<String> r, int status, String code, String messageFragment) throws Exception {
    assertEquals(status, r.statusCode(), r.body());
    JsonNode error = JSON.readTree(r.body()).get("error");
    assertNotNull(error, r.body());
    assertTrue(error.has("message") && error.has("type") && error.has("param") && error.has("code"), r.body());
    if (code != null) {
      assertEquals(code, error.get("code").asText(), r.body());
    }
    assertTrue(error.get("message").asText().contains(messageFragment), r.body());
    assertFalse(r.body().contains("at io.") || r.body().contains("Exception"), "no stack trace: " + r.body());
  }

  @Test
  void badInputMatrixGetsOpenAiErrors() throws Exception {
    assertError(post("/v1/chat/completions", "{\"model\": \"rag\", \"messages\": ["), 400, null, "could not parse the JSON");
    assertError(post("/v1/chat/completions", ""), 400, null, "empty");
    assertError(post("/v1/chat/completions", "[1, 2]"), 400, null, "JSON object");
    assertError(post("/v1/chat/completions", "{\"messages\": [{\"role\":\"user\",\"content\":\"hi\"}]}"), 400, null, "'model'");
    assertError(post("/v1/chat/completions", "{\"model\": 7, \"messages\": []}"), 400, null, "expected a string");
    assertError(post("/v1/chat/completions", "{\"model\": \"gpt-9\", \"messages\": [{\"role\":\"user\",\"content\":\"hi\"}]}"),
        404, "model_not_found", "gpt-9");
    assertError(post("/v1/chat/completions", "{\"model\": \"rag\"}"), 400, null, "'messages'");
    assertError(post("/v1/chat/completions", "{\"model\": \"rag\", \"messages\": []}"), 400, null, "empty array");
    assertError(post("/v1/chat/completions", "{\"model\": \"rag\", \"messages\": \"hi\"}"), 400, null, "expected an array");
    assertError(post("/v1/chat/completions", "{\"model\": \"rag\", \"messages\": [{\"role\":\"wizard\",\"content\":\"hi\"}]}"),
        400, null, "role");
    assertError(post("/v1/chat/completions", "{\"model\": \"rag\", \"messages\": [{\"role\":\"system\",\"content\":\"x\"}]}"),
        400, null, "no user message");
    assertError(post("/v1/chat/completions", "{\"model\": \"rag\", \"messages\": [{\"role\":\"user\",\"content\":\"  \"}]}"),
        400, null, "empty");
    assertError(post("/v1/chat/completions", ASK.replace("\"model\": \"rag\"", "\"model\": \"rag\", \"temperature\": 5")),
        400, null, "temperature");
    assertError(post("/v1/chat/completions", ASK.replace("\"model\": \"rag\"", "\"model\": \"rag\", \"max_tokens\": -1")),
        400, null, "max_tokens");
    assertError(post("/v1/chat/completions", ASK.replace("\"model\": \"rag\"", "\"model\": \"rag\", \"stream\": \"yes\"")),
        400, null, "boolean");
    String huge = "{\"model\": \"rag\", \"messages\": [{\"role\":\"user\",\"content\":\"" + "x".repeat((int) RagwayFixture.MAX_BODY) + "\"}]}";
    assertError(post("/v1/chat/completions", huge), 413, "request_too_large", "larger than");
    assertError(get("/v1/nothing-here"), 404, "unknown_url", "/v1/nothing-here");
    assertError(get("/v1/models/gpt-9"), 404, "model_not_found", "gpt-9");
    assertError(get("/v1/chat/completions"), 405, "method_not_allowed", "GET");
    assertError(post("/v1/embeddings", "{\"model\": \"default\", \"input\": [1, 2]}"), 400, null, "input");
    assertError(post("/v1/embeddings", "{\"model\": \"ada\", \"input\": \"x\"}"), 404, "model_not_found", "ada");
    assertError(post("/v1/search", "{\"query\": \"boats\", \"mode\": \"fuzzy\"}"), 400, null, "bm25, dense or hybrid");
    assertError(post("/v1/search", "{\"query\": \"boats\", \"k\": 0}"), 400, null, "'k'");
    for (String endpoint : List.of("/v1/chat/completions", "/v1/embeddings", "/v1/search", "/v1/documents")) {
      assertError(post(endpoint, "{\"oops\": "), 400, null, "could not parse the JSON");
      assertError(post(endpoint, "\"just a string\""), 400, null, "JSON object");
    }
    assertError(post("/v1/embeddings", "{\"model\": \"default\"}"), 400, null, "input");
    assertError(post("/v1/embeddings", "{\"model\": \"default\", \"input\": []}"), 400, null, "input");
    assertError(post("/v1/search", "{\"k\": 3}"), 400, null, "'query'");
    assertError(post("/v1/search", "{\"query\": 42}"), 400, null, "expected a string");
    assertError(post("/v1/chat/completions", ASK.replace("\"model\": \"rag\"", "\"model\": \"rag\", \"session_id\": \"sess_nope\"")),
        404, "session_not_found", "sess_nope");
    assertError(post("/v1/chat/completions", ASK.replace("\"model\": \"rag\"", "\"model\": \"rag\", \"session_id\": 5")),
        400, null, "session_id");
    assertError(get("/v1/sessions/sess_nope"), 404, "session_not_found", "sess_nope");
    // the server still answers normally after all of that
    assertEquals(200, post("/v1/chat/completions", ASK).statusCode());
  }

  @Test
  void repeatsComeFromTheCacheUntilTheDocumentsChange() throws Exception {
    String q = "{\"model\": \"extractive\", \"messages\": [{\"role\": \"user\", \"content\": \"What does the bakery sell?\"}]}";
    HttpResponse<String> first = post("/v1/chat/completions", q);
    HttpResponse<String> second = post("/v1/chat/completions", q);
    assertEquals("miss", first.headers().firstValue("x-ragway-cache").orElseThrow());
    assertEquals("hit", second.headers().firstValue("x-ragway-cache").orElseThrow());
    JsonNode a = JSON.readTree(first.body());
    JsonNode b = JSON.readTree(second.body());
    assertEquals(a.get("choices"), b.get("choices"));
    assertFalse(a.get("id").asText().equals(b.get("id").asText()), "a hit is a new response");
    assertEquals("hit", post("/v1/chat/completions", q.replace("\"extractive\",", "\"extractive\", \"stream\": true,"))
        .headers().firstValue("x-ragway-cache").orElseThrow(), "the same request as a stream is replayed from the cache");

    ragway.addDocument("bakery-news.txt", "Since May the bakery on Mill Street also sells sourdough croissants.\n");
    HttpResponse<String> afterChange = post("/v1/chat/completions", q);
    assertEquals("miss", afterChange.headers().firstValue("x-ragway-cache").orElseThrow(), "the documents changed");
  }

  @Test
  void listsModelsAndReportsHealth() throws Exception {
    JsonNode models = JSON.readTree(get("/v1/models").body());
    assertEquals("list", models.get("object").asText());
    assertEquals(List.of("rag", "extractive"), List.of(models.get("data").get(0).get("id").asText(), models.get("data").get(1).get("id").asText()));
    assertEquals(200, get("/v1/models/rag").statusCode());
    assertEquals("ok", JSON.readTree(get("/healthz").body()).get("status").asText());
    HttpResponse<String> ready = get("/readyz");
    assertEquals(200, ready.statusCode());
    assertTrue(JSON.readTree(ready.body()).get("checks").get("index_chunks").asInt() > 0, ready.body());
  }

  @Test
  void embedsStringsAndArraysAsFloatsOrBase64() throws Exception {
    JsonNode one = JSON.readTree(post("/v1/embeddings", "{\"model\": \"" + ragway.embeddingModel() + "\", \"input\": \"harbour\"}").body());
    assertEquals(384, one.get("data").get(0).get("embedding").size());
    assertTrue(one.get("usage").get("prompt_tokens").asInt() > 0);
    JsonNode two = JSON.readTree(post("/v1/embeddings",
        "{\"model\": \"default\", \"input\": [\"harbour\", \"bakery\"], \"encoding_format\": \"base64\"}").body());
    assertEquals(2, two.get("data").size());
    byte[] bytes = Base64.getDecoder().decode(two.get("data").get(0).get("embedding").asText());
    ByteBuffer buf = ByteBuffer.wrap(bytes).order(ByteOrder.LITTLE_ENDIAN);
    float[] decoded = new float[bytes.length / 4];
    for (int i = 0; i < decoded.length; i++) {
      decoded[i] = buf.getFloat();
    }
    float[] floats = new float[384];
    for (int i = 0; i < 384; i++) {
      floats[i] = (float) one.get("data").get(0).get("embedding").get(i).asDouble();
    }
    assertArrayEquals(floats, decoded, 1e-6f);
  }

  @Test
  void searchesWithModeAndFilters() throws Exception {
    JsonNode r = JSON.readTree(post("/v1/search", "{\"query\": \"When do fishing boats leave?\", \"mode\": \"bm25\", \"k\": 2}").body());
    assertEquals("bm25", r.get("mode").asText());
    assertTrue(r.get("data").get(0).get("text").asText().contains("Fishing boats"), r.toString());
    JsonNode none = JSON.readTree(post("/v1/search", "{\"query\": \"boats\", \"source_prefix\": \"no/such/dir\"}").body());
    assertEquals(0, none.get("data").size());
  }
}
