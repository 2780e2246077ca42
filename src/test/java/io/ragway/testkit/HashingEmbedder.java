package io.ragway.testkit;

import io.ragway.embed.EmbeddingModel;
import io.ragway.embed.TokenCounter;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * A deterministic, instant stand-in for a real embedding model: hashed bag of lower-cased words,
 * L2-normalised, so texts sharing words are similar. Counts calls so tests can see re-embedding.
 */
public final class HashingEmbedder implements EmbeddingModel {

  private final int dimension;
  private final AtomicInteger embeddedTexts = new AtomicInteger();

  public HashingEmbedder(int dimension) {
    this.dimension = dimension;
  }

  public HashingEmbedder() {
    this(64);
  }

  @Override
  public String id() {
    return "hashing-" + dimension;
  }

  @Override
  public int dimension() {
    return dimension;
  }

  @Override
  public List<float[]> embedDocuments(List<String> texts) {
    embeddedTexts.addAndGet(texts.size());
    List<float[]> out = new ArrayList<>(texts.size());
    for (String t : texts) {
      out.add(vector(t));
    }
    return out;
  }

  @Override
  public float[] embedQuery(String query) {
    return vector(query);
  }

  @Override
  public TokenCounter tokenCounter() {
    return TokenCounter.approximate();
  }

  /** How many document texts were embedded so far. */
  public int embeddedTexts() {
    return embeddedTexts.get();
  }

  public float[] vector(String text) {
    float[] v = new float[dimension];
    for (String w : text.toLowerCase(Locale.ROOT).split("[^\\p{L}\\p{N}]+")) {
      if (w.length() < 3) {
        continue;
      }
      String stem = w.length() > 5 ? w.substring(0, 5) : w;
      int h = stem.hashCode();
      v[Math.floorMod(h, dimension)] += 1f;
      v[Math.floorMod(h * 31 + 7, dimension)] += 0.5f;
    }
    double n = 0;
    for (float x : v) {
      n += x * x;
    }
    if (n == 0) {
      v[0] = 1f;
      return v;
    }
    float inv = (float) (1 / Math.sqrt(n));
    for (int i = 0; i < v.length; i++) {
      v[i] *= inv;
    }
    return v;
  }
}
