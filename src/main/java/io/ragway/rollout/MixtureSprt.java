package io.ragway.rollout;

import java.util.Locale;
import java.util.Optional;

/**
 * The thumbs-down rule: a one-sided mixture sequential probability ratio test (mSPRT) of whether
 * the candidate's thumbs-down rate is above stable's, over all feedback each arm has had.
 */
final class MixtureSprt {

  /*
   * Why not a two-proportion z-test after each feedback: read over and over on a growing sample,
   * a test at level alpha rolls back a candidate that is no worse far more often than alpha (the
   * chance that a random walk ever crosses a fixed line grows with every look; MixtureSprtTest
   * measures it). The mSPRT (Robbins 1970; Johari et al., "Always valid inference", 2017) gives
   * a likelihood ratio that may be read after every observation: with the difference of the
   * rates theta_hat, its variance V (pooled rate under "no difference") and a normal prior
   * N(0, tau^2) on the true difference,
   *
   *   Lambda = sqrt(V / (V + tau^2)) * exp(theta_hat^2 tau^2 / (2 V (V + tau^2)))
   *
   * is a martingale under "no difference", so by Ville's inequality the chance that it ever
   * reaches 1/alpha is at most alpha. Only rises count (one-sided), which keeps the rate of false
   * rollbacks at or below alpha. tau is min_increase, the size of regression worth catching, and
   * the observed rise must reach min_increase as well, so a tiny but certain rise is left alone.
   * min_samples per arm keeps the normal approximation of a proportion honest.
   */

  private MixtureSprt() {}

  /** The mixture likelihood ratio for a candidate with {@code cDown} of {@code cN} against {@code sDown} of {@code sN}; 1 when nothing can be said. */
  static double ratio(long sN, long sDown, long cN, long cDown, double tau) {
    if (sN == 0 || cN == 0) {
      return 1;
    }
    double pooled = (double) (sDown + cDown) / (sN + cN);
    double v = pooled * (1 - pooled) * (1.0 / sN + 1.0 / cN);
    if (v <= 0) {
      return 1; // every rating the same on both arms: no evidence of a difference
    }
    double theta = (double) cDown / cN - (double) sDown / sN;
    double t2 = tau * tau;
    return Math.sqrt(v / (v + t2)) * Math.exp(theta * theta * t2 / (2 * v * (v + t2)));
  }

  /** Why the candidate must be rolled back for its thumbs-down rate, if it must. */
  static Optional<String> breach(RolloutConfig.ThumbsDown rule, long sN, long sDown, long cN, long cDown) {
    if (!rule.enabled() || sN < rule.minSamples() || cN < rule.minSamples()) {
      return Optional.empty();
    }
    double s = (double) sDown / sN;
    double c = (double) cDown / cN;
    if (c - s < rule.minIncrease()) {
      return Optional.empty();
    }
    double lambda = ratio(sN, sDown, cN, cDown, rule.minIncrease());
    if (lambda < 1 / rule.alpha()) {
      return Optional.empty();
    }
    return Optional.of(String.format(Locale.ROOT,
        "thumbs down %.1f%% of %d ratings vs stable %.1f%% of %d (+%.1f points, mSPRT ratio %.3g >= 1/alpha = %.3g)",
        c * 100, cN, s * 100, sN, (c - s) * 100, lambda, 1 / rule.alpha()));
  }

  /** Whether a rating counts as a thumbs down: {@code down}, or 1 or 2 of 5. */
  static boolean isDown(String rating) {
    return rating.equals("down") || rating.equals("1") || rating.equals("2");
  }
}
