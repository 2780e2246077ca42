package io.ragway.limit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.github.bucket4j.TimeMeter;
import java.time.Duration;
import org.junit.jupiter.api.Test;

class TokenBucketLimiterTest {

  /** A clock the test moves. */
  private static final class FakeTime implements TimeMeter {
    long nanos;

    @Override
    public long currentTimeNanos() {
      return nanos;
    }

    @Override
    public boolean isWallClockBased() {
      return false;
    }
  }

  private final FakeTime time = new FakeTime();
  private final RateLimiter limiter = RateLimiters.inProcess(time);

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
  void headerDurationsReadLikeOpenAis() {
    assertEquals("20s", RateLimitHeaders.humanDuration(Duration.ofSeconds(20)));
    assertEquals("6m0s", RateLimitHeaders.humanDuration(Duration.ofMinutes(6)));
    assertEquals("1.5s", RateLimitHeaders.humanDuration(Duration.ofMillis(1500)));
    assertEquals("120ms", RateLimitHeaders.humanDuration(Duration.ofMillis(120)));
    assertEquals(1, RateLimitHeaders.retryAfterSeconds(Duration.ofMillis(10)));
    assertEquals(3, RateLimitHeaders.retryAfterSeconds(Duration.ofMillis(2001)));
  }
}
