package io.ragway.bench;

import io.ragway.embed.EmbeddingModel;
import io.ragway.embed.TokenCounter;
import io.ragway.eval.LatencyStats;
import io.ragway.index.Filter;
import io.ragway.index.Index;
import io.ragway.index.IndexConfig;
import io.ragway.index.Indexes;
import io.ragway.retrieve.RetrieveConfig;
import io.ragway.retrieve.Retriever;
import io.ragway.retrieve.Retrievers;
import io.ragway.retrieve.SearchMode;
import io.ragway.retrieve.SearchRequest;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.function.IntConsumer;

/**
 * Measures search latency per mode over a corpus of a given size, and HNSW recall@10 against exact
 * (brute-force) search over the same vectors, which is also the latency baseline of the run.
 *
 * <p>Query vectors are precomputed, so the figures are search time only; the time to embed a
 * query with the real model is measured apart by the caller and reported beside them.
 */
public final class SearchBench {

  /** What to measure. */
  public record Settings(int chunks, int queries, int dimension, int k, long seed, double noise, IndexConfig index,
      RetrieveConfig retrieve) {
    public Settings {
      if (chunks < 100 || queries < 10 || k < 1) {
        throw new IllegalArgumentException("bench search needs --chunks >= 100, --queries >= 10 and k >= 1");
      }
    }
  }

  /** Latency of one mode, in milliseconds. */
  public record ModeLatency(double p50, double p90, double p99, double mean) {
    static ModeLatency of(LatencyStats s) {
      return new ModeLatency(s.p50Ms(), s.p90Ms(), s.p99Ms(), s.meanMs());
    }
  }

  /** The figures of one run. */
  public record Result(int chunks, int queries, int dimension, double noise, double indexSeconds, Map<String, ModeLatency> latencyMs,
      double hnswRecallAt10, double exactP50Ms, double denseSpeedupOverExact) {}

  private SearchBench() {}

  public static Result run(Path dir, Settings s, IntConsumer progress) {
    SyntheticCorpus corpus = new SyntheticCorpus(s.dimension(), Math.max(10, s.chunks() / 50), 50_000, s.noise(), s.seed());
    Map<String, float[]> queryVectors = new HashMap<>();
    List<String> queryTexts = new ArrayList<>();
    for (int i = 0; i < s.queries(); i++) {
      SyntheticCorpus.Query q = corpus.query(6);
      String text = q.text() + " q" + i; // unique, so the vector lookup below is exact
      queryTexts.add(text);
      queryVectors.put(text, q.vector());
    }
    EmbeddingModel precomputed = new Precomputed(queryVectors, s.dimension());

    long t0 = System.nanoTime();
    try (Index index = Indexes.openLucene(dir, precomputed.id(), s.dimension(), s.index())) {
      List<io.ragway.index.Chunk> batch = new ArrayList<>();
      List<float[]> vectors = new ArrayList<>();
      for (int i = 0; i < s.chunks(); i++) {
        SyntheticCorpus.Item item = corpus.next(i, 60 + (i % 140));
        batch.add(item.chunk());
        vectors.add(item.vector());
        if (batch.size() == 1000 || i == s.chunks() - 1) {
          index.add(batch, vectors);
          batch.clear();
          vectors.clear();
          progress.accept(i + 1);
        }
      }
      index.commit();
      index.forceMerge(); // measure a settled index, not one with merges running in the background
      double indexSeconds = (System.nanoTime() - t0) / 1e9;

      Retriever retriever = Retrievers.fusion(index, precomputed, s.retrieve(), Optional.empty());
      Map<String, ModeLatency> latency = new java.util.LinkedHashMap<>();
      EnumMap<SearchMode, long[]> times = new EnumMap<>(SearchMode.class);
      for (SearchMode mode : SearchMode.values()) {
        for (int i = 0; i < Math.min(20, queryTexts.size()); i++) { // warm-up
          retriever.retrieve(SearchRequest.of(queryTexts.get(i), mode, s.k()));
        }
        long[] t = new long[queryTexts.size()];
        for (int i = 0; i < queryTexts.size(); i++) {
          long q0 = System.nanoTime();
          retriever.retrieve(SearchRequest.of(queryTexts.get(i), mode, s.k()));
          t[i] = System.nanoTime() - q0;
        }
        times.put(mode, t);
        latency.put(mode.label(), ModeLatency.of(LatencyStats.ofNanos(t)));
      }

      double recall = 0;
      long[] exactTimes = new long[queryTexts.size()];
      for (int i = 0; i < queryTexts.size(); i++) {
        float[] v = queryVectors.get(queryTexts.get(i));
        long q0 = System.nanoTime();
        Set<String> exact = ids(index.exactKnn(v, 10, Filter.all()));
        exactTimes[i] = System.nanoTime() - q0;
        Set<String> approx = new HashSet<>();
        index.knnIds(v, 10, Filter.all()).forEach(h -> approx.add(h.id()));
        approx.retainAll(exact);
        recall += exact.isEmpty() ? 1 : (double) approx.size() / exact.size();
      }
      LatencyStats exact = LatencyStats.ofNanos(exactTimes);
      double speedup = exact.p50Ms() / Math.max(1e-9, latency.get("dense").p50());
      return new Result(s.chunks(), s.queries(), s.dimension(), s.noise(), indexSeconds, latency, recall / queryTexts.size(),
          exact.p50Ms(), speedup);
    }
  }

  private static Set<String> ids(List<Index.Hit> hits) {
    Set<String> out = new HashSet<>();
    hits.forEach(h -> out.add(h.chunk().id()));
    return out;
  }

  /** Answers queries with vectors computed up front, so timing covers search alone. */
  private record Precomputed(Map<String, float[]> vectors, int dimension) implements EmbeddingModel {
    @Override
    public String id() {
      return "synthetic-" + dimension;
    }

    @Override
    public List<float[]> embedDocuments(List<String> texts) {
      throw new UnsupportedOperationException("documents are embedded by the synthetic corpus");
    }

    @Override
    public float[] embedQuery(String query) {
      float[] v = vectors.get(query);
      if (v == null) {
        throw new IllegalArgumentException("no precomputed vector for query: " + query);
      }
      return v;
    }

    @Override
    public TokenCounter tokenCounter() {
      return TokenCounter.approximate();
    }
  }
}
