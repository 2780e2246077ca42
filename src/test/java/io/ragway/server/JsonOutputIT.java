package io.ragway.server;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.ragway.guard.GuardPolicy;
import io.ragway.guard.InjectionDetector;
import io.ragway.guard.PiiMode;
import io.ragway.guard.PiiType;
import io.ragway.limit.RateLimiter;
import io.ragway.llm.RetryPolicy;
import io.ragway.llm.Router;
import io.ragway.llm.UpstreamConfig;
import io.ragway.testkit.Completions;
import io.ragway.testkit.FakeOpenAi;
import io.ragway.testkit.RagwayFixture;
import io.ragway.testkit.TestRouters;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Answers to a JSON {@code response_format}: passed when they are the JSON asked for, else blocked or flagged per tenant. */
class JsonOutputIT {

  private static final ObjectMapper JSON = new ObjectMapper();
  private static final HttpClient HTTP = HttpClient.newHttpClient();
  private static final String PERSON = """
      {"type": "json_schema", "json_schema": {"name": "person", "strict": true, "schema": {
        "type": "object",
        "properties": {"name": {"type": "string"}, "age": {"type": "integer"}},
        "required": ["name", "age"],
        "additionalProperties": false}}}""";
  private static final String JSON_OBJECT = "{\"type\": \"json_object\"}";
  private static final String PROSE = "Sure! Here is the JSON you asked for, with every field filled in: {\"name\": \"Ada\"}";

  @TempDir static Path tmp;
  private static FakeOpenAi upstream;
  private static RagwayFixture ragway;
  private static String lenient;
  private static String free;

  @BeforeAll
  static void start() throws Exception {
    upstream = new FakeOpenAi("upstream");
    Router router = TestRouters.withoutBreaker(List.of(new UpstreamConfig("solo", upstream.baseUrl(), "", "up-solo", 8192,
        0, 0, List.of(), Duration.ofSeconds(1), Duration.ofSeconds(2), Duration.ofSeconds(5))),
        new RetryPolicy(1, Duration.ZERO, Duration.ZERO, Duration.ofSeconds(5)));
    ragway = new RagwayFixture(tmp, router, "", false, RateLimiter.Limits.NONE, 0, policy("json-1", GuardPolicy.JsonMode.BLOCK),
        Map.of("lenient", policy("lenient-2", GuardPolicy.JsonMode.FLAG), "free", policy("free-3", GuardPolicy.JsonMode.OFF)));
    lenient = ragway.keys().create("lenient", "", List.of(), 0, 0).secret();
    free = ragway.keys().create("free", "", List.of(), 0, 0).secret();
  }

  private static GuardPolicy policy(String version, GuardPolicy.JsonMode json) {
    return new GuardPolicy(version, GuardPolicy.Action.BLOCK, 0.5, InjectionDetector.Vectors.NEVER, PiiMode.OFF,
        PiiType.patterns(), PiiMode.OFF, List.of(), json, GuardPolicy.Passages.DROP, GuardPolicy.Grounding.OFF, 0.5);
  }

  @AfterAll
  static void stop() {
    ragway.close();
    upstream.close();
  }

  /** A request at the default temperature, which the caches leave alone; {@code key} may be null. */
  private static HttpResponse<String> chat(String model, String responseFormat, boolean stream, String key) throws Exception {
    return send(request(model, responseFormat, stream), key);
  }

  private static ObjectNode request(String model, String responseFormat, boolean stream) throws Exception {
    ObjectNode body = JSON.createObjectNode().put("model", model).put("stream", stream);
    body.putArray("messages").addObject().put("role", "user").put("content", "Who wrote the first program?");
    if (responseFormat != null) {
      body.set("response_format", JSON.readTree(responseFormat));
    }
    return body;
  }

  private static HttpResponse<String> send(ObjectNode body, String key) throws Exception {
    HttpRequest.Builder b = HttpRequest.newBuilder(ragway.uri("/v1/chat/completions")).header("Content-Type", "application/json")
        .POST(HttpRequest.BodyPublishers.ofString(JSON.writeValueAsString(body)));
    if (key != null) {
      b.header("Authorization", "Bearer " + key);
    }
    return HTTP.send(b.build(), HttpResponse.BodyHandlers.ofString());
  }

  private static HttpResponse<String> chat(String responseFormat, boolean stream) throws Exception {
    return chat("solo", responseFormat, stream, null);
  }

  private static String content(HttpResponse<String> r) throws Exception {
    return JSON.readTree(r.body()).at("/choices/0/message/content").asText();
  }

  private static JsonNode error(HttpResponse<String> r) throws Exception {
    return JSON.readTree(r.body()).get("error");
  }

  /** The error event that ended a stream, or null. */
  private static JsonNode errorEvent(String sse) throws Exception {
    for (String line : sse.split("\n")) {
      if (line.startsWith("data: {\"error\"")) {
        return JSON.readTree(line.substring(6)).get("error");
      }
    }
    return null;
  }

