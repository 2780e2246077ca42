package io.ragway.eval;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.ragway.store.AnswerRecords;
import io.ragway.store.Database;
import io.ragway.testkit.FakeClock;
import io.ragway.testkit.FeedbackRecords;
import io.ragway.testkit.HashingEmbedder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class DriftEvaluationTest {

  private static final ObjectMapper JSON = new ObjectMapper();
  @TempDir Path dir;
  private final FakeClock clock = new FakeClock();
  private final HashingEmbedder embedder = new HashingEmbedder();

  private DriftEvaluation evaluation(java.util.function.Function<Instant, Path> set, AnswerEvaluation.Generator generator) {
    return new DriftEvaluation(dir.resolve("evals"), set, generator, q -> List.of("The lighthouse was built in 1872."),
        embedder, Judge.embeddings(embedder, 0.8), 0, clock);
  }

  @Test
  void aDriftAlertRunsTheEvaluationInTheBackgroundAndWritesItsReport() throws Exception {
    Path set = Files.writeString(dir.resolve("set.jsonl"), """
        {"id":"a","question":"When was the lighthouse built?","answer":"In 1870.","ground_truth":"It was built in 1872."}
        {"id":"b","question":"Who built it?","answer":"Nobody knows.","ground_truth":"The harbour board built it."}
        """);
    DriftEvaluation runs = evaluation(DriftEvaluation.file(set), q -> new AnswerEvaluation.Generated(
        q.startsWith("When") ? "It was built in 1872." : "The harbour board.", List.of("The lighthouse was built in 1872."),
        false));
    CompletableFuture<DriftEvaluation.Run> run = runs.start(JSON.readTree("{\"model\":\"rag\",\"kind\":\"psi\"}")).orElseThrow();
    DriftEvaluation.Run done = run.get(60, TimeUnit.SECONDS);
    assertEquals(dir.resolve("evals/drift-rag-20261201T100000Z.json"), done.results());
    assertTrue(Files.readString(done.report()).contains("<html"), "an HTML report too");
    JsonNode results = JSON.readTree(done.results().toFile());
    assertEquals(2, results.path("results").size(), results.toString());
    assertEquals(2, done.summary().path("questions").asInt(), done.summary().toString());
    assertEquals(0.5, done.summary().at("/metrics/exact_match").asDouble(), "answered again (one exactly) and scored: "
        + done.summary());
    assertTrue(done.summary().toString().contains("drift of rag (psi)"), done.summary().toString());
  }

  @Test
  void anAlertDuringARunStartsNone() throws Exception {
    Path set = Files.writeString(dir.resolve("set.jsonl"),
        "{\"question\":\"When was the lighthouse built?\",\"answer\":\"1870\",\"ground_truth\":\"1872\"}\n");
    CountDownLatch release = new CountDownLatch(1);
    DriftEvaluation runs = evaluation(DriftEvaluation.file(set), q -> {
      try {
        release.await(30, TimeUnit.SECONDS);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
      return new AnswerEvaluation.Generated("1872", List.of(), false);
    });
    CompletableFuture<DriftEvaluation.Run> first = runs.start("rag", "psi").orElseThrow();
    assertEquals(Optional.empty(), runs.start("rag", "abstention"));
    release.countDown();
    first.get(60, TimeUnit.SECONDS);
    clock.advance(java.time.Duration.ofMinutes(1));
    Optional<CompletableFuture<DriftEvaluation.Run>> next = runs.start("rag", "psi");
    assertTrue(next.isPresent(), "once it is done, the next alert starts one");
    awaitEnd(next.get());
  }

  @Test
  void theLatestExportIsTheRatedAnswersWithACorrectionExportedThen() throws Exception {
    Instant t0 = Instant.parse("2026-12-01T09:00:00Z");
    try (Database db = Database.open("", "", "", 2, dir);
        AnswerRecords records = AnswerRecords.sql(db, new AnswerRecords.Config(true, Map.of("quiet", false), 0),
            s -> s, Clock.fixed(t0, ZoneOffset.UTC), 100)) {
      FeedbackRecords.fill(records, t0);
      Path out = DriftEvaluation.latestExport(records, dir.resolve("evals")).apply(clock.instant());
      assertEquals("drift-20261201T100000Z.dataset.jsonl", out.getFileName().toString());
      List<String> rows = Files.readAllLines(out);
      assertTrue(rows.size() >= 2, "acme's and globex's corrected answers: " + rows);
      assertTrue(rows.stream().allMatch(r -> r.contains("\"ground_truth\"")), rows.toString());
      AnswerDataset read = AnswerDataset.read(out, true, 0);
      assertEquals(rows.size(), read.rows().size());
    }
    try (Database db = Database.open("", "", "", 2, dir.resolve("empty"));
        AnswerRecords none = AnswerRecords.sql(db, AnswerRecords.Config.defaults(), s -> s, clock, 10)) {
      var e = assertThrows(IllegalStateException.class,
          () -> DriftEvaluation.latestExport(none, dir.resolve("evals2")).apply(clock.instant()));
      assertTrue(e.getMessage().contains("no rated answer"), e.getMessage());
    }
  }

  @Test
  void aRunWithoutItsDatasetFailsAndSaysWhy() throws Exception {
    DriftEvaluation runs = evaluation(DriftEvaluation.file(dir.resolve("missing.jsonl")),
        q -> new AnswerEvaluation.Generated("", List.of(), true));
    CompletableFuture<DriftEvaluation.Run> run = runs.start("rag", "psi").orElseThrow();
    assertThrows(ExecutionException.class, () -> run.get(30, TimeUnit.SECONDS));
    Optional<CompletableFuture<DriftEvaluation.Run>> next = runs.start("rag", "psi");
    assertTrue(next.isPresent(), "a failed run frees the slot");
    awaitEnd(next.get());
  }

  /* A run still writing into the test's folder when the test ends would fail its deletion. */
  private static void awaitEnd(CompletableFuture<DriftEvaluation.Run> run) throws Exception {
    run.handle((done, failed) -> null).get(60, TimeUnit.SECONDS);
  }
}
