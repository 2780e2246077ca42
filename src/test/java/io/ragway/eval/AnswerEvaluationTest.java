package io.ragway.eval;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.ragway.eval.AnswerDataset.AnswerRow;
import io.ragway.eval.AnswerDataset.Kind;
import io.ragway.llm.ChatModels;
import io.ragway.testkit.HashingEmbedder;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;

class AnswerEvaluationTest {

  private static final double EPS = 1e-6;
  private static final String BRAZIL = "Brazil is the largest producer of coffee in the world.";

  private final List<String> retrieved = new ArrayList<>();
  private final AtomicLong clock = new AtomicLong();

  private AnswerEvaluation evaluation(AnswerEvaluation.Generator generator) {
    HashingEmbedder embedder = new HashingEmbedder();
    return new AnswerEvaluation(generator, q -> {
      retrieved.add(q);
      return List.of("retrieved for " + q);
    }, embedder, Judge.embeddings(embedder, 0.8), clock::get);
  }

  /** A generator whose answers take 10, 20, 30 ... ms on the fake clock. */
  private AnswerEvaluation.Generator timed(Map<String, AnswerEvaluation.Generated> answers) {
    long[] step = {0};
    return q -> {
      step[0] += 10;
      clock.addAndGet(step[0] * 1_000_000);
      return answers.get(q);
    };
  }

  @Test
  void scoresGeneratedAnswersAgainstTheReferenceWithoutCitationMarkers() {
    var gen = timed(Map.of("Who grows most coffee?", new AnswerEvaluation.Generated(BRAZIL + " [1]", List.of(BRAZIL), false)));
    var row = new AnswerRow(1, "q1", "Who grows most coffee?", "Brazil", Optional.empty(), List.of(), Kind.ANSWER_AS_REFERENCE);
    var r = evaluation(gen).run(List.of(row), n -> { }).get(0);
    assertEquals(BRAZIL, r.answer());
    assertEquals(TextMetrics.f1(BRAZIL, "Brazil"), r.scores().get(AnswerEvaluation.F1), EPS);
    assertEquals(2.0 / 9, r.scores().get(AnswerEvaluation.F1), EPS); // brazil of 8 words (two "the" dropped): P 1/8, R 1
    assertEquals(TextMetrics.rougeL(BRAZIL, "Brazil"), r.scores().get(AnswerEvaluation.ROUGE_L), EPS);
    assertEquals(TextMetrics.bleu(BRAZIL, "Brazil"), r.scores().get(AnswerEvaluation.BLEU), EPS);
    assertEquals(1, r.scores().get(Judge.FAITHFULNESS), EPS); // the answer is its context
    assertEquals(List.of(BRAZIL), r.contexts());
    assertEquals(10, r.latencyMs().getAsDouble(), EPS);
    assertTrue(retrieved.isEmpty(), "a generated answer brings its own contexts");
    assertTrue(r.scores().keySet().containsAll(AnswerEvaluation.METRICS), r.scores().keySet().toString());
  }

  @Test
  void aRecordedAnswerIsScoredAsItIsWithItsContextsOrRetrievedOnes() {
    AnswerEvaluation.Generator none = q -> {
      throw new AssertionError("recorded answers are not generated again");
    };
    var withContexts = new AnswerRow(1, "a", "Who grows most coffee?", "Brazil", Optional.of("Brazil."), List.of(BRAZIL), Kind.RECORDED);
    var without = new AnswerRow(2, "b", "Who grows tea?", "China", Optional.of("China."), List.of(), Kind.RECORDED);
    var results = evaluation(none).run(List.of(withContexts, without), n -> { });
    assertEquals(1, results.get(0).scores().get(AnswerEvaluation.EXACT_MATCH), EPS);
    assertEquals(List.of(BRAZIL), results.get(0).contexts());
    assertEquals(List.of("retrieved for Who grows tea?"), results.get(1).contexts());
    assertEquals(List.of("Who grows tea?"), retrieved);
    assertFalse(results.get(0).latencyMs().isPresent());
  }

  @Test
  void anAbstentionScoresZeroAgainstTheReferenceAndIsCounted() {
    var gen = timed(Map.of(
        "q1?", new AnswerEvaluation.Generated(ChatModels.ABSTENTION, List.of("something"), true),
        "q2?", new AnswerEvaluation.Generated("Brazil.", List.of(BRAZIL), false),
        "q3?", new AnswerEvaluation.Generated("Brazil.", List.of(BRAZIL), false)));
    List<AnswerRow> rows = List.of(
        new AnswerRow(1, "1", "q1?", "Brazil", Optional.empty(), List.of(), Kind.ANSWER_AS_REFERENCE),
        new AnswerRow(2, "2", "q2?", "Brazil", Optional.empty(), List.of(), Kind.ANSWER_AS_REFERENCE),
        new AnswerRow(3, "3", "q3?", "Brazil", Optional.empty(), List.of(), Kind.ANSWER_AS_REFERENCE),
        new AnswerRow(4, "4", "q4?", "Brazil", Optional.of(ChatModels.ABSTENTION), List.of(BRAZIL), Kind.RECORDED));
    var results = evaluation(gen).run(rows, n -> { });
    var abstained = results.get(0);
    for (String m : List.of(AnswerEvaluation.EXACT_MATCH, AnswerEvaluation.F1, AnswerEvaluation.ROUGE_L,
        AnswerEvaluation.BLEU, AnswerEvaluation.EMBEDDING_SIMILARITY, Judge.ANSWER_RELEVANCY)) {
      assertEquals(0, abstained.scores().get(m), EPS, m);
    }
    assertTrue(results.get(3).abstained(), "a recorded answer that starts with the abstention abstains");

    AnswerReport report = new AnswerReport(Map.of(), new AnswerDataset.Reading(1, 0, 3), results);
    assertEquals(0.5, report.abstentionRate(), EPS);
    assertEquals(0.5, report.means().get(AnswerEvaluation.EXACT_MATCH), EPS); // 0, 1, 1, 0
    assertEquals(2, report.counts().get(Judge.FAITHFULNESS)); // abstentions claim nothing
    LatencyStats l = report.latency();
    assertEquals(3, l.count());
    assertEquals(20, l.p50Ms(), EPS);
    assertEquals(30, l.p99Ms(), EPS);
    var json = report.summaryJson();
    assertEquals(0.5, json.get("metrics").get("exact_match").asDouble(), EPS);
    assertEquals(2, json.get("abstentions").asInt());
    assertEquals(4, report.resultsJson().get("results").size());
  }
}
