package io.ragway.rollout;

import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.Random;

/**
 * The drift of one model's questions. The first {@code baselineSize} question embeddings are the
 * baseline, clustered once with k-means; every later question joins a sliding window of
 * {@code window}, whose cluster histogram is compared with the baseline's (PSI, KL). The
 * abstention rate of the window is compared with the baseline's too. Callers synchronise.
 */
final class DriftMonitor {

  /**
   * What the window looks like after one question.
   *
   * @param alerts what was raised by this question: {@code psi}, {@code abstention}, or nothing
   */
  record Reading(double psi, double kl, double abstentionRate, double baselineAbstentionRate, List<String> alerts) {}

  private final DriftConfig config;
  private final List<float[]> baseline = new ArrayList<>();
  private int baselineAbstained;
  private KMeans clusters;
  private long[] expected;
  private final ArrayDeque<int[]> window = new ArrayDeque<>(); // {cluster, abstained}
  private long[] actual;
  private int windowAbstained;
  private boolean psiRaised;
  private boolean abstentionRaised;

  DriftMonitor(DriftConfig config) {
    this.config = config;
  }

  /** Adds one question; a reading once the baseline is clustered and the window full. */
  Optional<Reading> observe(float[] vector, boolean abstained) {
    if (clusters == null) {
      baseline.add(vector);
      baselineAbstained += abstained ? 1 : 0;
      if (baseline.size() == config.baselineSize()) {
        clusters = KMeans.fit(baseline, config.clusters(), new Random(config.seed()));
        expected = new long[config.clusters()];
        actual = new long[config.clusters()];
        for (float[] v : baseline) {
          expected[clusters.assign(v)]++;
        }
        baseline.clear();
      }
      return Optional.empty();
    }
    int cluster = clusters.assign(vector);
    window.addLast(new int[] {cluster, abstained ? 1 : 0});
    actual[cluster]++;
    windowAbstained += abstained ? 1 : 0;
    if (window.size() > config.window()) {
      int[] old = window.removeFirst();
      actual[old[0]]--;
      windowAbstained -= old[1];
    }
    if (window.size() < config.window()) {
      return Optional.empty();
    }
    double psi = Divergence.psi(expected, actual);
    double rate = (double) windowAbstained / window.size();
    double baseRate = (double) baselineAbstained / config.baselineSize();
    List<String> alerts = new ArrayList<>();
    boolean psiHigh = psi > config.psiThreshold();
    if (psiHigh && !psiRaised) {
      alerts.add("psi");
    }
    psiRaised = psiHigh; // raised once per excursion above the threshold
    boolean abstentionHigh = Math.abs(rate - baseRate) * 100 > config.abstentionPoints();
    if (abstentionHigh && !abstentionRaised) {
      alerts.add("abstention");
    }
    abstentionRaised = abstentionHigh;
    return Optional.of(new Reading(psi, Divergence.kl(expected, actual), rate, baseRate, alerts));
  }
}
