package io.ragway.eval;

import java.util.List;
import java.util.Map;
import java.util.function.Function;
import java.util.function.IntConsumer;

/** Runs every query of a data set through a search function and scores the rankings. */
public final class RetrievalEvaluation {

  private RetrievalEvaluation() {}

  /**
   * @param search query text to document ids, best first, at least 100 deep
   * @param progress told how many queries are done
   */
  public static RetrievalReport run(BeirDataset data, String mode, Function<String, List<String>> search,
      double indexSeconds, IntConsumer progress) {
    double ndcg = 0;
    double recall = 0;
    double mrr = 0;
    long[] times = new long[data.queries().size()];
    int i = 0;
    for (Map.Entry<String, String> q : data.queries().entrySet()) {
      long t0 = System.nanoTime();
      List<String> ranked = search.apply(q.getValue());
      times[i] = System.nanoTime() - t0;
      Map<String, Integer> rels = data.qrels().get(q.getKey());
      ndcg += RetrievalMetrics.ndcg(ranked, rels, 10);
      recall += RetrievalMetrics.recall(ranked, rels, 100);
      mrr += RetrievalMetrics.mrr(ranked, rels, 10);
      progress.accept(++i);
    }
    int n = Math.max(1, i);
    LatencyStats latency = LatencyStats.ofNanos(times);
    return new RetrievalReport(mode, ndcg / n, recall / n, mrr / n, i, data.corpus().size(), indexSeconds,
        latency.p50Ms(), latency.p99Ms());
  }
}
