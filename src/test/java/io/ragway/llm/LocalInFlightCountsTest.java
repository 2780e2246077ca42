package io.ragway.llm;

import io.ragway.testkit.FakeClock;

class LocalInFlightCountsTest extends InFlightCountsContract {

  @Override
  protected InFlightCounts create(FakeClock clock) {
    return InFlightCounts.inProcess();
  }
}
