package io.ragway.rollout;

import java.time.Instant;

/** The recent outcomes of one arm of a rollout: in this process, or shared by replicas through Redis. */
interface ArmWindow {

  void add(Outcome o);

  /** Requests recorded since the start, in or out of the window. */
  long total();

  /** Empties the window (a resumed rollout starts afresh). */
  void clear();

  /** The figures of what is in the window at {@code now}: older outcomes leave it first. */
  Figures figures(Instant now);

  /** Opens the window of one arm ({@code stable} or {@code candidate}) of a rollout. */
  @FunctionalInterface
  interface Factory {
    ArmWindow open(String rollout, String arm, int size, java.time.Duration maxAge);

    /** Windows in this process. */
    Factory LOCAL = (rollout, arm, size, maxAge) -> new SlidingWindow(size, maxAge);
  }
}
