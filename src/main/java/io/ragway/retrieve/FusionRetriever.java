package io.ragway.retrieve;

import io.ragway.embed.EmbeddingModel;
import io.ragway.index.Index;
import io.ragway.index.Index.Hit;
import io.ragway.index.Index.Scored;
import io.ragway.telemetry.Stages;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * Retrieval in up to four steps:
 *
 * <ol>
 *   <li>rank candidates by BM25, by vector similarity, or both (each read {@code candidates} deep);
 *   <li>in hybrid mode, fuse the two rankings with reciprocal rank fusion;
 *   <li>if a reranker is configured, let it re-score the best {@code rerankTopN};
 *   <li>if asked, diversify with MMR; then keep the best {@code k}.
 * </ol>
 */
final class FusionRetriever implements Retriever {

  private final Index index;
  private final EmbeddingModel embedder;
  private final RetrieveConfig config;
  private final RrfFusion fusion;
  private final Optional<Reranker> reranker;

  FusionRetriever(Index index, EmbeddingModel embedder, RetrieveConfig config, Optional<Reranker> reranker) {
    this.index = index;
    this.embedder = embedder;
    this.config = config;
    this.fusion = new RrfFusion(config.rrfK());
    this.reranker = reranker;
  }

  @Override
  public List<Retrieved> retrieve(SearchRequest request) {
    return explain(request).results();
  }

  @Override
  public Retrieval explain(SearchRequest request) {
    int depth = Math.max(request.k(), config.candidates());
    Stages stages = Stages.current(); // a request's embed, search and rerank are timed for its trace; none outside one
    float[] queryVector = request.mode() == SearchMode.BM25 && !request.mmr() ? null
        : stages.call(Stages.EMBED, () -> embedder.embedQuery(request.query()));
    // only what the next step can use is loaded: the reranker's candidates, MMR's pool, or k
    int keep = reranker.isPresent() ? config.rerankTopN() : request.mmr() ? depth : request.k();
    Map<String, List<Scored>> steps = new LinkedHashMap<>(); // each step's best k, for answer records and replay
    List<Retrieved> searched = stages.call(Stages.SEARCH, () -> {
      List<Scored> ranked = switch (request.mode()) {
        case BM25 -> step(steps, Retrieval.BM25, index.bm25Ids(request.query(), depth, request.filter()), request.k());
        case DENSE -> step(steps, Retrieval.DENSE, index.knnIds(queryVector, depth, request.filter()), request.k());
        case HYBRID -> step(steps, Retrieval.FUSED, fusion.fuse(List.of(
            step(steps, Retrieval.BM25, index.bm25Ids(request.query(), depth, request.filter()), request.k()),
            step(steps, Retrieval.DENSE, index.knnIds(queryVector, depth, request.filter()), request.k())), depth),
            request.k());
      };
      return ranks(index.load(ranked.size() > keep ? ranked.subList(0, keep) : ranked));
    });
    List<Retrieved> results = searched;
    if (reranker.isPresent() && !results.isEmpty()) {
      results = stages.call(Stages.RERANK,
          () -> reranker.get().rerank(request.query(), searched, request.mmr() ? searched.size() : request.k()));
      steps.put(Retrieval.RERANKED, scored(results, request.k()));
    }
    if (request.mmr() && results.size() > 1) {
      results = Mmr.select(queryVector, results, index.vectors(results.stream().map(r -> r.chunk().id()).toList()),
          config.mmrLambda(), request.k());
      steps.put(Retrieval.MMR, scored(results, request.k()));
    }
    results = results.size() > request.k() ? List.copyOf(results.subList(0, request.k())) : results;
    RetrieveConfig settings = new RetrieveConfig(request.mode(), request.k(), config.candidates(), config.rrfK(),
        request.mmr(), config.mmrLambda(), config.rerankTopN());
    return new Retrieval(results, steps, settings, reranker.isPresent());
  }

  /** Notes a step's best {@code k} and passes its whole ranking on. */
  private static List<Scored> step(Map<String, List<Scored>> steps, String name, List<Scored> ranked, int k) {
    steps.put(name, ranked.size() > k ? List.copyOf(ranked.subList(0, k)) : ranked);
    return ranked;
  }

  private static List<Scored> scored(List<Retrieved> results, int k) {
    return results.stream().limit(k).map(r -> new Scored(r.chunk().id(), (float) r.score())).toList();
  }

  private static List<Retrieved> ranks(List<Hit> hits) {
    List<Retrieved> out = new ArrayList<>(hits.size());
    for (int i = 0; i < hits.size(); i++) {
      out.add(new Retrieved(hits.get(i).chunk(), hits.get(i).score(), i + 1));
    }
    return out;
  }
}
