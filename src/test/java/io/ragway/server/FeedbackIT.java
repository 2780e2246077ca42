package io.ragway.server;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.ragway.guard.GuardPolicy;
import io.ragway.limit.RateLimiter;
import io.ragway.llm.RetryPolicy;
import io.ragway.llm.UpstreamConfig;
import io.ragway.store.AnswerRecords;
import io.ragway.testkit.FakeOpenAi;
import io.ragway.testkit.RagwayFixture;
import io.ragway.testkit.TestRouters;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneId;
import java.time.ZoneOffset;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Feedback over HTTP: every response's id, answer records (what answered, with what, from which
 * chunks; content only where kept, redacted), rating an answer of one's own tenant only, bad input,
 * feedback right after a streamed answer, and the content's retention.
 */
class FeedbackIT {

  private static final ObjectMapper JSON = new ObjectMapper();
  private static final HttpClient HTTP = HttpClient.newHttpClient();

  /** The retention's clock: runs as time does, and is moved ahead by hand. */
  static final class MovingClock extends Clock {
    private volatile Duration ahead = Duration.ZERO;

    void advance(Duration d) {
      ahead = ahead.plus(d);
    }

    @Override
    public ZoneId getZone() {
      return ZoneOffset.UTC;
    }

    @Override
    public Clock withZone(ZoneId zone) {
      return this;
    }

    @Override
    public Instant instant() {
      return Instant.now().plus(ahead);
    }
  }

  @TempDir Path tmp;
  private final MovingClock clock = new MovingClock();
  private FakeOpenAi upstream;
  private RagwayFixture ragway;
  private String acme; // a key of tenant "default", which has the corpus and keeps content
  private String beta;

  @BeforeEach
  void start() throws Exception {
    upstream = new FakeOpenAi("up");
    ragway = new RagwayFixture(tmp, TestRouters.withoutBreaker(List.of(new UpstreamConfig("gpt", upstream.baseUrl(), "",
        "up-gpt", 8192, 0, 0, List.of(), Duration.ofSeconds(1), Duration.ofSeconds(2), Duration.ofSeconds(5))),
        new RetryPolicy(1, Duration.ZERO, Duration.ZERO, Duration.ofSeconds(5))), "", true, RateLimiter.Limits.NONE, 0,
        GuardPolicy.defaults(), Map.of(), "metrics-token", new AnswerRecords.Config(false, Map.of("default", true), 30), clock);
    acme = ragway.keys().create("default", "", List.of(), 0, 0).secret();
    beta = ragway.keys().create("beta", "", List.of(), 0, 0).secret();
  }

  @AfterEach
  void stop() {
    ragway.close();
    upstream.close();
  }

  private HttpResponse<String> ask(String key, String model, String question, boolean stream) throws Exception {
    ObjectNode body = JSON.createObjectNode().put("model", model).put("stream", stream).put("temperature", 0.3);
    body.putArray("messages").addObject().put("role", "user").put("content", question);
    return post(key, "/v1/chat/completions", body.toString());
  }

  private HttpResponse<String> post(String key, String path, String body) throws Exception {
    return HTTP.send(HttpRequest.newBuilder(ragway.uri(path)).header("Authorization", "Bearer " + key)
        .header("Content-Type", "application/json").POST(HttpRequest.BodyPublishers.ofString(body)).build(),
        HttpResponse.BodyHandlers.ofString());
  }

  private HttpResponse<String> get(String key, String path) throws Exception {
    return HTTP.send(HttpRequest.newBuilder(ragway.uri(path)).header("Authorization", "Bearer " + key).GET().build(),
        HttpResponse.BodyHandlers.ofString());
  }

  private HttpResponse<String> rate(String key, ObjectNode feedback) throws Exception {
    return post(key, "/v1/feedback", feedback.toString());
  }

  private static ObjectNode feedback(String id, Object rating) {
    ObjectNode f = JSON.createObjectNode().put("id", id);
    if (rating instanceof Integer i) {
      f.put("rating", i);
    } else {
      f.put("rating", (String) rating);
    }
    return f;
  }

  private static String requestId(HttpResponse<String> r) {
    return r.headers().firstValue("x-request-id").orElseThrow(() -> new AssertionError("no x-request-id: " + r.headers()));
  }

