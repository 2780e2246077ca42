package io.ragway.webhook;

import java.net.URI;
import java.util.List;
import java.util.Locale;
import java.util.Set;

/**
 * One receiver of {@code webhooks:} in {@code ragway.yaml}.
 *
 * @param url where events are POSTed (http or https)
 * @param secret the HMAC-SHA256 key each delivery is signed with (use {@code ${ENV}})
 * @param events which events it gets: {@code drift}, {@code rollback} (default both)
 * @param timeoutMs how long one attempt may take, connecting included
 * @param maxAttempts attempts per event, the first included
 * @param backoffMs the wait before the second attempt; each later wait doubles, with jitter
 * @param maxBackoffMs the longest wait between two attempts
 */
public record WebhookConfig(String url, String secret, List<String> events, Integer timeoutMs, Integer maxAttempts,
    Integer backoffMs, Integer maxBackoffMs) {

  /** The events ragway posts. */
  public static final Set<String> EVENTS = Set.of("drift", "rollback");

  public WebhookConfig {
    URI uri;
    try {
      uri = URI.create(url == null ? "" : url.strip());
    } catch (IllegalArgumentException e) {
      throw new IllegalArgumentException("webhooks: '" + url + "' is not a URL");
    }
    String scheme = uri.getScheme() == null ? "" : uri.getScheme().toLowerCase(Locale.ROOT);
    if (!(scheme.equals("http") || scheme.equals("https")) || uri.getHost() == null) {
      throw new IllegalArgumentException("webhooks: url must be an http or https URL, got '" + url + "'");
    }
    url = uri.toString();
    if (secret == null || secret.isBlank()) {
      throw new IllegalArgumentException("webhooks: " + url + " needs a secret to sign its deliveries with "
          + "(secret: ${RAGWAY_WEBHOOK_SECRET})");
    }
    events = events == null || events.isEmpty() ? List.copyOf(EVENTS.stream().sorted().toList()) : List.copyOf(events);
    for (String e : events) {
      if (!EVENTS.contains(e)) {
        throw new IllegalArgumentException("webhooks: " + url + ": unknown event '" + e + "' (drift or rollback)");
      }
    }
    timeoutMs = timeoutMs == null ? 5_000 : timeoutMs;
    maxAttempts = maxAttempts == null ? 5 : maxAttempts;
    backoffMs = backoffMs == null ? 1_000 : backoffMs;
    maxBackoffMs = maxBackoffMs == null ? 60_000 : maxBackoffMs;
    if (timeoutMs < 1 || maxAttempts < 1 || maxAttempts > 20 || backoffMs < 0 || maxBackoffMs < backoffMs) {
      throw new IllegalArgumentException("webhooks: " + url + ": timeout_ms must be >= 1, max_attempts 1 to 20, "
          + "backoff_ms >= 0 and max_backoff_ms >= backoff_ms");
    }
  }

  /** A receiver of every event with the default timeout and retries. */
  public static WebhookConfig of(String url, String secret) {
    return new WebhookConfig(url, secret, null, null, null, null, null);
  }

  /** Whether it gets {@code event}. */
  public boolean wants(String event) {
    return events.contains(event);
  }

  /** The receiver's scheme, host and port: what logs name (a URL's path or query may hold a token). */
  public String origin() {
    URI u = URI.create(url);
    return u.getScheme() + "://" + u.getHost() + (u.getPort() < 0 ? "" : ":" + u.getPort());
  }

  @Override
  public String toString() {
    return "WebhookConfig[url=" + origin() + ", events=" + events + "]"; // never the secret nor the URL's path
  }
}
