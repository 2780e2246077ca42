package io.ragway.index;

/**
 * Tuning of the embedded index.
 *
 * @param hnswM graph links per node (Lucene's maxConn); more improves recall and costs memory
 * @param hnswBeamWidth candidates considered while building the graph
 * @param efSearch candidates explored per vector query; results are the best k of these
 * @param bm25K1 term-frequency saturation (0.9 as in Anserini's BEIR baselines)
 * @param bm25B length normalisation (0.4 as in Anserini's BEIR baselines)
 */
public record IndexConfig(int hnswM, int hnswBeamWidth, int efSearch, float bm25K1, float bm25B) {

  public IndexConfig {
    if (hnswM < 2 || hnswM > 512) {
      throw new IllegalArgumentException("index.hnsw_m must be in [2, 512], got " + hnswM);
    }
    if (hnswBeamWidth < 1 || hnswBeamWidth > 3200) {
      throw new IllegalArgumentException("index.hnsw_beam_width must be in [1, 3200], got " + hnswBeamWidth);
    }
    if (efSearch < 1) {
      throw new IllegalArgumentException("index.ef_search must be >= 1, got " + efSearch);
    }
    if (bm25K1 < 0 || bm25B < 0 || bm25B > 1) {
      throw new IllegalArgumentException("index.bm25_k1 must be >= 0 and index.bm25_b in [0, 1]");
    }
  }

  public static IndexConfig defaults() {
    return new IndexConfig(16, 100, 100, 0.9f, 0.4f);
  }
}