  /** Every {@code id} of a JSON completion or of a stream's chunks. */
  private static List<String> ids(String body) throws Exception {
    if (!body.startsWith("data:")) {
      return List.of(JSON.readTree(body).path("id").asText());
    }
    return body.lines().filter(l -> l.startsWith("data: {")).map(l -> {
      try {
        return JSON.readTree(l.substring(6)).path("id").asText();
      } catch (Exception e) {
        throw new AssertionError(e);
      }
    }).toList();
  }

  private static void assertError(HttpResponse<String> r, int status, String code, String param) throws Exception {
    assertEquals(status, r.statusCode(), r.body());
    JsonNode e = JSON.readTree(r.body()).path("error");
    assertEquals("invalid_request_error", e.path("type").asText(), r.body());
    assertTrue(e.path("message").asText().length() > 10, r.body());
    assertEquals(param, e.path("param").isNull() ? null : e.path("param").asText(), r.body());
    if (code != null) {
      assertEquals(code, e.path("code").asText(), r.body());
    }
  }

  @Test
  void everyResponseCarriesItsRequestIdAndEveryCompletionItsId() throws Exception {
    for (String model : List.of("rag", "gpt")) {
      for (boolean stream : List.of(false, true)) {
        HttpResponse<String> r = ask(acme, model, "When was the lighthouse built? " + model + stream, stream);
        assertEquals(200, r.statusCode(), r.body());
        List<String> ids = ids(r.body());
        assertFalse(ids.isEmpty());
        for (String id : ids) {
          assertEquals("chatcmpl-" + requestId(r), id, model + " stream=" + stream + ": " + r.body());
        }
      }
    }
    assertTrue(get(acme, "/v1/nothing-here").headers().firstValue("x-request-id").isPresent(), "a 404 has one too");
    assertTrue(get("wrong", "/v1/models").headers().firstValue("x-request-id").isPresent(), "a 401 has one too");
    assertTrue(get(acme, "/healthz").headers().firstValue("x-request-id").isPresent());
    assertTrue(get(acme, "/").headers().firstValue("x-request-id").isPresent(), "the web UI's page has one too");
  }

  @Test
  void anAnswerIsRatedByItsTenantAndNoOtherAndTheRatingCounted() throws Exception {
    HttpResponse<String> answer = ask(acme, "rag", "When was the lighthouse built?", false);
    String id = JSON.readTree(answer.body()).path("id").asText();
    HttpResponse<String> r = rate(acme, feedback(id, "down").put("comment", "too short")
        .put("correction", "It was built in 1872 by the harbour board."));
    assertEquals(201, r.statusCode(), r.body());
    JsonNode stored = JSON.readTree(r.body());
    assertEquals("feedback", stored.path("object").asText());
    assertEquals(id, stored.path("answer_id").asText());
    assertEquals("down", stored.path("rating").asText());
    assertEquals("It was built in 1872 by the harbour board.", stored.path("correction").asText());
    assertEquals(201, rate(acme, feedback(requestId(answer), 4)).statusCode(), "the request id names the answer too");

    JsonNode listed = JSON.readTree(get(acme, "/v1/feedback?id=" + id).body());
    assertEquals(2, listed.path("data").size(), listed.toString());
    assertEquals(4, listed.path("data").get(1).path("rating").asInt(), "several ratings are kept, oldest first");

    HttpResponse<String> foreign = rate(beta, feedback(id, "up"));
    assertError(foreign, 404, "answer_not_found", "id");
    HttpResponse<String> unknown = rate(beta, feedback("chatcmpl-0000", "up"));
    assertError(unknown, 404, "answer_not_found", "id");
    assertEquals(JSON.readTree(foreign.body()).at("/error/message").asText().replace(id, "X"),
        JSON.readTree(unknown.body()).at("/error/message").asText().replace("chatcmpl-0000", "X"),
        "another tenant's answer reads as unknown");
    assertError(get(beta, "/v1/feedback?id=" + id), 404, "answer_not_found", "id");
    assertEquals(2, ragway.answers().feedback("default", id).size(), "the other tenant changed nothing");

    String metrics = HTTP.send(HttpRequest.newBuilder(ragway.uri("/metrics")).header("Authorization", "Bearer metrics-token")
        .GET().build(), HttpResponse.BodyHandlers.ofString()).body();
    // by the answer's model, prompt version (none: the extractive answerer) and rollout arm (none outside rollouts)
    String labels = "arm=\"none\",model=\"rag\",prompt_version=\"none\"";
    assertTrue(metrics.contains("ragway_feedback_total{" + labels + ",rating=\"down\"} 1.0"), metrics);
    assertTrue(metrics.contains("ragway_feedback_total{" + labels + ",rating=\"4\"} 1.0"), metrics);
    assertTrue(metrics.contains("ragway_feedback_corrections_total{" + labels + "} 1.0"), metrics);
    assertTrue(metrics.contains("ragway_answers_total{abstained=\"false\"," + labels + "} 1.0"), metrics);
  }

