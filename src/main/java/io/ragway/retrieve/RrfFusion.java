package io.ragway.retrieve;

import io.ragway.index.Chunk;
import io.ragway.index.Index.Hit;
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

  List<Retrieved> fuse(List<List<Hit>> rankings, int limit) {
    Map<String, Chunk> chunks = new LinkedHashMap<>();
    Map<String, Double> scores = new LinkedHashMap<>();
    for (List<Hit> ranking : rankings) {
      for (int r = 0; r < ranking.size(); r++) {
        Chunk c = ranking.get(r).chunk();
        chunks.putIfAbsent(c.id(), c);
        scores.merge(c.id(), 1.0 / (k + r + 1), Double::sum);
      }
    }
    List<Map.Entry<String, Double>> sorted = new ArrayList<>(scores.entrySet());
    // ties keep first-seen order (stable sort), i.e. the order of the first ranking
    sorted.sort((a, b) -> Double.compare(b.getValue(), a.getValue()));
    List<Retrieved> out = new ArrayList<>(Math.min(limit, sorted.size()));
    for (int i = 0; i < sorted.size() && i < limit; i++) {
      Map.Entry<String, Double> e = sorted.get(i);
      out.add(new Retrieved(chunks.get(e.getKey()), e.getValue(), i + 1));
    }
    return out;
  }
}
