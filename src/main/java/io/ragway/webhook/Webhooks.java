package io.ragway.webhook;

import com.fasterxml.jackson.databind.JsonNode;
import io.ragway.telemetry.Telemetry;
import java.net.http.HttpClient;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.Random;

/**
 * Posts ragway's events ({@code drift}, {@code rollback}) to the receivers of {@code webhooks:}:
 * JSON, signed (see {@link WebhookSignature}), retried with backoff on 5xx, timeouts and
 * connection errors. {@link #send} only queues: delivery runs on the webhooks' own threads.
 */
public interface Webhooks extends AutoCloseable {

  /** Queues {@code event} with {@code data} for every receiver that wants it; returns at once and never throws. */
  void send(String event, JsonNode data);

  /** Stops delivering; events still being retried are given up (and logged). */
  @Override
  void close();

  /** No receivers. */
  static Webhooks none() {
    return new Webhooks() {
      @Override
      public void send(String event, JsonNode data) {}

      @Override
      public void close() {}
    };
  }

  /**
   * Delivers to {@code receivers} over HTTP.
   *
   * @param clock the time of each delivery's timestamp
   * @param random the jitter of the waits between attempts
   */
  static Webhooks http(List<WebhookConfig> receivers, Telemetry telemetry, Clock clock, Random random) {
    if (receivers.isEmpty()) {
      return none();
    }
    HttpClient client = HttpClient.newBuilder().connectTimeout(Duration.ofMillis(receivers.stream()
        .mapToInt(WebhookConfig::timeoutMs).max().orElse(5_000))).followRedirects(HttpClient.Redirect.NEVER).build();
    return new HttpWebhooks(receivers, client, telemetry, clock, random);
  }
}
