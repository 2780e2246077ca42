package io.ragway.rollout;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneId;
import java.time.ZoneOffset;
import java.util.concurrent.atomic.AtomicLong;

/** A clock tests move by hand; its {@link #nanos()} moves with it, for request latencies. */
final class FakeClock extends Clock {

  private final Instant start = Instant.parse("2026-12-01T10:00:00Z");
  private final AtomicLong elapsed = new AtomicLong();

  void advance(Duration d) {
    elapsed.addAndGet(d.toNanos());
  }

  long nanos() {
    return elapsed.get();
  }

  @Override
  public ZoneId getZone() {
    return ZoneOffset.UTC;
  }

  @Override
  public Clock withZone(ZoneId zone) {
    return this;
  }

  @Override
  public Instant instant() {
    return start.plusNanos(elapsed.get());
  }
}
