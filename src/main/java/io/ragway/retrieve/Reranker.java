package io.ragway.retrieve;

import java.util.List;

/** Re-scores retrieved chunks against the query with a stronger model (a cross-encoder). */
public interface Reranker {

  /** Returns at most {@code topN} of the candidates, best first, with the reranker's scores. */
  List<Retrieved> rerank(String query, List<Retrieved> candidates, int topN);
}
