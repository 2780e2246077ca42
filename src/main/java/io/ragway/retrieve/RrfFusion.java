package io.ragway.retrieve;

import io.ragway.index.Index.Scored;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Reciprocal rank fusion (Cormack, Clarke and Buettcher, SIGIR 2009): each list contributes
 * {@code 1 / (k + rank)} for every chunk it ranks, so only ranks matter and scores of different
 * scales (BM25, cosine) need no normalisation.
 */
final class RrfFusion {

  private final int k;

  RrfFusion(int k) {
    this.k = k;
  }

  /** The fused ranking of chunk ids, best first, at most {@code limit} long. */
  List<Scored> fuse(List<List<Scored>> rankings, int limit) {
    Map<String, Double> scores = new LinkedHashMap<>();
    for (List<Scored> ranking : rankings) {
      for (int r = 0; r < ranking.size(); r++) {
        scores.merge(ranking.get(r).id(), 1.0 / (k + r + 1), Double::sum);
      }
    }
    List<Map.Entry<String, Double>> sorted = new ArrayList<>(scores.entrySet());
    // ties keep first-seen order (stable sort), i.e. the order of the first ranking
    sorted.sort((a, b) -> Double.compare(b.getValue(), a.getValue()));
    List<Scored> out = new ArrayList<>(Math.min(limit, sorted.size()));
    for (int i = 0; i < sorted.size() && i < limit; i++) {
      out.add(new Scored(sorted.get(i).getKey(), sorted.get(i).getValue().floatValue()));
    }
    return out;
  }
}