  @Test
  void ratedAnswersServedOverHttpExportAsPreferenceRowsOfTheirTenantOnly() throws Exception {
    String id = JSON.readTree(ask(acme, "rag", "When was the lighthouse built?", false).body()).path("id").asText();
    String other = JSON.readTree(ask(beta, "rag", "When was the lighthouse built?", false).body()).path("id").asText();
    assertEquals(201, rate(acme, feedback(id, "down").put("correction", "It was built in 1872.")).statusCode());
    assertEquals(201, rate(beta, feedback(other, "down").put("correction", "Beta's correction.")).statusCode());
    assertTrue(ragway.answers().awaitWritten(Duration.ofSeconds(10)));
    assertEquals(List.of("default"), ragway.answers().ratedTenants(), "beta keeps no content: nothing of it to export");
    var out = new java.io.StringWriter();
    io.ragway.feedback.FeedbackExport.Summary s = io.ragway.feedback.FeedbackExport.write(
        ragway.answers().rated("default", java.time.Instant.EPOCH),
        new io.ragway.feedback.FeedbackExport.Options(io.ragway.feedback.FeedbackExport.Format.DPO, 1, 16_385, Optional.empty()), out);
    assertEquals(1, s.written(), s.toString());
    JsonNode row = JSON.readTree(out.toString().strip());
    assertEquals("When was the lighthouse built?", row.at("/input/messages/0/content").asText());
    assertEquals("It was built in 1872.", row.at("/preferred_output/0/content").asText());
    assertFalse(row.at("/non_preferred_output/0/content").asText().isBlank(), row.toString());
    assertFalse(out.toString().contains("Beta"), out.toString());
  }

  @Test
  void badFeedbackIsRefusedInOpenAisShapeAndNothingIsStored() throws Exception {
    String id = JSON.readTree(ask(acme, "rag", "When was the lighthouse built?", false).body()).path("id").asText();
    assertEquals(201, rate(acme, feedback(id, "up")).statusCode());
    assertError(rate(acme, feedback(id, 0)), 400, null, "rating");
    assertError(rate(acme, feedback(id, 6)), 400, null, "rating");
    assertError(rate(acme, feedback(id, "meh")), 400, null, "rating");
    assertError(rate(acme, JSON.createObjectNode().put("id", id)), 400, null, "rating");
    assertError(rate(acme, JSON.createObjectNode().put("rating", "up")), 400, null, "id");
    assertError(rate(acme, feedback(id, "up").put("comment", "x".repeat(4001))), 400, null, "comment");
    assertError(rate(acme, feedback(id, "up").put("correction", "x".repeat(16_001))), 400, null, "correction");
    ObjectNode badTags = feedback(id, "up");
    badTags.putArray("tags").add(1);
    assertError(rate(acme, badTags), 400, null, "tags");
    assertError(post(acme, "/v1/feedback", "{not json"), 400, null, null);
    assertError(get(acme, "/v1/feedback"), 400, null, "id");
    assertEquals(201, rate(acme, feedback(id, "up").put("comment", "x".repeat(4000))).statusCode(), "the limit itself is fine");
    assertEquals(2, ragway.answers().feedback("default", id).size(), "the refused ones were not stored, the first was kept");
  }

  @Test
  void feedbackRightAfterAStreamedAnswerIsStored() throws Exception {
    for (String model : List.of("rag", "gpt")) {
      HttpResponse<String> answer = ask(acme, model, "How far can the lamp be seen? " + model, true);
      assertEquals(200, answer.statusCode(), answer.body());
      HttpResponse<String> r = rate(acme, feedback(ids(answer.body()).get(0), "down").put("correction", "twenty miles"));
      assertEquals(201, r.statusCode(), model + ": " + r.body());
    }
    assertTrue(ragway.answers().awaitWritten(Duration.ofSeconds(10)));
    try (var c = ragway.records().dataSource().getConnection(); var s = c.createStatement();
        var rows = s.executeQuery("SELECT COUNT(*) FROM feedback f JOIN answer_records a ON a.id = f.answer_id "
            + "WHERE f.correction = 'twenty miles'")) {
      rows.next();
      assertEquals(2, rows.getInt(1), "both feedback rows and both answer records are in the database");
    }
  }

