package io.ragway.limit;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.time.Duration;
import org.junit.jupiter.api.Test;

class TokenBucketLimiterTest extends RateLimiterContract {

  @Override
  protected RateLimiter create(FakeTime time) {
    return RateLimiters.inProcess(time);
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
