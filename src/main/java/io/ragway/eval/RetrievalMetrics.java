package io.ragway.eval;

import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;

/**
 * Ranking metrics as defined by TREC's trec_eval and used by BEIR: nDCG with graded gains and a
 * log2(rank + 1) discount, recall of the relevant documents, and reciprocal rank of the first
 * relevant one. A document repeated in a ranking counts at its first rank only.
 */
public final class RetrievalMetrics {

  private RetrievalMetrics() {}

  public static double ndcg(List<String> ranked, Map<String, Integer> rels, int k) {
    List<String> top = topDistinct(ranked, k);
    double dcg = 0;
    for (int i = 0; i < top.size(); i++) {
      dcg += Math.max(0, rels.getOrDefault(top.get(i), 0)) / log2(i + 2);
    }
    List<Integer> ideal = new ArrayList<>(rels.values().stream().filter(g -> g > 0).toList());
    ideal.sort((a, b) -> b - a);
    double idcg = 0;
    for (int i = 0; i < Math.min(k, ideal.size()); i++) {
      idcg += ideal.get(i) / log2(i + 2);
    }
    return idcg == 0 ? 0 : dcg / idcg;
  }

  public static double recall(List<String> ranked, Map<String, Integer> rels, int k) {
    long relevant = rels.values().stream().filter(g -> g > 0).count();
    if (relevant == 0) {
      return 0;
    }
    long found = topDistinct(ranked, k).stream().filter(d -> rels.getOrDefault(d, 0) > 0).count();
    return (double) found / relevant;
  }

  public static double mrr(List<String> ranked, Map<String, Integer> rels, int k) {
    List<String> top = topDistinct(ranked, k);
    for (int i = 0; i < top.size(); i++) {
      if (rels.getOrDefault(top.get(i), 0) > 0) {
        return 1.0 / (i + 1);
      }
    }
    return 0;
  }

  private static List<String> topDistinct(List<String> ranked, int k) {
    LinkedHashSet<String> seen = new LinkedHashSet<>();
    for (String d : ranked) {
      if (seen.size() == k) {
        break;
      }
      seen.add(d);
    }
    return new ArrayList<>(seen);
  }

  private static double log2(double x) {
    return Math.log(x) / Math.log(2);
  }
}
