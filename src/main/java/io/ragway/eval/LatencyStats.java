package io.ragway.eval;

import java.util.Arrays;

/**
 * Summary of measured durations in milliseconds. Percentiles use the nearest-rank method: p99 of
 * 200 samples is the 198th smallest.
 */
public record LatencyStats(int count, double meanMs, double p50Ms, double p90Ms, double p99Ms, double maxMs) {

  public static LatencyStats ofNanos(long[] nanos) {
    if (nanos.length == 0) {
      return new LatencyStats(0, 0, 0, 0, 0, 0);
    }
    long[] s = nanos.clone();
    Arrays.sort(s);
    double sum = 0;
    for (long n : s) {
      sum += n;
    }
    return new LatencyStats(s.length, sum / s.length / 1e6, rank(s, 50), rank(s, 90), rank(s, 99), s[s.length - 1] / 1e6);
  }

  private static double rank(long[] sorted, double percentile) {
    int r = (int) Math.ceil(percentile / 100 * sorted.length);
    return sorted[Math.max(0, r - 1)] / 1e6;
  }
}
