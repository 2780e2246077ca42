package io.ragway.webhook;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.ragway.config.JsonMappers;
import io.ragway.telemetry.Telemetry;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.net.http.HttpTimeoutException;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.Random;
import java.util.UUID;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** Webhooks delivered by {@link HttpClient}, each attempt on a virtual thread, retries on a timer. */
final class HttpWebhooks implements Webhooks {

  /*
   * An event becomes one delivery per receiver that wants it; the delivery keeps one id across its
   * attempts (X-Ragway-Delivery), so a receiver that got an attempt whose answer was lost can tell
   * the retry apart. Each attempt is signed afresh with its own timestamp, so a receiver's replay
   * window need not cover the whole retry schedule.
   *
   * What may succeed later is retried: 5xx, 408, 429, a timeout, a refused or broken connection.
   * The wait before attempt n+1 is backoff * 2^(n-1), capped at max_backoff, with "equal jitter"
   * (half of it fixed, half random) so that replicas retrying the same receiver spread out.
   * Other answers (4xx, 3xx) are final. Deliveries never run on the caller's thread, and at most
   * MAX_PENDING wait at once: beyond that a new one is dropped, logged and counted.
   */

  private static final Logger LOG = LoggerFactory.getLogger("io.ragway.webhook");
  static final int MAX_PENDING = 1_000;

  private record Delivery(WebhookConfig receiver, String event, String id, String body) {}

  private final ObjectMapper json = JsonMappers.create();
  private final List<WebhookConfig> receivers;
  private final HttpClient client;
  private final Telemetry telemetry;
  private final Clock clock;
  private final Random random;
  private final ExecutorService senders = Executors.newThreadPerTaskExecutor(Thread.ofVirtual().name("ragway-webhook")
      .factory());
  private final ScheduledExecutorService timer = Executors.newSingleThreadScheduledExecutor(
      Thread.ofVirtual().name("ragway-webhook-timer").factory());
  private final Semaphore pending = new Semaphore(MAX_PENDING);
  private volatile boolean closed;

  HttpWebhooks(List<WebhookConfig> receivers, HttpClient client, Telemetry telemetry, Clock clock, Random random) {
    this.receivers = List.copyOf(receivers);
    this.client = client;
    this.telemetry = telemetry;
    this.clock = clock;
    this.random = random;
  }

  @Override
  public void send(String event, JsonNode data) {
    if (closed) {
      return;
    }
    String id = "evt_" + UUID.randomUUID().toString().replace("-", "");
    String body;
    try {
      ObjectNode n = json.createObjectNode().put("id", id).put("type", event).put("created_at", clock.instant().toString());
      n.set("data", data);
      body = json.writeValueAsString(n);
    } catch (JsonProcessingException | RuntimeException e) {
      LOG.warn("webhook: the {} event cannot be written: {}", event, e.getMessage());
      return;
    }
    for (WebhookConfig r : receivers) {
      if (!r.wants(event)) {
        continue;
      }
      if (!pending.tryAcquire()) {
        LOG.warn("{}", log("webhook_dropped", new Delivery(r, event, id, body), 0)
            .put("reason", MAX_PENDING + " deliveries already pending"));
        telemetry.webhook(event, "dropped");
        continue;
      }
      submit(new Delivery(r, event, id, body), 1);
    }
  }

  private void submit(Delivery d, int attempt) {
    try {
      senders.execute(() -> attempt(d, attempt));
    } catch (RejectedExecutionException e) {
      giveUp(d, attempt, "ragway is shutting down");
    }
  }

  private void attempt(Delivery d, int attempt) {
    long timestamp = clock.instant().getEpochSecond();
    HttpRequest request = HttpRequest.newBuilder(URI.create(d.receiver().url()))
        .timeout(Duration.ofMillis(d.receiver().timeoutMs()))
        .header("Content-Type", "application/json")
        .header("User-Agent", "ragway-webhook")
        .header("X-Ragway-Event", d.event())
        .header("X-Ragway-Delivery", d.id())
        .header(WebhookSignature.TIMESTAMP, Long.toString(timestamp))
        .header(WebhookSignature.SIGNATURE, WebhookSignature.sign(d.receiver().secret(), timestamp, d.body()))
        .POST(HttpRequest.BodyPublishers.ofString(d.body())).build();
    String failure;
    boolean retry;
    try {
      int status = client.send(request, HttpResponse.BodyHandlers.discarding()).statusCode();
      if (status / 100 == 2) {
        pending.release();
        telemetry.webhook(d.event(), "delivered");
        LOG.info("{}", log("webhook_delivered", d, attempt).put("status", status));
        return;
      }
      failure = "status " + status;
      retry = status >= 500 || status == 408 || status == 429;
    } catch (HttpTimeoutException e) {
      failure = "no answer within " + d.receiver().timeoutMs() + " ms";
      retry = true;
    } catch (IOException e) {
      failure = "connection: " + (e.getMessage() == null ? e.getClass().getSimpleName() : e.getMessage());
      retry = true;
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      giveUp(d, attempt, "ragway is shutting down");
      return;
    }
    if (!retry || attempt >= d.receiver().maxAttempts() || closed) {
      giveUp(d, attempt, failure);
      return;
    }
    long wait = backoffMs(d.receiver(), attempt);
    telemetry.webhook(d.event(), "retried");
    LOG.info("{}", log("webhook_retry", d, attempt).put("error", failure).put("retry_in_ms", wait));
    try {
      timer.schedule(() -> submit(d, attempt + 1), wait, TimeUnit.MILLISECONDS);
    } catch (RejectedExecutionException e) {
      giveUp(d, attempt, failure + "; ragway is shutting down");
    }
  }

  /** The wait after failed attempt {@code attempt}: exponential, capped, half of it random. */
  long backoffMs(WebhookConfig r, int attempt) {
    long full = Math.min(r.maxBackoffMs(), (long) r.backoffMs() << Math.min(attempt - 1, 30));
    long half = full / 2;
    return half + (full - half == 0 ? 0 : (long) (random.nextDouble() * (full - half + 1)));
  }

  private void giveUp(Delivery d, int attempt, String failure) {
    pending.release();
    telemetry.webhook(d.event(), "failed");
    LOG.warn("{}", log("webhook_failed", d, attempt).put("error", failure));
  }

  private ObjectNode log(String what, Delivery d, int attempt) {
    return json.createObjectNode().put("event", what).put("type", d.event()).put("delivery", d.id())
        .put("receiver", d.receiver().origin()).put("attempt", attempt);
  }

  @Override
  public void close() {
    closed = true;
    timer.shutdownNow();
    senders.shutdownNow();
    try {
      senders.awaitTermination(2, TimeUnit.SECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
    client.close();
  }
}
