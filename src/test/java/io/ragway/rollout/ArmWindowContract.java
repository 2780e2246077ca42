package io.ragway.rollout;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.time.Duration;
import java.time.Instant;
import java.util.Random;
import org.junit.jupiter.api.Test;

/** What every arm window does, local or shared; each implementation's test extends this. */
abstract class ArmWindowContract {

  protected static final Instant T0 = Instant.parse("2026-12-01T10:00:00Z");

  /** A new, empty window of one arm. */
  protected abstract ArmWindow create(int size, Duration maxAge);

  @Test
  void countsWhatIsAdded() {
    ArmWindow w = create(100, Duration.ZERO);
    assertEquals(Figures.EMPTY, w.figures(T0));
    w.add(new Outcome(T0, 100, false, false));
    w.add(new Outcome(T0, 300, true, false));
    w.add(new Outcome(T0, 200, false, true));
    assertEquals(new Figures(3, 1, 1, 300), w.figures(T0));
    assertEquals(3, w.total());
  }

  @Test
  void keepsOnlyTheLastSizeOutcomes() {
    ArmWindow w = create(10, Duration.ZERO);
    for (int i = 0; i < 30; i++) {
      w.add(new Outcome(T0, i, i >= 25, i % 2 == 0));
    }
    assertEquals(new Figures(10, 5, 5, 29), w.figures(T0));
    assertEquals(30, w.total());
  }

  @Test
  void dropsOutcomesOlderThanTheMaxAge() {
    ArmWindow w = create(100, Duration.ofSeconds(60));
    w.add(new Outcome(T0, 500, true, false));
    w.add(new Outcome(T0.plusSeconds(30), 100, false, false));
    assertEquals(2, w.figures(T0.plusSeconds(60)).requests());
    assertEquals(new Figures(1, 0, 0, 100), w.figures(T0.plusSeconds(61)));
    assertEquals(Figures.EMPTY, w.figures(T0.plusSeconds(91)));
  }

  @Test
  void clearEmptiesTheWindow() {
    ArmWindow w = create(100, Duration.ZERO);
    w.add(new Outcome(T0, 100, true, true));
    w.clear();
    assertEquals(Figures.EMPTY, w.figures(T0));
    w.add(new Outcome(T0, 50, false, false));
    assertEquals(new Figures(1, 0, 0, 50), w.figures(T0));
  }

  @Test
  void figuresAreThoseOfASlidingWindowGivenTheSameOutcomes() {
    ArmWindow w = create(200, Duration.ofSeconds(20));
    SlidingWindow reference = new SlidingWindow(200, Duration.ofSeconds(20));
    Random random = new Random(7);
    Instant at = T0;
    for (int i = 0; i < 600; i++) {
      at = at.plusMillis(random.nextInt(100));
      Outcome o = new Outcome(at, random.nextDouble() * 2000, random.nextInt(20) == 0, random.nextInt(30) == 0);
      w.add(o);
      reference.add(o);
      if (i % 97 == 0) {
        assertEquals(reference.figures(at), w.figures(at), "after " + (i + 1));
      }
    }
    Instant later = at.plusSeconds(15);
    assertEquals(reference.figures(later), w.figures(later));
    assertEquals(reference.total(), w.total());
  }
}
