package io.ragway.rollout;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.time.Duration;
import java.time.Instant;
import org.junit.jupiter.api.Test;

class SlidingWindowTest {

  private static final Instant T0 = Instant.parse("2026-12-01T10:00:00Z");

  @Test
  void p99IsTheNearestRankOverTheWindow() {
    SlidingWindow w = new SlidingWindow(1000, Duration.ZERO);
    for (int i = 1; i <= 200; i++) {
      w.add(new Outcome(T0, i, false, false));
    }
    Figures f = w.figures(T0);
    assertEquals(200, f.requests());
    assertEquals(198, f.p99Ms()); // ceil(0.99 * 200) = 198th smallest
  }

  @Test
  void keepsOnlyTheLastSizeOutcomes() {
    SlidingWindow w = new SlidingWindow(10, Duration.ZERO);
    for (int i = 0; i < 30; i++) {
      w.add(new Outcome(T0, 10, i >= 25, i % 2 == 0));
    }
    Figures f = w.figures(T0);
    assertEquals(10, f.requests());
    assertEquals(5, f.errors());
    assertEquals(5, f.guardHits());
    assertEquals(30, w.total());
  }

  @Test
  void dropsOutcomesOlderThanTheMaxAge() {
    SlidingWindow w = new SlidingWindow(100, Duration.ofSeconds(60));
    w.add(new Outcome(T0, 500, true, false));
    w.add(new Outcome(T0.plusSeconds(50), 20, false, false));
    assertEquals(2, w.figures(T0.plusSeconds(55)).requests());
    Figures later = w.figures(T0.plusSeconds(90));
    assertEquals(1, later.requests());
    assertEquals(0, later.errors());
    assertEquals(20, later.p99Ms());
  }

  @Test
  void anEmptyWindowHasNoFigures() {
    assertEquals(Figures.EMPTY, new SlidingWindow(5, Duration.ZERO).figures(T0));
  }
}
