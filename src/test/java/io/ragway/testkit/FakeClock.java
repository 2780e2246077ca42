package io.ragway.testkit;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneId;
import java.time.ZoneOffset;
import java.util.concurrent.atomic.AtomicLong;

/** A UTC clock that moves only when a test moves it; {@link #nanos()} moves with it, for latencies. */
public final class FakeClock extends Clock {

  private final Instant start;
  private final AtomicLong elapsed = new AtomicLong();

  /** Starting at 2026-12-01T10:00:00Z. */
  public FakeClock() {
    this(Instant.parse("2026-12-01T10:00:00Z"));
  }

  public FakeClock(Instant start) {
    this.start = start;
  }

  public void advance(Duration d) {
    elapsed.addAndGet(d.toNanos());
  }

  /** Moves the clock to {@code t}, forwards or back. */
  public void set(Instant t) {
    elapsed.set(Duration.between(start, t).toNanos());
  }

  /** Nanoseconds since the start, as {@link System#nanoTime()} would count them. */
  public long nanos() {
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
