package io.ragway.limit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.github.bucket4j.TimeMeter;
import java.time.Duration;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * What every {@link RateLimiter} must do, on a clock the test moves: in process
 * ({@link TokenBucketLimiterTest}) and in Redis ({@link RedisBucketLimiterIT}).
 */
abstract class RateLimiterContract {

  /** A clock the test moves; wall-clock based, as a limiter shared by replicas needs. */
  static final class FakeTime implements TimeMeter {
    long nanos = 1_000_000_000_000L;

    @Override
    public long currentTimeNanos() {
      return nanos;
    }

    @Override
    public boolean isWallClockBased() {
      return true;
    }
  }

  protected final FakeTime time = new FakeTime();
  protected RateLimiter limiter;

  /** The limiter under test, reading {@code time}; a fresh one (no buckets yet) per test. */
  protected abstract RateLimiter create(FakeTime time);

  @BeforeEach
  void createLimiter() {
    limiter = create(time);
  }

  @Test
  void requestsPerMinuteRefillGraduallyNotAtTheMinutesTurn() {
    RateLimiter.Limits limits = new RateLimiter.Limits(3, 0);
    for (int i = 0; i < 3; i++) {
      assertEquals(2 - i, limiter.acquireRequest("k", limits).orElseThrow().remaining());
    }
    RateLimitExceeded e = assertThrows(RateLimitExceeded.class, () -> limiter.acquireRequest("k", limits));
    assertEquals("requests", e.kind());
    assertEquals(Duration.ofSeconds(20), e.retryAfter(), "one request comes back every 20 s");
    time.nanos += Duration.ofSeconds(20).toNanos();
    assertEquals(0, limiter.acquireRequest("k", limits).orElseThrow().remaining());
  }

  @Test
  void keysHaveTheirOwnBuckets() {
    RateLimiter.Limits limits = new RateLimiter.Limits(1, 0);
    limiter.acquireRequest("a", limits);
    assertThrows(RateLimitExceeded.class, () -> limiter.acquireRequest("a", limits));
    limiter.acquireRequest("b", limits);
  }

  @Test
  void limitsAboveWhatBucket4jCanRefillAreStillServed() {
    RateLimiter.Limits limits = new RateLimiter.Limits(1_000_000_000_000L, 1_000_000_000_000L);
    assertEquals(1_000_000_000_000L - 1, limiter.acquireRequest("k", limits).orElseThrow().remaining());
    assertEquals(1_000_000_000_000L - 500, limiter.acquireTokens("k", limits, 500).orElseThrow().remaining());
  }

  @Test
  void noLimitMeansNoState() {
    assertTrue(limiter.acquireRequest("k", RateLimiter.Limits.NONE).isEmpty());
    assertTrue(limiter.acquireTokens("k", RateLimiter.Limits.NONE, 1_000_000).isEmpty());
  }

  @Test
  void tokensAreReservedThenSettledWithTheRealUsage() {
    RateLimiter.Limits limits = new RateLimiter.Limits(0, 1000);
    assertEquals(400, limiter.acquireTokens("k", limits, 600).orElseThrow().remaining());
    limiter.reconcile("k", limits, 600, 100); // it used less: 500 come back
    assertEquals(800, limiter.acquireTokens("k", limits, 100).orElseThrow().remaining());
    limiter.reconcile("k", limits, 100, 900); // it used more: the debt is taken
    RateLimitExceeded e = assertThrows(RateLimitExceeded.class, () -> limiter.acquireTokens("k", limits, 1));
    assertEquals("tokens", e.kind());
    assertTrue(e.retryAfter().compareTo(Duration.ZERO) > 0);
  }

  @Test
  void aRequestLargerThanTheLimitCanNeverPass() {
    RateLimitExceeded e = assertThrows(RateLimitExceeded.class,
        () -> limiter.acquireTokens("k", new RateLimiter.Limits(0, 100), 101));
    assertTrue(e.getMessage().contains("Request too large"), e.getMessage());
  }

  @Test
  void concurrentRequestsNeverTakeMoreThanTheLimit() throws Exception {
    assertEquals(60, admitted(java.util.List.of(limiter), 400));
  }

  /** Requests of one key limited to 60/min, spread over {@code limiters} by 16 threads: how many got through. */
  static int admitted(java.util.List<RateLimiter> limiters, int requests) throws Exception {
    RateLimiter.Limits limits = new RateLimiter.Limits(60, 0);
    java.util.concurrent.atomic.AtomicInteger admitted = new java.util.concurrent.atomic.AtomicInteger();
    try (var pool = java.util.concurrent.Executors.newFixedThreadPool(16)) {
      java.util.List<java.util.concurrent.Future<?>> done = new java.util.ArrayList<>();
      for (int i = 0; i < requests; i++) {
        RateLimiter l = limiters.get(i % limiters.size());
        done.add(pool.submit(() -> {
          try {
            l.acquireRequest("shared", limits);
            admitted.incrementAndGet();
          } catch (RateLimitExceeded refused) {
            // over the limit
          }
        }));
      }
      for (var f : done) {
        f.get();
      }
    }
    return admitted.get();
  }
}
