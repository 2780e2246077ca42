package io.ragway.retrieve;

import io.ragway.embed.EmbeddingModel;
import io.ragway.index.Index;
import java.util.Optional;

/** Builds retrievers. */
public final class Retrievers {

  private Retrievers() {}

  /** BM25, dense or hybrid (RRF) retrieval over {@code index}, optionally reranked. */
  public static Retriever fusion(Index index, EmbeddingModel embedder, RetrieveConfig config, Optional<Reranker> reranker) {
    return new FusionRetriever(index, embedder, config, reranker);
  }
}
