package io.ragway.chat;

import com.github.benmanes.caffeine.cache.Ticker;
import java.time.Clock;
import java.time.Duration;

/** Creates session stores. */
public final class SessionStores {

  private SessionStores() {}

  /** Sessions in this process; at most {@code maxTurns} messages each. */
  public static Sessions inProcess(long maxSessions, Duration idle, int maxTurns, Clock clock, Ticker ticker) {
    return new CaffeineSessions(maxSessions, idle, maxTurns, clock, ticker);
  }
}
