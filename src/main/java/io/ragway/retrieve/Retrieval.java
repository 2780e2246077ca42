package io.ragway.retrieve;

import io.ragway.config.Hashes;
import io.ragway.index.Index;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * What one retrieval returned, what each of its steps ranked, and the settings it ran with: what an
 * answer record keeps so a replay can run it again and say what moved.
 *
 * @param results the chunks returned, best first, ranks from 1
 * @param steps each step's best ids with their scores ({@link #BM25}, {@link #DENSE}, {@link #FUSED},
 *     {@link #RERANKED}, {@link #MMR}), in the order the steps ran, at most {@code k} each
 * @param settings the retriever's settings; {@code mode}, {@code k} and {@code mmr} are the request's
 * @param reranked whether a reranker re-scored the candidates
 */
public record Retrieval(List<Retrieved> results, Map<String, List<Index.Scored>> steps, RetrieveConfig settings,
    boolean reranked) {

  public static final String BM25 = "bm25";
  public static final String DENSE = "dense";
  public static final String FUSED = "fused";
  public static final String RERANKED = "reranked";
  public static final String MMR = "mmr";

  public Retrieval {
    results = List.copyOf(results);
    Map<String, List<Index.Scored>> copy = new LinkedHashMap<>();
    steps.forEach((name, ranked) -> copy.put(Objects.requireNonNull(name, "step"), List.copyOf(ranked)));
    steps = Collections.unmodifiableMap(copy);
    Objects.requireNonNull(settings, "settings");
  }

  /** Results without their steps: a retriever that says nothing of how it ranked. */
  public static Retrieval of(List<Retrieved> results, SearchRequest request) {
    RetrieveConfig d = RetrieveConfig.defaults();
    return new Retrieval(results, Map.of(), new RetrieveConfig(request.mode(), request.k(), d.candidates(), d.rrfK(),
        request.mmr(), d.mmrLambda(), d.rerankTopN()), false);
  }

  /**
   * A short hash of a chunk's text (16 hex digits of its SHA-256): a record keeps it beside the
   * chunk's id, which stays the same when its document changes, so a replay sees a changed text.
   */
  public static String textHash(String text) {
    return Hashes.sha256(text).substring(0, 16);
  }

  /** None: nothing was retrieved (a question not asked of the documents). */
  public static Retrieval none() {
    return new Retrieval(List.of(), Map.of(), RetrieveConfig.defaults(), false);
  }
}
