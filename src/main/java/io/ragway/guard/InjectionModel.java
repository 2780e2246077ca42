package io.ragway.guard;

import java.io.BufferedInputStream;
import java.io.BufferedOutputStream;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.util.HashMap;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.zip.GZIPInputStream;
import java.util.zip.GZIPOutputStream;

/**
 * The learned half of the injection detector: two logistic regressions whose probabilities are
 * averaged. One reads hashed word unigrams and bigrams and character 3- to 5-grams of the
 * normalized text (fast, any language, sees wording); the other reads the text's embedding from
 * the local model (sees meaning). Without an embedding the first one decides alone.
 *
 * <p>The file format is a small header ({@code RGIM}, version, hash bits, embedding dimension, the
 * embedding model's id) and then the two weight vectors as big-endian floats.
 */
final class InjectionModel {

  static final int HASH_BITS = 18;
  private static final int MAGIC = 0x5247494D; // "RGIM"
  private static final int VERSION = 1;
  private static final Pattern WORD = Pattern.compile("[\\p{L}\\p{N}_]+");

  final float[] ngramWeights;
  final float ngramBias;
  final float[] vectorWeights;
  final float vectorBias;
  final String embeddingId;

  InjectionModel(float[] ngramWeights, float ngramBias, float[] vectorWeights, float vectorBias, String embeddingId) {
    if (ngramWeights.length != 1 << HASH_BITS) {
      throw new IllegalArgumentException("n-gram weights must have 2^" + HASH_BITS + " entries");
    }
    this.ngramWeights = ngramWeights;
    this.ngramBias = ngramBias;
    this.vectorWeights = vectorWeights;
    this.vectorBias = vectorBias;
    this.embeddingId = embeddingId;
  }

  /** Whether the vector half can read vectors of this model. */
  boolean readsVectorsOf(String modelId, int dimension) {
    return vectorWeights.length == dimension && embeddingId.equals(modelId);
  }

  /** The probability that the text is an attack; {@code vector} may be null. */
  double probability(Map<Integer, Float> features, float[] vector) {
    double ngram = sigmoid(ngramBias + dot(ngramWeights, features));
    if (vector == null || vector.length != vectorWeights.length) {
      return ngram;
    }
    double z = vectorBias;
    for (int i = 0; i < vector.length; i++) {
      z += vectorWeights[i] * vector[i];
    }
    return (ngram + sigmoid(z)) / 2;
  }

  static double dot(float[] w, Map<Integer, Float> x) {
    double z = 0;
    for (Map.Entry<Integer, Float> e : x.entrySet()) {
      z += w[e.getKey()] * e.getValue();
    }
    return z;
  }

  static double sigmoid(double z) {
    return 1 / (1 + Math.exp(-z));
  }

  /** Hashed, L2-normalised counts of the text's words, word pairs and character 3-5-grams. */
  static Map<Integer, Float> features(String text) {
    return normalizedFeatures(Normalizer.normalize(text));
  }

  /** As {@link #features}, for text already passed through {@link Normalizer#normalize}. */
  static Map<Integer, Float> normalizedFeatures(String t) {
    Map<Integer, Float> counts = new HashMap<>();
    Matcher m = WORD.matcher(t);
    int previousStart = -1;
    int previousEnd = -1;
    while (m.find()) {
      add(counts, hash('w', t, m.start(), m.end()));
      if (previousStart >= 0) { // the pair as "previous word, space, word", hashed in place
        int h = mix(raw('b', t, previousStart, previousEnd), ' ');
        for (int i = m.start(); i < m.end(); i++) {
          h = mix(h, t.charAt(i));
        }
        add(counts, fold(h));
      }
      previousStart = m.start();
      previousEnd = m.end();
    }
    String padded = ' ' + t + ' ';
    for (int n = 3; n <= 5; n++) {
      for (int i = 0; i + n <= padded.length(); i++) {
        add(counts, hash((char) ('0' + n), padded, i, i + n));
      }
    }
    double norm = 0;
    for (float v : counts.values()) {
      norm += v * v;
    }
    float scale = norm == 0 ? 1 : (float) (1 / Math.sqrt(norm));
    counts.replaceAll((k, v) -> v * scale);
    return counts;
  }

  private static void add(Map<Integer, Float> counts, int feature) {
    counts.merge(feature, 1f, Float::sum);
  }

  /**
   * FNV-1a over a kind tag and the characters of {@code s[start, end)}, folded to
   * {@link #HASH_BITS} bits: the same on every JVM, and no substring is made.
   */
  static int hash(char kind, CharSequence s, int start, int end) {
    return fold(raw(kind, s, start, end));
  }

  private static int raw(char kind, CharSequence s, int start, int end) {
    int h = mix(0x811C9DC5, kind);
    for (int i = start; i < end; i++) {
      h = mix(h, s.charAt(i));
    }
    return h;
  }

  private static int mix(int h, char c) {
    h ^= c & 0xFF;
    h *= 0x01000193;
    h ^= c >>> 8;
    return h * 0x01000193;
  }

  private static int fold(int h) {
    return (h ^ (h >>> HASH_BITS)) & ((1 << HASH_BITS) - 1);
  }

  /** Writes the model gzip-compressed (most n-gram weights are zero). */
  void write(OutputStream out) throws IOException {
    GZIPOutputStream gz = new GZIPOutputStream(out);
    DataOutputStream d = new DataOutputStream(new BufferedOutputStream(gz));
    d.writeInt(MAGIC);
    d.writeInt(VERSION);
    d.writeInt(HASH_BITS);
    d.writeInt(vectorWeights.length);
    d.writeUTF(embeddingId);
    d.writeFloat(ngramBias);
    for (float w : ngramWeights) {
      d.writeFloat(w);
    }
    d.writeFloat(vectorBias);
    for (float w : vectorWeights) {
      d.writeFloat(w);
    }
    d.flush();
    gz.finish();
  }

  static InjectionModel read(InputStream in, String origin) throws IOException {
    DataInputStream d;
    try {
      d = new DataInputStream(new BufferedInputStream(new GZIPInputStream(in)));
    } catch (java.util.zip.ZipException e) {
      throw new IOException(origin + " is not a ragway injection model (not gzip)", e);
    }
    if (d.readInt() != MAGIC) {
      throw new IOException(origin + " is not a ragway injection model");
    }
    int version = d.readInt();
    int bits = d.readInt();
    if (version != VERSION || bits != HASH_BITS) {
      throw new IOException(origin + " is a model of version " + version + " with " + bits
          + " hash bits; this ragway reads version " + VERSION + " with " + HASH_BITS + " (train it again)");
    }
    int dimension = d.readInt();
    String embeddingId = d.readUTF();
    float ngramBias = d.readFloat();
    float[] ngram = new float[1 << HASH_BITS];
    for (int i = 0; i < ngram.length; i++) {
      ngram[i] = d.readFloat();
    }
    float vectorBias = d.readFloat();
    float[] vector = new float[dimension];
    for (int i = 0; i < dimension; i++) {
      vector[i] = d.readFloat();
    }
    return new InjectionModel(ngram, ngramBias, vector, vectorBias, embeddingId);
  }

  @Override
  public String toString() {
    int used = 0;
    for (float w : ngramWeights) {
      used += w != 0 ? 1 : 0;
    }
    return "InjectionModel[" + used + " n-gram weights, " + vectorWeights.length + "-d vector half of " + embeddingId + "]";
  }
}
