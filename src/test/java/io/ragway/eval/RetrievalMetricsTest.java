package io.ragway.eval;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class RetrievalMetricsTest {

  private static final double EPS = 1e-9;

  @Test
  void ndcgUsesGradedGainsAndLogDiscount() {
    // ranked: x(0) a(2) y(0) b(1); DCG = 2/log2(3) + 1/log2(5) = 1.261860 + 0.430677 = 1.692537
    // ideal:  a(2) b(1);          IDCG = 2/log2(2) + 1/log2(3) = 2 + 0.630930 = 2.630930
    double expected = (2 / log2(3) + 1 / log2(5)) / (2 + 1 / log2(3));
    assertEquals(expected, RetrievalMetrics.ndcg(List.of("x", "a", "y", "b"), Map.of("a", 2, "b", 1), 10), EPS);
    assertEquals(0.6433, RetrievalMetrics.ndcg(List.of("x", "a", "y", "b"), Map.of("a", 2, "b", 1), 10), 1e-4);
  }

  @Test
  void ndcgIsOneForThePerfectRankingAndCutsAtK() {
    assertEquals(1.0, RetrievalMetrics.ndcg(List.of("a", "b", "c"), Map.of("a", 1, "b", 1), 10), EPS);
    assertEquals(0.0, RetrievalMetrics.ndcg(List.of("x", "a"), Map.of("a", 1), 1), EPS);
  }

  @Test
  void recallAndMrr() {
    Map<String, Integer> rels = Map.of("a", 1, "b", 1, "c", 1, "z", 0);
    assertEquals(2.0 / 3, RetrievalMetrics.recall(List.of("a", "x", "c", "z"), rels, 100), EPS);
    assertEquals(1.0 / 3, RetrievalMetrics.recall(List.of("a", "x", "c"), rels, 2), EPS);
    assertEquals(0.5, RetrievalMetrics.mrr(List.of("x", "b"), rels, 10), EPS);
    assertEquals(0.0, RetrievalMetrics.mrr(List.of("x", "b"), rels, 1), EPS);
  }

  @Test
  void duplicatesCountOnceAndNoRelevantMeansZero() {
    // "a" repeated must not count twice, and must not push "b" out of the top 2
    assertEquals(1.0, RetrievalMetrics.recall(List.of("a", "a", "b"), Map.of("a", 1, "b", 1), 2), EPS);
    assertEquals(0.0, RetrievalMetrics.ndcg(List.of("a"), Map.of(), 10), EPS);
    assertEquals(0.0, RetrievalMetrics.recall(List.of("a"), Map.of("a", 0), 10), EPS);
  }

  @Test
  void latencyPercentilesUseNearestRank() {
    long[] nanos = new long[200];
    for (int i = 0; i < 200; i++) {
      nanos[i] = (200 - i) * 1_000_000L; // 1..200 ms, shuffled order does not matter
    }
    LatencyStats s = LatencyStats.ofNanos(nanos);
    assertEquals(100, s.p50Ms(), EPS);
    assertEquals(198, s.p99Ms(), EPS);
    assertEquals(200, s.maxMs(), EPS);
    assertEquals(100.5, s.meanMs(), EPS);
  }

  private static double log2(double x) {
    return Math.log(x) / Math.log(2);
  }
}
