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

  /**
   * Sessions in Redis, shared by the replicas that use it; while Redis is down (and sessions fail
   * open), {@code fallback} keeps the sessions created meanwhile on this replica.
   */
  public static Sessions redis(io.ragway.state.Redis redis, Sessions fallback, Duration idle, int maxTurns, Clock clock) {
    return new RedisSessions(redis, fallback, idle, maxTurns, clock);
  }
}
