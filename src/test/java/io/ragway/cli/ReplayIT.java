package io.ragway.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.ragway.guard.GuardPolicy;
import io.ragway.limit.RateLimiter;
import io.ragway.llm.RetryPolicy;
import io.ragway.llm.Router;
import io.ragway.store.AnswerRecords;
import io.ragway.testkit.Cli;
import io.ragway.testkit.RagwayFixture;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Replay end to end: answers asked over HTTP, recorded by the server, replayed by the CLI against
 * the same data directory (its records database and index) while the server runs.
 */
class ReplayIT {

  private static final ObjectMapper JSON = new ObjectMapper();
  private static final HttpClient HTTP = HttpClient.newHttpClient();

  @TempDir Path tmp;
  private RagwayFixture ragway;
  private String keeps; // a key of tenant "default": it has the corpus, and its content is kept
  private String quiet; // a key of tenant "quiet": its content is not kept

  @BeforeEach
  void start() throws Exception {
    ragway = new RagwayFixture(tmp, new Router(List.of(), RetryPolicy.defaults(), new java.util.Random(1), d -> { }), "",
        true, RateLimiter.Limits.NONE, 0, GuardPolicy.defaults(), Map.of(), "",
        new AnswerRecords.Config(false, Map.of("default", true), 0), Clock.systemUTC());
    keeps = ragway.keys().create("default", "", List.of(), 0, 0).secret();
    quiet = ragway.keys().create("quiet", "", List.of(), 0, 0).secret();
  }

  @AfterEach
  void stop() {
    ragway.close();
  }

  private String ask(String key, String question) throws Exception {
    ObjectNode body = JSON.createObjectNode().put("model", "rag");
    body.putArray("messages").addObject().put("role", "user").put("content", question);
    HttpResponse<String> r = post(key, "/v1/chat/completions", body.toString());
    assertEquals(200, r.statusCode(), r.body());
    assertTrue(ragway.answers().awaitWritten(Duration.ofSeconds(10)));
    return JSON.readTree(r.body()).path("id").asText();
  }

  private HttpResponse<String> post(String key, String path, String body) throws Exception {
    return HTTP.send(HttpRequest.newBuilder(ragway.uri(path)).header("Authorization", "Bearer " + key)
        .header("Content-Type", "application/json").POST(HttpRequest.BodyPublishers.ofString(body)).build(),
        HttpResponse.BodyHandlers.ofString());
  }

  private Cli.Run replay(String... args) {
    List<String> all = new java.util.ArrayList<>(List.of("replay", "--data", tmp.toString(), "--config",
        tmp.resolve("absent.yaml").toString()));
    all.addAll(List.of(args));
    return Cli.run(all.toArray(String[]::new));
  }

  @Test
  void anAnswerIsReplayedExactlyThenShowsWhatAReingestChanged() throws Exception {
    String id = ask(keeps, "When was the lighthouse built?");
    AnswerRecords.Answer record = ragway.answers().find("default", id).orElseThrow();
    JsonNode retrieval = JSON.readTree(record.retrieval());
    // k is 5; the tiny corpus has 4 chunks, all returned and all kept
    assertEquals(4, retrieval.path("retrieved").size(), "every retrieved chunk is kept: " + retrieval);
    assertEquals(4, retrieval.at("/steps/fused").size(), retrieval.toString());
    assertEquals(List.of("bm25", "dense", "fused"), fieldNames(retrieval.path("steps")));
    assertEquals(16, retrieval.at("/retrieved/0/text_sha").asText().length());
    assertEquals("default", retrieval.at("/filter/tenant").asText());
    assertEquals(100, retrieval.at("/settings/candidates").asInt());
    assertEquals("", retrieval.path("prompt_version").asText("absent"), "the extractive answerer has no prompt");
    assertFalse(retrieval.path("chunks").isEmpty(), "the cited chunks are still there");

    Cli.Run same = replay(id, "--json");
    assertEquals(0, same.code(), same.toString());
    JsonNode diff = JSON.readTree(same.out());
    assertTrue(diff.path("reproduced").asBoolean(), same.out());
    assertTrue(diff.at("/answer/identical").asBoolean(), same.out());
    assertEquals(record.answer().orElseThrow(), diff.at("/answer/now").asText());
    assertEquals(4, diff.at("/retrieved/kept").asInt(), same.out());
    assertEquals(record.indexGeneration(), diff.at("/now/index_generation").asLong());
    assertTrue(diff.at("/latency_ms/stages/search/now").isNumber(), same.out());

    ragway.addDocument("lighthouse.md", """
        # Harbour guide

        ## The lighthouse

        The new lighthouse was rebuilt in 1990 by the coast guard. Its lamp is electric and can be seen from thirty miles away.
        """);
    Cli.Run changed = replay(requestIdOf(id));
    assertEquals(0, changed.code(), changed.toString());
    assertTrue(changed.out().contains("answer: changed"), changed.out());
    assertTrue(changed.out().contains("generation " + record.indexGeneration() + " -> "), changed.out());
    assertTrue(changed.out().contains("text changed") || changed.out().contains(" added,"), changed.out());
    assertTrue(changed.out().contains("1990"), changed.out());
  }

