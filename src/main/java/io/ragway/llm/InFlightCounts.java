package io.ragway.llm;

import io.ragway.state.Redis;
import java.time.Clock;
import java.time.Duration;

/**
 * Requests in flight per upstream deployment, as least-busy and prefix routing see them: this
 * process's own ({@link #inProcess()}) or the sum over every gateway replica sharing one Redis
 * ({@link #redis}). Starting and finishing a request never waits on anything shared.
 */
public interface InFlightCounts extends AutoCloseable {

  /** A request to {@code deployment} began on this replica. */
  void started(String deployment);

  /** A request to {@code deployment} on this replica ended, however it ended. */
  void finished(String deployment);

  /**
   * Requests in flight to {@code deployment}: this replica's exactly, others' as last synced (a
   * deployment this replica has not used or asked about before is part of the next sync on).
   */
  int count(String deployment);

  /** Stops any background work; the counts stay readable. */
  @Override
  default void close() {}

  /** Counts of this process alone (one replica, or {@code state.backend: memory}). */
  static InFlightCounts inProcess() {
    return new LocalInFlightCounts();
  }

  /**
   * Counts shared through {@code redis}: every {@code every} this replica publishes its own counts
   * (stamped with {@code clock}) and reads the others'; a replica silent for {@code staleAfter}
   * (crashed) no longer counts. While Redis is down, only this replica's counts (fail open).
   */
  static InFlightCounts redis(Redis redis, String replica, Clock clock, Duration every, Duration staleAfter) {
    RedisInFlightCounts counts = new RedisInFlightCounts(redis, replica, clock, staleAfter);
    counts.syncEvery(every);
    return counts;
  }
}
