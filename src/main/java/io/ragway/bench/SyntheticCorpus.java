package io.ragway.bench;

import io.ragway.embed.Vectors;
import io.ragway.index.Chunk;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;

/**
 * A reproducible corpus of the size a benchmark asks for, without embedding it (embedding 100k
 * chunks takes about an hour on two cores). Vectors are drawn around topic centres, the way real
 * embeddings cluster by subject, and each chunk's words are drawn Zipf-like from its topic's
 * vocabulary, so BM25 and vector search see realistic, correlated structure.
 */
final class SyntheticCorpus {

  private final int dimension;
  private final float[][] centres;
  private final int vocabulary;
  private final Random random;
  private final double noise;

  SyntheticCorpus(int dimension, int topics, int vocabulary, double noise, long seed) {
    this.dimension = dimension;
    this.vocabulary = vocabulary;
    this.noise = noise;
    this.random = new Random(seed);
    this.centres = new float[topics][];
    for (int t = 0; t < topics; t++) {
      centres[t] = Vectors.normalise(gaussian(dimension, 1.0));
    }
  }

  /** A chunk of {@code words} words on a random topic, and its vector. */
  Item next(int ordinal, int words) {
    int topic = random.nextInt(centres.length);
    return new Item(new Chunk("syn-" + ordinal, "synthetic/" + (ordinal / 10) + ".txt", "Synthetic " + (ordinal / 10),
        List.of(), text(topic, words), 0, 0, ordinal % 10, "", Chunk.DEFAULT_TENANT, List.of(), List.of()),
        vectorNear(topic));
  }

  /** A query: a few words and a vector drawn from the same topic. */
  Query query(int words) {
    int topic = random.nextInt(centres.length);
    return new Query(text(topic, words), vectorNear(topic));
  }

  record Item(Chunk chunk, float[] vector) {}

  record Query(String text, float[] vector) {}

  private String text(int topic, int words) {
    StringBuilder b = new StringBuilder();
    for (int i = 0; i < words; i++) {
      // half the words from the topic's own slice of the vocabulary, half from the shared head
      int rank = zipf(vocabulary / 2);
      int word = random.nextBoolean() ? rank : vocabulary / 2 + Math.floorMod(topic * 7919 + rank, vocabulary / 2);
      b.append(i == 0 ? "" : " ").append(wordOf(word));
    }
    return b.toString();
  }

  private int zipf(int n) {
    // inverse-CDF sampling of an approximately Zipf(1) rank in [0, n)
    return (int) Math.min(n - 1, Math.floor(Math.exp(random.nextDouble() * Math.log(n + 1.0)) - 1));
  }

  private static String wordOf(int id) {
    StringBuilder b = new StringBuilder("w");
    for (int x = id; ; x /= 26) {
      b.append((char) ('a' + x % 26));
      if (x < 26) {
        return b.toString();
      }
    }
  }

  private float[] vectorNear(int topic) {
    float[] v = gaussian(dimension, noise);
    for (int i = 0; i < dimension; i++) {
      v[i] += centres[topic][i];
    }
    return Vectors.normalise(v);
  }

  private float[] gaussian(int n, double sigma) {
    float[] v = new float[n];
    for (int i = 0; i < n; i++) {
      v[i] = (float) (random.nextGaussian() * sigma);
    }
    return v;
  }
}
