package io.ragway.rollout;

/**
 * How far one histogram is from another: the population stability index and the Kullback-Leibler
 * divergence, over proportions smoothed with half a count per bin so an empty bin stays finite.
 */
final class Divergence {

  private Divergence() {}

  /** PSI = sum (a - e) ln(a / e) over bins, {@code actual} against {@code expected}. */
  static double psi(long[] expected, long[] actual) {
    double[] e = smoothed(expected);
    double[] a = smoothed(actual);
    double s = 0;
    for (int i = 0; i < e.length; i++) {
      s += (a[i] - e[i]) * Math.log(a[i] / e[i]);
    }
    return s;
  }

  /** KL(actual || expected) = sum a ln(a / e), in nats. */
  static double kl(long[] expected, long[] actual) {
    double[] e = smoothed(expected);
    double[] a = smoothed(actual);
    double s = 0;
    for (int i = 0; i < e.length; i++) {
      s += a[i] * Math.log(a[i] / e[i]);
    }
    return s;
  }

  private static double[] smoothed(long[] counts) {
    double total = 0;
    for (long c : counts) {
      total += c + 0.5;
    }
    double[] p = new double[counts.length];
    for (int i = 0; i < counts.length; i++) {
      p[i] = (counts[i] + 0.5) / total;
    }
    return p;
  }
}
