package io.ragway.rollout;

import java.time.Duration;

/** The window contract on the window of one process. */
class SlidingWindowContractTest extends ArmWindowContract {

  @Override
  protected ArmWindow create(int size, Duration maxAge) {
    return ArmWindow.Factory.LOCAL.open("r", "stable", size, maxAge);
  }
}