  @Test
  void anAnswerWithoutItsQuestionAnUnknownIdAndAnotherTenantsIdAreRefused() throws Exception {
    String kept = ask(keeps, "When was the lighthouse built?");
    String notKept = ask(quiet, "When does the bakery open?");

    Cli.Run noQuestion = replay(notKept, "--tenant", "quiet");
    assertEquals(2, noQuestion.code(), noQuestion.toString());
    assertTrue(noQuestion.err().contains("without its question") && noQuestion.err().contains("records.content"),
        noQuestion.err());

    Cli.Run foreign = replay(kept, "--tenant", "quiet");
    assertEquals(2, foreign.code(), foreign.toString());
    assertTrue(foreign.err().contains("no answer '" + kept + "' of tenant quiet"), foreign.err());
    Cli.Run unknown = replay("chatcmpl-nothing");
    assertEquals(2, unknown.code(), unknown.toString());
    assertTrue(unknown.err().contains("no answer 'chatcmpl-nothing' of tenant default"), unknown.err());
    assertEquals(1, unknown.err().lines().filter(l -> l.startsWith("ragway:")).count(), unknown.err());

    Cli.Run badWith = replay(kept, "--with", "yesterday");
    assertEquals(2, badWith.code(), badWith.toString());
    assertTrue(badWith.err().contains("--with must be recorded or current"), badWith.err());
  }

  @Test
  void askRateExportEvaluateAndReplayInOneChain() throws Exception {
    String id = ask(keeps, "When was the lighthouse built?");
    HttpResponse<String> rated = post(keeps, "/v1/feedback", JSON.createObjectNode().put("id", id).put("rating", "down")
        .put("correction", "The old lighthouse was built in 1872 by the harbour board.").toString());
    assertEquals(201, rated.statusCode(), rated.body());

    Path out = tmp.resolve("eval.jsonl");
    Cli.Run export = Cli.run("feedback", "export", "--data", tmp.toString(), "--config", tmp.resolve("absent.yaml").toString(),
        "--tenant", "default", "--format", "eval", out.toString());
    assertEquals(0, export.code(), export.toString());
    assertTrue(export.out().contains("1 rows written"), export.out());
    JsonNode row = JSON.readTree(java.nio.file.Files.readAllLines(out).getFirst());
    AnswerRecords.Answer record = ragway.answers().find("default", id).orElseThrow();
    JsonNode retrieved = JSON.readTree(record.retrieval()).path("retrieved");
    assertEquals(retrieved.size(), row.path("contexts").size(), "every retrieved chunk's text, best first: " + row);
    assertTrue(row.at("/contexts/0").asText().contains("1872"), row.toString());

    // contexts in every row: eval answers needs no index and no --docs
    Path empty = java.nio.file.Files.createDirectories(tmp.resolve("elsewhere"));
    Cli.Run eval = Cli.run("eval", "answers", "--dataset", out.toString(), "--data", empty.toString(), "--config",
        tmp.resolve("absent.yaml").toString(), "--json");
    assertEquals(0, eval.code(), eval.toString());
    JsonNode summary = JSON.readTree(eval.out());
    assertEquals(1, summary.at("/reading/recorded").asInt(), eval.out());
    assertTrue(summary.at("/metrics/context_recall").isNumber(), "scored on the exported contexts: " + eval.out());
    assertTrue(summary.at("/metrics/context_precision").isNumber(), eval.out());

    Cli.Run replayed = replay(id);
    assertEquals(0, replayed.code(), replayed.toString());
    assertTrue(replayed.out().contains("answer: identical"), replayed.out());
    assertTrue(replayed.out().contains("retrieved: 4 then, 4 now: same chunks, same ranks"), replayed.out());
  }

  @Test
  void aStreamedAnswerIsReplayedExactlyToo() throws Exception {
    ObjectNode body = JSON.createObjectNode().put("model", "rag").put("stream", true);
    body.putArray("messages").addObject().put("role", "user").put("content", "When does the bakery open?");
    HttpResponse<String> r = post(keeps, "/v1/chat/completions", body.toString());
    assertEquals(200, r.statusCode(), r.body());
    assertTrue(ragway.answers().awaitWritten(Duration.ofSeconds(10)));
    String id = "chatcmpl-" + r.headers().firstValue("x-request-id").orElseThrow();
    assertTrue(ragway.answers().find("default", id).orElseThrow().stream());

    Cli.Run run = replay(id, "--json");

    assertEquals(0, run.code(), run.toString());
    JsonNode diff = JSON.readTree(run.out());
    assertTrue(diff.path("reproduced").asBoolean(), run.out());
    assertTrue(diff.at("/answer/now").asText().contains("six"), run.out());
  }

  private static String requestIdOf(String id) {
    return id.substring(AnswerRecords.ID_PREFIX.length());
  }

  private static List<String> fieldNames(JsonNode n) {
    List<String> out = new java.util.ArrayList<>();
    n.fieldNames().forEachRemaining(out::add);
    return out;
  }
}
