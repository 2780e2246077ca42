package io.ragway.rollout;

import java.util.Arrays;
import java.util.List;
import java.util.Random;

/** Centroids found by k-means (k-means++ seeding, then Lloyd's iterations) from a seeded {@link Random}. */
final class KMeans {

  private static final int MAX_ITERATIONS = 50;

  private final float[][] centroids;

  private KMeans(float[][] centroids) {
    this.centroids = centroids;
  }

  /** Clusters {@code points} (all of one dimension, at least {@code k}) into {@code k}; the same seed gives the same centroids. */
  static KMeans fit(List<float[]> points, int k, Random random) {
    if (points.size() < k) {
      throw new IllegalArgumentException("k-means needs at least k = " + k + " points, got " + points.size());
    }
    int n = points.size();
    float[][] c = new float[k][];
    c[0] = points.get(random.nextInt(n)).clone();
    double[] nearest = new double[n];
    Arrays.fill(nearest, Double.MAX_VALUE);
    for (int j = 1; j < k; j++) {
      // k-means++: the next centroid is a point drawn with probability proportional to its squared distance
      double total = 0;
      for (int i = 0; i < n; i++) {
        nearest[i] = Math.min(nearest[i], distance(points.get(i), c[j - 1]));
        total += nearest[i];
      }
      double r = random.nextDouble() * total;
      int pick = n - 1;
      for (int i = 0; i < n; i++) {
        r -= nearest[i];
        if (r <= 0) {
          pick = i;
          break;
        }
      }
      c[j] = points.get(pick).clone();
    }
    int dim = c[0].length;
    int[] assigned = new int[n];
    Arrays.fill(assigned, -1);
    KMeans model = new KMeans(c);
    for (int iteration = 0; iteration < MAX_ITERATIONS; iteration++) {
      boolean moved = false;
      for (int i = 0; i < n; i++) {
        int a = model.assign(points.get(i));
        moved |= a != assigned[i];
        assigned[i] = a;
      }
      if (!moved) {
        break;
      }
      double[][] sums = new double[k][dim];
      int[] counts = new int[k];
      for (int i = 0; i < n; i++) {
        float[] p = points.get(i);
        counts[assigned[i]]++;
        for (int d = 0; d < dim; d++) {
          sums[assigned[i]][d] += p[d];
        }
      }
      for (int j = 0; j < k; j++) {
        if (counts[j] == 0) {
          continue; // an empty cluster keeps its centroid
        }
        for (int d = 0; d < dim; d++) {
          c[j][d] = (float) (sums[j][d] / counts[j]);
        }
      }
    }
    return model;
  }

  int k() {
    return centroids.length;
  }

  /** The index of the centroid nearest to {@code point}. */
  int assign(float[] point) {
    int best = 0;
    double bestDistance = Double.MAX_VALUE;
    for (int j = 0; j < centroids.length; j++) {
      double d = distance(point, centroids[j]);
      if (d < bestDistance) {
        bestDistance = d;
        best = j;
      }
    }
    return best;
  }

  private static double distance(float[] a, float[] b) {
    if (a.length != b.length) {
      throw new IllegalArgumentException("vectors of " + a.length + " and " + b.length + " dimensions");
    }
    double s = 0;
    for (int i = 0; i < a.length; i++) {
      double d = a[i] - b[i];
      s += d * d;
    }
    return s;
  }
}
