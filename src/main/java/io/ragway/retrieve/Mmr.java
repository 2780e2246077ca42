package io.ragway.retrieve;

import io.ragway.embed.Vectors;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * Maximal marginal relevance (Carbonell and Goldstein, 1998): picks, one at a time, the candidate
 * maximising {@code lambda * sim(query, d) - (1 - lambda) * max sim(d, picked)}, so near-duplicate
 * chunks (overlapping windows, copied paragraphs) do not crowd out other evidence.
 */
final class Mmr {

  private Mmr() {}

  /** Candidates without a vector are kept in their original order after the diversified ones. */
  static List<Retrieved> select(float[] query, List<Retrieved> candidates, Map<String, float[]> vectors,
      double lambda, int k) {
    List<Retrieved> pool = new ArrayList<>();
    List<Retrieved> missing = new ArrayList<>();
    for (Retrieved r : candidates) {
      (vectors.containsKey(r.chunk().id()) ? pool : missing).add(r);
    }
    List<Retrieved> picked = new ArrayList<>();
    List<float[]> pickedVectors = new ArrayList<>();
    while (picked.size() < k && !pool.isEmpty()) {
      int best = -1;
      double bestScore = Double.NEGATIVE_INFINITY;
      for (int i = 0; i < pool.size(); i++) {
        float[] v = vectors.get(pool.get(i).chunk().id());
        double redundancy = 0;
        for (float[] p : pickedVectors) {
          redundancy = Math.max(redundancy, Vectors.dot(v, p));
        }
        double score = lambda * Vectors.dot(query, v) - (1 - lambda) * redundancy;
        if (score > bestScore) {
          bestScore = score;
          best = i;
        }
      }
      Retrieved r = pool.remove(best);
      pickedVectors.add(vectors.get(r.chunk().id()));
      picked.add(r);
    }
    for (int i = 0; picked.size() < k && i < missing.size(); i++) {
      picked.add(missing.get(i));
    }
    List<Retrieved> out = new ArrayList<>(picked.size());
    for (int i = 0; i < picked.size(); i++) {
      out.add(new Retrieved(picked.get(i).chunk(), picked.get(i).score(), i + 1));
    }
    return out;
  }
}
