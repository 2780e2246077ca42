package io.ragway.guard;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;

/**
 * Fits the two halves of {@link InjectionModel}, reproducibly: the same rows in the same order
 * give the same weights (a seeded shuffle, no threads).
 *
 * <p>Attacks are fewer than benign texts in the data sets at hand, so each class is weighted by
 * the other's share. The n-gram half is fitted by stochastic gradient descent with L2 applied to
 * the weights a row touches (the usual lazy form for sparse features); the vector half, dense and
 * small, by full-batch gradient descent.
 */
final class InjectionTrainer {

  static final int NGRAM_EPOCHS = 30;
  static final double NGRAM_RATE = 0.5;
  static final double NGRAM_L2 = 1e-4;
  static final int VECTOR_EPOCHS = 3000;
  static final double VECTOR_RATE = 2.0;
  static final double VECTOR_L2 = 1e-3;
  static final long SEED = 7;

  private InjectionTrainer() {}

  /** Fits both halves; {@code vectors} is null, or one embedding per row. */
  static InjectionModel fit(List<LabelledText> rows, List<float[]> vectors, String embeddingId) {
    if (rows.isEmpty()) {
      throw new IllegalArgumentException("no rows to train on");
    }
    long attacks = rows.stream().filter(r -> r.label() == 1).count();
    if (attacks == 0 || attacks == rows.size()) {
      throw new IllegalArgumentException("training needs both attacks (label 1) and benign texts (label 0); got "
          + attacks + " attacks of " + rows.size());
    }
    double positiveWeight = (double) (rows.size() - attacks) / attacks;

    List<Map<Integer, Float>> features = new ArrayList<>(rows.size());
    for (LabelledText r : rows) {
      features.add(InjectionModel.features(r.text()));
    }
    float[] w = new float[1 << InjectionModel.HASH_BITS];
    double bias = 0;
    int[] order = new int[rows.size()];
    for (int i = 0; i < order.length; i++) {
      order[i] = i;
    }
    Random random = new Random(SEED);
    for (int epoch = 0; epoch < NGRAM_EPOCHS; epoch++) {
      shuffle(order, random);
      for (int i : order) {
        Map<Integer, Float> x = features.get(i);
        int y = rows.get(i).label();
        double p = InjectionModel.sigmoid(bias + InjectionModel.dot(w, x));
        double g = (p - y) * (y == 1 ? positiveWeight : 1.0);
        for (Map.Entry<Integer, Float> e : x.entrySet()) {
          int k = e.getKey();
          w[k] -= (float) (NGRAM_RATE * (g * e.getValue() + NGRAM_L2 * w[k]));
        }
        bias -= NGRAM_RATE * g;
      }
    }

    float[] v = new float[vectors == null ? 0 : vectors.get(0).length];
    double vBias = 0;
    if (vectors != null) {
      if (vectors.size() != rows.size()) {
        throw new IllegalArgumentException(vectors.size() + " vectors for " + rows.size() + " rows");
      }
      double[] sampleWeight = new double[rows.size()];
      double sum = 0;
      for (int i = 0; i < rows.size(); i++) {
        sampleWeight[i] = rows.get(i).label() == 1 ? positiveWeight : 1.0;
        sum += sampleWeight[i];
      }
      for (int i = 0; i < rows.size(); i++) {
        sampleWeight[i] *= rows.size() / sum;
      }
      double[] wv = new double[v.length];
      double[] grad = new double[v.length];
      for (int epoch = 0; epoch < VECTOR_EPOCHS; epoch++) {
        java.util.Arrays.fill(grad, 0);
        double gBias = 0;
        for (int i = 0; i < rows.size(); i++) {
          float[] x = vectors.get(i);
          double z = vBias;
          for (int d = 0; d < x.length; d++) {
            z += wv[d] * x[d];
          }
          double g = (InjectionModel.sigmoid(z) - rows.get(i).label()) * sampleWeight[i];
          for (int d = 0; d < x.length; d++) {
            grad[d] += g * x[d];
          }
          gBias += g;
        }
        for (int d = 0; d < wv.length; d++) {
          wv[d] -= VECTOR_RATE * (grad[d] / rows.size() + VECTOR_L2 * wv[d]);
        }
        vBias -= VECTOR_RATE * gBias / rows.size();
      }
      for (int d = 0; d < v.length; d++) {
        v[d] = (float) wv[d];
      }
    }
    return new InjectionModel(w, (float) bias, v, (float) vBias, vectors == null ? "" : embeddingId);
  }

  private static void shuffle(int[] a, Random random) {
    for (int i = a.length - 1; i > 0; i--) {
      int j = random.nextInt(i + 1);
      int t = a[i];
      a[i] = a[j];
      a[j] = t;
    }
  }
}