  private static List<JsonNode> decisions(HttpResponse<String> r) throws Exception {
    String id = r.headers().firstValue("x-request-id").orElseThrow();
    return Files.readAllLines(ragway.guardDecisions()).stream().map(line -> {
      try {
        return JSON.readTree(line);
      } catch (java.io.IOException e) {
        throw new java.io.UncheckedIOException(e);
      }
    }).filter(d -> d.get("request_id").asText().equals(id)).toList();
  }

  @Test
  void anAnswerMatchingTheSchemaPassesUnchangedStreamedOrNot() throws Exception {
    String answer = "{\"name\": \"Ada Lovelace\", \"age\": 36}";
    upstream.reply(answer);
    HttpResponse<String> r = chat(PERSON, false);
    assertEquals(200, r.statusCode(), r.body());
    assertEquals(answer, content(r));
    assertTrue(r.headers().firstValue(ChatCompletions.GUARD_HEADER).isEmpty());
    JsonNode sent = upstream.requests().get(upstream.requests().size() - 1);
    assertEquals(JSON.readTree(PERSON), sent.get("response_format"), "response_format goes upstream as the client sent it");

    HttpResponse<String> s = chat(PERSON, true);
    assertEquals(200, s.statusCode(), s.body());
    assertEquals(answer, Completions.content(s.body()).strip()); // the fake upstream streams each word with a space after it
    assertNull(errorEvent(s.body()), s.body());
    assertTrue(s.body().contains("data: [DONE]"), s.body());
    assertEquals(List.of(), decisions(s));
  }

  @Test
  void anAnswerBreakingTheSchemaIsA502NamingTheViolations() throws Exception {
    upstream.reply("{\"name\": \"Ada Lovelace\", \"age\": \"thirty-six\"}");
    HttpResponse<String> r = chat(PERSON, false);
    assertEquals(502, r.statusCode(), r.body());
    JsonNode e = error(r);
    assertEquals("api_error", e.get("type").asText());
    assertEquals("invalid_json_output", e.get("code").asText());
    assertTrue(e.get("message").asText().contains("$.age: string found, integer expected"), r.body());

    List<JsonNode> logged = decisions(r);
    assertEquals(1, logged.size(), logged.toString());
    assertEquals("json_output", logged.get(0).get("check").asText());
    assertEquals("block", logged.get(0).get("action").asText());
    assertEquals("json-1", logged.get(0).get("policy_version").asText());
    assertFalse(logged.get(0).toString().contains("Ada"), "the decision log never holds the answer");
  }

  @Test
  void aStreamBreakingTheSchemaEndsWithAnErrorEventAndNoDone() throws Exception {
    upstream.reply("{\"name\": \"Ada Lovelace\", \"age\": \"thirty-six\"}");
    HttpResponse<String> s = chat(PERSON, true);
    assertEquals(200, s.statusCode(), s.body());
    assertTrue(Completions.content(s.body()).contains("thirty-six"), "the schema is judged at the end: the text is out by then");
    JsonNode e = errorEvent(s.body());
    assertEquals("invalid_json_output", e.get("code").asText(), s.body());
    assertTrue(e.get("message").asText().contains("$.age: string found, integer expected"), s.body());
    assertFalse(s.body().contains("[DONE]"), "a stopped stream does not end as a finished one");
    assertEquals("block", decisions(s).get(0).get("action").asText());
  }

  @Test
  void proseForJsonObjectIsRefusedAndAStreamOfItStopsAtTheFirstPiece() throws Exception {
    upstream.reply(PROSE);
    HttpResponse<String> r = chat(JSON_OBJECT, false);
    assertEquals(502, r.statusCode(), r.body());
    assertTrue(error(r).get("message").asText().contains("not valid JSON (line 1, column 1)"), r.body());

    HttpResponse<String> s = chat(JSON_OBJECT, true);
    assertEquals(200, s.statusCode(), s.body());
    assertEquals("invalid_json_output", errorEvent(s.body()).get("code").asText(), s.body());
    assertEquals("", Completions.content(s.body()), "not a word of the prose reaches the client");
    assertFalse(s.body().contains("[DONE]"), s.body());
  }

  @Test
  void anArrayForJsonObjectIsRefused() throws Exception {
    upstream.reply("[{\"name\": \"Ada\"}]");
    HttpResponse<String> r = chat(JSON_OBJECT, false);
    assertEquals(502, r.statusCode(), r.body());
    assertTrue(error(r).get("message").asText().contains("a JSON array, not a JSON object"), r.body());
  }

