package io.ragway.rollout;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Optional;
import org.junit.jupiter.api.Test;

class RollbackRulesTest {

  private static final RolloutConfig.Rules RULES = new RolloutConfig.Rules(50, 200, 0, 5.0, 50.0, 0.05);

  @Test
  void equalArmsAreNotRolledBack() {
    Figures same = new Figures(100, 2, 4, 120);
    assertEquals(Optional.empty(), RollbackRules.breach(RULES, same, same));
  }

  @Test
  void rollsBackOnGuardHitsMoreThanFivePointsAboveStable() {
    Figures stable = new Figures(100, 0, 2, 100);
    assertEquals(Optional.empty(), RollbackRules.breach(RULES, stable, new Figures(100, 0, 7, 100))); // +5.0: not above
    Optional<String> r = RollbackRules.breach(RULES, stable, new Figures(100, 0, 8, 100));
    assertTrue(r.orElseThrow().contains("guard hits 8.0% vs stable 2.0% (+6.0 points"), r.get());
    assertEquals("guard_hits", RollbackRules.kind(r.get()));
  }

  @Test
  void rollsBackOnP99MoreThanFiftyMsAboveStable() {
    Figures stable = new Figures(100, 0, 0, 100);
    assertEquals(Optional.empty(), RollbackRules.breach(RULES, stable, new Figures(100, 0, 0, 150)));
    Optional<String> r = RollbackRules.breach(RULES, stable, new Figures(100, 0, 0, 151));
    assertTrue(r.orElseThrow().contains("p99 151 ms vs stable 100 ms"), r.get());
    assertEquals("p99", RollbackRules.kind(r.get()));
  }

  @Test
  void rollsBackOnAnErrorRateAboveTheThresholdWhateverStableDoes() {
    Figures stable = new Figures(100, 10, 0, 100); // stable errs too: the threshold is absolute
    assertEquals(Optional.empty(), RollbackRules.breach(RULES, stable, new Figures(100, 5, 0, 100)));
    Optional<String> r = RollbackRules.breach(RULES, Figures.EMPTY, new Figures(100, 6, 0, 100));
    assertTrue(r.orElseThrow().contains("error rate 6.0% above 5.0%"), r.get());
    assertEquals("error_rate", RollbackRules.kind(r.get()));
  }

  @Test
  void nothingIsDecidedBeforeMinRequests() {
    Figures terrible = new Figures(49, 49, 49, 10_000);
    assertEquals(Optional.empty(), RollbackRules.breach(RULES, new Figures(100, 0, 0, 10), terrible));
    // comparisons wait for stable's window too; the error rule does not
    Figures slow = new Figures(60, 0, 30, 10_000);
    assertEquals(Optional.empty(), RollbackRules.breach(RULES, new Figures(49, 0, 0, 10), slow));
  }

  @Test
  void namesEveryRuleThatIsBroken() {
    Optional<String> r = RollbackRules.breach(RULES, new Figures(100, 0, 0, 100), new Figures(100, 10, 10, 300));
    assertEquals("error_rate+guard_hits+p99", RollbackRules.kind(r.orElseThrow()));
  }
}
