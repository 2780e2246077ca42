package io.ragway.rollout;

import java.time.Duration;
import java.time.Instant;
import java.util.ArrayDeque;
import java.util.Arrays;
import java.util.Collection;

/**
 * The last {@code size} outcomes of one arm, none older than {@code maxAge} (zero: no age limit).
 * Callers synchronise; figures are computed when asked, in O(n log n) over at most {@code size}.
 */
final class SlidingWindow implements ArmWindow {

  private final int size;
  private final Duration maxAge;
  private final ArrayDeque<Outcome> outcomes = new ArrayDeque<>();
  private long total;

  SlidingWindow(int size, Duration maxAge) {
    if (size < 1) {
      throw new IllegalArgumentException("a window holds at least one outcome");
    }
    this.size = size;
    this.maxAge = maxAge;
  }

  @Override
  public void add(Outcome o) {
    outcomes.addLast(o);
    total++;
    while (outcomes.size() > size) {
      outcomes.removeFirst();
    }
  }

  /** Requests recorded since the start, in or out of the window. */
  @Override
  public long total() {
    return total;
  }

  @Override
  public void clear() {
    outcomes.clear();
  }

  /** The figures of what is in the window at {@code now}: older outcomes leave it first. */
  @Override
  public Figures figures(Instant now) {
    if (!maxAge.isZero()) {
      Instant oldest = now.minus(maxAge);
      while (!outcomes.isEmpty() && outcomes.peekFirst().at().isBefore(oldest)) {
        outcomes.removeFirst();
      }
    }
    return of(outcomes);
  }

  /** The figures of {@code outcomes}, whatever their age: shared by every window so they agree. */
  static Figures of(Collection<Outcome> outcomes) {
    int n = outcomes.size();
    if (n == 0) {
      return Figures.EMPTY;
    }
    double[] latencies = new double[n];
    int errors = 0;
    int hits = 0;
    int i = 0;
    for (Outcome o : outcomes) {
      latencies[i++] = o.latencyMs();
      errors += o.error() ? 1 : 0;
      hits += o.guardHit() ? 1 : 0;
    }
    Arrays.sort(latencies);
    int rank = (int) Math.ceil(0.99 * n); // nearest rank: the smallest value with 99% at or below it
    return new Figures(n, errors, hits, latencies[Math.max(0, rank - 1)]);
  }
}