  @Test
  void anAnswerRecordSaysWhatAnsweredAndKeepsContentOnlyWhereConfiguredRedacted() throws Exception {
    HttpResponse<String> up = ask(acme, "gpt", "Mail ann@example.com about the tides", false);
    HttpResponse<String> rag = ask(acme, "rag", "When was the lighthouse built?", false);
    HttpResponse<String> other = ask(beta, "rag", "When was the lighthouse built? Ask bob@example.com", true);
    assertTrue(ragway.answers().awaitWritten(Duration.ofSeconds(10)));

    AnswerRecords.Answer u = ragway.answers().find("default", requestId(up)).orElseThrow();
    assertEquals("gpt", u.model());
    assertEquals("up-gpt", u.upstreamModel());
    assertEquals("fp_up", u.systemFingerprint());
    assertEquals(0.3, JSON.readTree(u.parameters()).path("temperature").asDouble());
    assertEquals("{}", u.retrieval());
    assertEquals("default-1", u.guardPolicy());
    assertEquals(Optional.of("Mail [EMAIL_ADDRESS] about the tides"), u.question());
    assertTrue(u.answer().isPresent());

    AnswerRecords.Answer r = ragway.answers().find("default", requestId(rag)).orElseThrow();
    JsonNode retrieval = JSON.readTree(r.retrieval());
    assertEquals("hybrid", retrieval.path("mode").asText());
    assertEquals(5, retrieval.path("k").asInt());
    assertTrue(retrieval.path("chunks").size() >= 1, r.retrieval() + " " + rag.body());
    assertTrue(retrieval.path("chunks").get(0).path("id").asText().length() > 5, r.retrieval());
    assertTrue(retrieval.path("chunks").get(0).has("rank") && retrieval.path("chunks").get(0).has("score"));
    assertEquals(ragway.embeddingModel(), r.embeddingModel());
    assertTrue(r.indexGeneration() >= 0);
    assertTrue(r.latencyMs() >= 0);
    assertEquals("", r.upstreamModel());
    assertTrue(r.answer().orElseThrow().contains("1872"), r.answer().toString());

    AnswerRecords.Answer o = ragway.answers().find("beta", requestId(other)).orElseThrow();
    assertTrue(o.stream());
    assertEquals(Optional.empty(), o.question(), "beta's content is not kept");
    assertEquals(Optional.empty(), o.answer());
    assertTrue(ragway.answers().find("default", requestId(other)).isEmpty());
  }

  @Test
  void contentIsPurgedAfterTheRetentionAndTheRecordAndItsFeedbackStay() throws Exception {
    String id = JSON.readTree(ask(acme, "rag", "When was the lighthouse built?", false).body()).path("id").asText();
    assertEquals(201, rate(acme, feedback(id, "up")).statusCode());
    assertTrue(ragway.answers().awaitWritten(Duration.ofSeconds(10)));
    assertEquals(0, ragway.answers().purge());
    assertTrue(ragway.answers().find("default", id).orElseThrow().question().isPresent());
    clock.advance(Duration.ofDays(31));
    assertEquals(1, ragway.answers().purge());
    AnswerRecords.Answer after = ragway.answers().find("default", id).orElseThrow();
    assertEquals(Optional.empty(), after.question());
    assertEquals(Optional.empty(), after.answer());
    assertEquals(201, rate(acme, feedback(id, 2)).statusCode(), "a purged answer can still be rated");
    assertEquals(2, ragway.answers().feedback("default", id).size());
  }
  @Test
  void feedbackTheDatabaseCannotTakeIsA503AndSaysSo() throws Exception {
    String id = JSON.readTree(ask(acme, "rag", "When was the lighthouse built?", false).body()).path("id").asText();
    assertTrue(ragway.answers().awaitWritten(Duration.ofSeconds(10)));
    ragway.records().close(); // the records database goes away
    HttpResponse<String> r = rate(acme, feedback(id, "up"));
    assertEquals(503, r.statusCode(), r.body());
    JsonNode e = JSON.readTree(r.body()).path("error");
    assertEquals("records_unavailable", e.path("code").asText(), r.body());
    assertTrue(e.path("message").asText().startsWith("The feedback cannot be stored right now"), r.body());
  }
}
