package io.ragway.retrieve;

/**
 * How retrieval runs.
 *
 * @param mode default search mode
 * @param k default number of chunks returned
 * @param candidates how deep each ranker (BM25, dense) is read before fusion, reranking or MMR
 * @param rrfK the k constant of reciprocal rank fusion; larger flattens the weight of top ranks
 * @param mmr whether to diversify results by default
 * @param mmrLambda trade-off of MMR between relevance (1.0) and diversity (0.0)
 * @param rerankTopN how many fused candidates the reranker sees, when one is configured
 */
public record RetrieveConfig(SearchMode mode, int k, int candidates, int rrfK, boolean mmr, double mmrLambda, int rerankTopN) {

  public RetrieveConfig {
    if (mode == null) {
      mode = SearchMode.HYBRID;
    }
    if (k < 1) {
      throw new IllegalArgumentException("retrieval.k must be >= 1, got " + k);
    }
    if (candidates < 1) {
      throw new IllegalArgumentException("retrieval.candidates must be >= 1, got " + candidates);
    }
    if (rrfK < 1) {
      throw new IllegalArgumentException("retrieval.rrf_k must be >= 1, got " + rrfK);
    }
    if (mmrLambda < 0 || mmrLambda > 1) {
      throw new IllegalArgumentException("retrieval.mmr_lambda must be in [0, 1], got " + mmrLambda);
    }
    if (rerankTopN < 1) {
      throw new IllegalArgumentException("retrieval.rerank_top_n must be >= 1, got " + rerankTopN);
    }
  }

  public static RetrieveConfig defaults() {
    return new RetrieveConfig(SearchMode.HYBRID, 5, 100, 60, false, 0.5, 50);
  }
}
