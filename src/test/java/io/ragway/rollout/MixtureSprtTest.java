package io.ragway.rollout;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Arrays;
import java.util.Optional;
import java.util.Random;
import org.junit.jupiter.api.Test;

/** Simulated feedback streams: seeded, so every figure here is the same on every run. */
class MixtureSprtTest {

  private static final RolloutConfig.ThumbsDown RULE = new RolloutConfig.ThumbsDown(true, 100, 0.05, 0.05);
  private static final int SEEDS = 400;
  private static final int STREAM = 4_000;

  /** The feedback of one stream: {stable n, stable down, candidate n, candidate down}, and when a rollback came (-1: never). */
  private static int firstRollback(long seed, double stableRate, double candidateRate, double candidateShare,
      boolean naiveZ) {
    Random random = new Random(seed);
    long[] r = new long[4];
    for (int i = 0; i < STREAM; i++) {
      int at = random.nextDouble() < candidateShare ? 2 : 0;
      double p = at == 2 ? candidateRate : stableRate;
      r[at]++;
      r[at + 1] += random.nextDouble() < p ? 1 : 0;
      boolean rolledBack = naiveZ ? naiveZ(r) : MixtureSprt.breach(RULE, r[0], r[1], r[2], r[3]).isPresent();
      if (rolledBack) {
        return i + 1;
      }
    }
    return -1;
  }

  /** A one-sided two-proportion z-test at 5% after every rating, as a dashboard alert would do it. */
  private static boolean naiveZ(long[] r) {
    if (r[0] < RULE.minSamples() || r[2] < RULE.minSamples()) {
      return false;
    }
    double s = (double) r[1] / r[0];
    double c = (double) r[3] / r[2];
    double pooled = (double) (r[1] + r[3]) / (r[0] + r[2]);
    double se = Math.sqrt(pooled * (1 - pooled) * (1.0 / r[0] + 1.0 / r[2]));
    return se > 0 && c - s >= RULE.minIncrease() && (c - s) / se > 1.645;
  }

  private static double rollbackShare(double stableRate, double candidateRate, double share, boolean naiveZ) {
    int rolledBack = 0;
    for (int seed = 0; seed < SEEDS; seed++) {
      rolledBack += firstRollback(seed, stableRate, candidateRate, share, naiveZ) > 0 ? 1 : 0;
    }
    return (double) rolledBack / SEEDS;
  }

  @Test
  void equalRatesRollBackAtMostAsOftenAsAlphaHoweverOftenTheyAreChecked() {
    for (double rate : new double[] {0.05, 0.15, 0.4}) {
      double share = rollbackShare(rate, rate, 0.5, false);
      // alpha plus two standard errors of a share over 400 seeds
      assertTrue(share <= RULE.alpha() + 2 * Math.sqrt(RULE.alpha() * (1 - RULE.alpha()) / SEEDS),
          "false rollbacks at " + rate + ": " + share);
    }
  }

  @Test
  void aZTestReadAfterEveryRatingRollsBackNoiseFarMoreOftenThanItsAlpha() {
    // the reason for the sequential test: same streams, same minimum, same minimum rise
    double naive = rollbackShare(0.15, 0.15, 0.5, true);
    double sequential = rollbackShare(0.15, 0.15, 0.5, false);
    assertTrue(naive > 2 * RULE.alpha(), "repeated z-tests: " + naive);
    assertTrue(sequential < naive / 2, "mSPRT " + sequential + " vs repeated z-tests " + naive);
  }

  @Test
  void aRealRegressionIsRolledBackAndSoon() {
    int[] when = new int[SEEDS];
    int caught = 0;
    for (int seed = 0; seed < SEEDS; seed++) {
      when[seed] = firstRollback(seed, 0.10, 0.25, 0.5, false);
      caught += when[seed] > 0 ? 1 : 0;
    }
    assertTrue(caught >= SEEDS * 0.99, "caught " + caught + " of " + SEEDS);
    int[] found = Arrays.stream(when).filter(w -> w > 0).sorted().toArray();
    int median = found[found.length / 2];
    assertTrue(median < 800, "median ratings (both arms) before the rollback: " + median);
  }

  @Test
  void aCanaryWithATenthOfTheTrafficIsStillCaught() {
    int caught = 0;
    for (int seed = 0; seed < 100; seed++) {
      caught += firstRollback(seed, 0.10, 0.25, 0.1, false) > 0 ? 1 : 0;
    }
    assertTrue(caught >= 95, "caught " + caught + " of 100");
  }

  @Test
  void nothingIsDecidedBelowMinSamplesOnEitherArm() {
    assertEquals(Optional.empty(), MixtureSprt.breach(RULE, 99, 0, 5_000, 5_000));
    assertEquals(Optional.empty(), MixtureSprt.breach(RULE, 5_000, 0, 99, 99));
    assertTrue(MixtureSprt.breach(RULE, 100, 0, 100, 100).isPresent());
  }

  @Test
  void aSignificantButSmallRiseIsLeftAlone() {
    // 40,000 ratings per arm make +3 points certain, but it is below min_increase
    assertTrue(MixtureSprt.ratio(40_000, 4_000, 40_000, 5_200, 0.05) > 1e6);
    assertEquals(Optional.empty(), MixtureSprt.breach(RULE, 40_000, 4_000, 40_000, 5_200));
  }

  @Test
  void aDropInThumbsDownNeverRollsBack() {
    assertFalse(MixtureSprt.breach(RULE, 1_000, 400, 1_000, 50).isPresent());
  }

  @Test
  void theReasonNamesBothRatesAndTheRatio() {
    String reason = MixtureSprt.breach(RULE, 200, 20, 200, 50).orElseThrow();
    assertTrue(reason.startsWith("thumbs down 25.0% of 200 ratings vs stable 10.0% of 200"), reason);
    assertEquals("thumbs_down", RollbackRules.kind(reason));
  }

  @Test
  void downIsThumbsDownAndSoAreOneAndTwoStars() {
    assertTrue(MixtureSprt.isDown("down") && MixtureSprt.isDown("1") && MixtureSprt.isDown("2"));
    assertFalse(MixtureSprt.isDown("up") || MixtureSprt.isDown("3") || MixtureSprt.isDown("5"));
  }
}
