package io.ragway.limit;

import java.time.Duration;

/** OpenAI's way of writing rate-limit state into headers. */
public final class RateLimitHeaders {

  private RateLimitHeaders() {}

  /** A duration as OpenAI writes {@code x-ratelimit-reset-*}: {@code 1s}, {@code 6m0s}, {@code 120ms}. */
  public static String humanDuration(Duration d) {
    long ms = Math.max(0, d.toMillis());
    if (ms < 1000) {
      return ms + "ms";
    }
    long s = ms / 1000;
    long frac = ms % 1000;
    String secs = frac == 0 ? Long.toString(s % 60) : String.format(java.util.Locale.ROOT, "%.3f", (s % 60) + frac / 1000.0)
        .replaceAll("0+$", "").replaceAll("\\.$", "");
    long m = s / 60;
    long h = m / 60;
    return (h > 0 ? h + "h" + (m % 60) + "m" : m > 0 ? m + "m" : "") + secs + "s";
  }

  /** Whole seconds for {@code Retry-After}, rounded up and at least 1. */
  public static long retryAfterSeconds(Duration d) {
    return Math.max(1, (d.toMillis() + 999) / 1000);
  }
}
