package io.ragway.chat;

import java.time.Clock;
import java.time.Duration;

class CaffeineSessionsTest extends SessionsContract {

  @Override
  protected Sessions create(int maxTurns) {
    return SessionStores.inProcess(100, Duration.ofMinutes(30), maxTurns, Clock.systemUTC(), System::nanoTime);
  }
}
