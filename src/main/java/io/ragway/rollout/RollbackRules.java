package io.ragway.rollout;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Optional;

/** The three rollback rules of a rollout, read against both arms' window figures. */
final class RollbackRules {

  private RollbackRules() {}

  /**
   * Why the candidate must be rolled back, if it must: the error rule needs the candidate's window
   * to hold {@code minRequests}; the guard-hit and p99 rules compare with stable's, so both must.
   */
  static Optional<String> breach(RolloutConfig.Rules rules, Figures stable, Figures candidate) {
    if (candidate.requests() < rules.minRequests()) {
      return Optional.empty();
    }
    List<String> reasons = new ArrayList<>();
    if (candidate.errorRate() > rules.errorRate()) {
      reasons.add(String.format(Locale.ROOT, "error rate %.1f%% above %.1f%%", candidate.errorRate() * 100,
          rules.errorRate() * 100));
    }
    if (stable.requests() >= rules.minRequests()) {
      double points = (candidate.guardHitRate() - stable.guardHitRate()) * 100;
      if (points > rules.guardHitPoints()) {
        reasons.add(String.format(Locale.ROOT, "guard hits %.1f%% vs stable %.1f%% (+%.1f points, limit %.1f)",
            candidate.guardHitRate() * 100, stable.guardHitRate() * 100, points, rules.guardHitPoints()));
      }
      double slower = candidate.p99Ms() - stable.p99Ms();
      if (slower > rules.p99Ms()) {
        reasons.add(String.format(Locale.ROOT, "p99 %.0f ms vs stable %.0f ms (+%.0f ms, limit %.0f)", candidate.p99Ms(),
            stable.p99Ms(), slower, rules.p99Ms()));
      }
    }
    return reasons.isEmpty() ? Optional.empty() : Optional.of(String.join("; ", reasons));
  }

  /** The short names of the rules a reason names, for the decision metric's label. */
  static String kind(String reason) {
    List<String> kinds = new ArrayList<>();
    if (reason.contains("error rate")) {
      kinds.add("error_rate");
    }
    if (reason.contains("guard hits")) {
      kinds.add("guard_hits");
    }
    if (reason.contains("p99")) {
      kinds.add("p99");
    }
    if (reason.contains("thumbs down")) {
      kinds.add("thumbs_down");
    }
    return kinds.isEmpty() ? "manual" : String.join("+", kinds);
  }
}
