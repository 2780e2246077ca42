package io.ragway.eval;

import io.ragway.embed.EmbeddingModel;
import io.ragway.embed.TokenCounter;
import io.ragway.embed.Vectors;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/** Embeddings chosen by the test: named texts get their vectors, any other text a basis vector of its own. */
final class FixedVectors implements EmbeddingModel {

  private static final int DIM = 64;
  private final Map<String, float[]> documents = new HashMap<>();
  private final Map<String, float[]> queries = new HashMap<>();
  private int next = 8; // dimensions 0-7 are for the test's own vectors

  FixedVectors document(String text, float... v) {
    documents.put(text, pad(v));
    return this;
  }

  FixedVectors query(String text, float... v) {
    queries.put(text, pad(v));
    return this;
  }

  @Override
  public String id() {
    return "fixed";
  }

  @Override
  public int dimension() {
    return DIM;
  }

  @Override
  public synchronized List<float[]> embedDocuments(List<String> texts) {
    return texts.stream().map(t -> documents.computeIfAbsent(t, k -> basis())).toList();
  }

  @Override
  public synchronized float[] embedQuery(String query) {
    return queries.computeIfAbsent(query, k -> documents.computeIfAbsent(k, x -> basis()));
  }

  @Override
  public TokenCounter tokenCounter() {
    return TokenCounter.approximate();
  }

  private float[] basis() {
    float[] v = new float[DIM];
    v[next++] = 1;
    return v;
  }

  private static float[] pad(float[] v) {
    float[] out = new float[DIM];
    System.arraycopy(v, 0, out, 0, v.length);
    return Vectors.normalise(out);
  }
}
