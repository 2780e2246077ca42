package io.ragway.eval;

import io.ragway.guard.InjectionDetector;
import io.ragway.guard.LabelledText;
import java.util.List;
import java.util.function.Function;

/**
 * How well the injection detector separates attacks from benign texts at a threshold: precision,
 * recall, F1 and false-positive rate, with the time of each check.
 *
 * @param rows texts checked
 * @param attacks rows labelled 1
 * @param truePositives attacks scored at or above the threshold
 * @param falsePositives benign rows scored at or above it
 */
public record InjectionEvaluation(double threshold, int rows, int attacks, int truePositives, int falsePositives,
    double precision, double recall, double f1, double falsePositiveRate, LatencyStats latency) {

  /** Checks every row once with {@link InjectionDetector#scan}, timing each check. */
  public static InjectionEvaluation run(InjectionDetector detector, List<LabelledText> rows, double threshold) {
    return run(detector::scan, rows, threshold);
  }

  /** Checks every row once with {@code check}, timing each check. */
  public static InjectionEvaluation run(Function<String, InjectionDetector.Detection> check, List<LabelledText> rows,
      double threshold) {
    if (rows.isEmpty()) {
      throw new IllegalArgumentException("the data set has no rows");
    }
    long[] nanos = new long[rows.size()];
    int attacks = 0;
    int tp = 0;
    int fp = 0;
    for (int i = 0; i < rows.size(); i++) {
      LabelledText r = rows.get(i);
      long t0 = System.nanoTime();
      boolean flagged = check.apply(r.text()).score() >= threshold;
      nanos[i] = System.nanoTime() - t0;
      attacks += r.label();
      if (flagged && r.label() == 1) {
        tp++;
      } else if (flagged) {
        fp++;
      }
    }
    int benign = rows.size() - attacks;
    double precision = tp + fp == 0 ? 0 : (double) tp / (tp + fp);
    double recall = attacks == 0 ? 0 : (double) tp / attacks;
    double f1 = precision + recall == 0 ? 0 : 2 * precision * recall / (precision + recall);
    return new InjectionEvaluation(threshold, rows.size(), attacks, tp, fp, precision, recall, f1,
        benign == 0 ? 0 : (double) fp / benign, LatencyStats.ofNanos(nanos));
  }
}