  @Test
  void aBlockedOrFlaggedAnswerIsNotCachedSoTheNextAskGoesUpstreamAgain() throws Exception {
    ObjectNode cacheable = request("solo", JSON_OBJECT, false).put("temperature", 0);
    upstream.reply("Not JSON at all.");
    assertEquals(502, send(cacheable, null).statusCode());
    upstream.reply("{\"ok\": true}");
    HttpResponse<String> r = send(cacheable, null);
    assertEquals(200, r.statusCode(), r.body());
    assertEquals("{\"ok\": true}", content(r));
    assertEquals("miss", r.headers().firstValue(ChatCompletions.CACHE_HEADER).orElseThrow());
    assertEquals("hit", send(cacheable, null).headers().firstValue(ChatCompletions.CACHE_HEADER).orElseThrow(),
        "a good answer is kept");

    upstream.reply("{\"flagged\": \"yes\"");
    for (int i = 0; i < 2; i++) {
      HttpResponse<String> flagged = send(cacheable, lenient);
      assertEquals("miss", flagged.headers().firstValue(ChatCompletions.CACHE_HEADER).orElseThrow(), "nor is a flagged one");
      assertTrue(flagged.headers().firstValue(ChatCompletions.GUARD_HEADER).isPresent());
    }
  }

  @Test
  void aTenantThatFlagsGetsTheAnswerWithTheGuardHeader() throws Exception {
    upstream.reply("{\"name\": \"Ada Lovelace\"}");
    HttpResponse<String> r = chat("solo", PERSON, false, lenient);
    assertEquals(200, r.statusCode(), r.body());
    assertEquals("{\"name\": \"Ada Lovelace\"}", content(r));
    String header = r.headers().firstValue(ChatCompletions.GUARD_HEADER).orElseThrow();
    assertTrue(header.startsWith("json_output=flag (schema: 1 violation (required))"), header);
    assertEquals("lenient-2", decisions(r).get(0).get("policy_version").asText());

    HttpResponse<String> s = chat("solo", PERSON, true, lenient);
    assertEquals(200, s.statusCode(), s.body());
    assertNull(errorEvent(s.body()), s.body());
    assertTrue(s.body().contains("data: [DONE]"), s.body());
    assertEquals("flag", decisions(s).get(0).get("action").asText(), "a flagged stream is logged (its headers went first)");
  }

  @Test
  void anAnswerThatCallsToolsIsNotHeldToTheJson() throws Exception {
    upstream.reply("Let me look that up.");
    for (boolean stream : new boolean[] {false, true}) {
      ObjectNode body = request("solo", JSON_OBJECT, stream);
      body.putArray("tools").addObject().put("type", "function").putObject("function").put("name", "lookup")
          .putObject("parameters").put("type", "object");
      HttpResponse<String> r = send(body, null);
      assertEquals(200, r.statusCode(), r.body());
      assertTrue(r.body().contains("\"lookup\""), r.body());
      assertNull(stream ? errorEvent(r.body()) : null, r.body());
      assertEquals(List.of(), decisions(r));
    }
  }

  @Test
  void aTenantWithTheCheckOffGetsAnyAnswerAndNothingIsLogged() throws Exception {
    upstream.reply(PROSE);
    HttpResponse<String> r = chat("solo", JSON_OBJECT, false, free);
    assertEquals(200, r.statusCode(), r.body());
    assertEquals(PROSE, content(r));
    assertEquals(List.of(), decisions(r));
  }

  @Test
  void ragwaysOwnModelsRefuseJsonButTakeText() throws Exception {
    for (String model : List.of("rag", "extractive")) {
      HttpResponse<String> r = chat(model, JSON_OBJECT, false, null);
      assertEquals(400, r.statusCode(), r.body());
      assertEquals("response_format", error(r).get("param").asText());
      assertTrue(error(r).get("message").asText().contains("Only the upstream models"), r.body());
      assertEquals(400, chat(model, PERSON, true, null).statusCode());
      assertEquals(200, chat(model, "{\"type\": \"text\"}", false, null).statusCode());
    }
  }

  @Test
  void aMalformedResponseFormatIsA400BeforeAnyUpstreamCall() throws Exception {
    int before = upstream.requests().size();
    HttpResponse<String> r = chat("""
        {"type": "json_schema", "json_schema": {"name": "p", "schema": {"type": "object", "required": "name"}}}""", false);
    assertEquals(400, r.statusCode(), r.body());
    assertEquals("response_format.json_schema.schema", error(r).get("param").asText());
    assertTrue(error(r).get("message").asText().contains("$.required: string found, array expected"), r.body());

    assertEquals("response_format", error(chat("{\"type\": \"yaml\"}", false)).get("param").asText());
    assertEquals("response_format", error(chat("{\"type\": \"json_schema\", \"json_schema\": {\"name\": \"p\"}}", true))
        .get("param").asText());
    assertEquals(before, upstream.requests().size(), "no malformed request reaches the upstream");
  }
}
