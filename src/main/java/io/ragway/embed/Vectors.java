package io.ragway.embed;

/** Arithmetic on embedding vectors. */
public final class Vectors {

  private Vectors() {}

  /** The dot product; for unit vectors, their cosine similarity. */
  public static double dot(float[] a, float[] b) {
    if (a.length != b.length) {
      throw new IllegalArgumentException("vectors of " + a.length + " and " + b.length + " dimensions");
    }
    double s = 0;
    for (int i = 0; i < a.length; i++) {
      s += a[i] * b[i];
    }
    return s;
  }

  /** A copy of {@code v} scaled to unit length; a zero vector is returned unchanged. */
  public static float[] normalise(float[] v) {
    double n = 0;
    for (float x : v) {
      n += x * x;
    }
    if (n == 0) {
      return v.clone();
    }
    float inv = (float) (1 / Math.sqrt(n));
    float[] out = new float[v.length];
    for (int i = 0; i < v.length; i++) {
      out[i] = v[i] * inv;
    }
    return out;
  }
}
