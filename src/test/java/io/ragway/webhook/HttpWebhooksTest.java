package io.ragway.webhook;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.ragway.telemetry.Telemetry;
import io.ragway.testkit.FakeClock;
import io.ragway.testkit.FakeHttpServer;
import java.net.ServerSocket;
import java.time.Duration;
import java.util.List;
import java.util.Random;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** Deliveries to an in-process receiver on a loopback port; waits are latches, never sleeps. */
class HttpWebhooksTest {

  private static final ObjectMapper JSON = new ObjectMapper();
  private static final String SECRET = "s3cret-for-tests";
  private final FakeClock clock = new FakeClock();
  private final Telemetry metrics = Telemetry.prometheus();
  private Webhooks webhooks;
  private FakeHttpServer receiver;

  @AfterEach
  void stop() {
    if (webhooks != null) {
      webhooks.close();
    }
    if (receiver != null) {
      receiver.close();
    }
    metrics.close();
  }

  private static WebhookConfig config(String url, List<String> events, int timeoutMs, int attempts) {
    return new WebhookConfig(url, SECRET, events, timeoutMs, attempts, 1, 4);
  }

  /** Whether a received request carries a valid signature of its body at the fake clock's time. */
  private boolean signed(FakeHttpServer.Request r, String secret) {
    return WebhookSignature.verify(secret, r.header(WebhookSignature.SIGNATURE), r.header(WebhookSignature.TIMESTAMP),
        r.body(), clock.instant(), Duration.ofMinutes(5));
  }

  private void await(CountDownLatch latch) throws InterruptedException {
    assertTrue(latch.await(20, TimeUnit.SECONDS), "not delivered in time");
  }

  @Test
  void aDeliveryRefusedWith503IsRetriedUntilAcceptedSignedEveryTime() throws Exception {
    AtomicInteger seen = new AtomicInteger();
    CountDownLatch accepted = new CountDownLatch(1);
    receiver = new FakeHttpServer(r -> {
      if (seen.incrementAndGet() <= 2) {
        return new FakeHttpServer.Response(503, "");
      }
      accepted.countDown();
      return new FakeHttpServer.Response(200, "{}");
    });
    webhooks = Webhooks.http(List.of(config(receiver.uri("/hook").toString(), null, 2_000, 5)), metrics, clock,
        new Random(1));
    webhooks.send("drift", JSON.createObjectNode().put("model", "rag").put("kind", "psi"));
    await(accepted);

    List<FakeHttpServer.Request> got = receiver.requests();
    assertEquals(3, got.size());
    for (FakeHttpServer.Request r : got) {
      assertTrue(signed(r, SECRET), "every attempt is signed: " + r.headers());
      assertEquals("drift", r.header("X-Ragway-Event"));
      assertEquals("application/json", r.header("Content-Type"));
      assertEquals(got.get(0).header("X-Ragway-Delivery"), r.header("X-Ragway-Delivery"), "one id across attempts");
    }
    JsonNode body = JSON.readTree(got.get(2).body());
    assertEquals("drift", body.path("type").asText());
    assertEquals(got.get(0).header("X-Ragway-Delivery"), body.path("id").asText());
    assertEquals("psi", body.path("data").path("kind").asText());
    assertEquals("2026-12-01T10:00:00Z", body.path("created_at").asText());
    String scrape = awaitMetric("ragway_webhook_deliveries_total{event=\"drift\",result=\"delivered\"} 1.0");
    assertTrue(scrape.contains("ragway_webhook_deliveries_total{event=\"drift\",result=\"retried\"} 2.0"), scrape);
  }

  @Test
  void aSignatureDoesNotVerifyWithAnotherSecretAnAlteredBodyOrLate() throws Exception {
    CountDownLatch accepted = new CountDownLatch(1);
    receiver = new FakeHttpServer(r -> {
      accepted.countDown();
      return new FakeHttpServer.Response(204, "");
    });
    webhooks = Webhooks.http(List.of(config(receiver.uri("/").toString(), null, 2_000, 1)), metrics, clock,
        new Random(1));
    webhooks.send("rollback", JSON.createObjectNode().put("rollout", "gpt-next"));
    await(accepted);
    FakeHttpServer.Request r = receiver.requests().getFirst();
    assertTrue(signed(r, SECRET));
    assertFalse(signed(r, "another-secret"), "a receiver with the wrong secret refuses it");
    assertFalse(WebhookSignature.verify(SECRET, r.header(WebhookSignature.SIGNATURE), r.header(WebhookSignature.TIMESTAMP),
        r.body().replace("gpt-next", "gpt-prev"), clock.instant(), Duration.ofMinutes(5)), "an altered body");
    long ts = Long.parseLong(r.header(WebhookSignature.TIMESTAMP));
    assertFalse(WebhookSignature.verify(SECRET, r.header(WebhookSignature.SIGNATURE), Long.toString(ts + 1), r.body(),
        clock.instant(), Duration.ofMinutes(5)), "the timestamp is signed too");
    clock.advance(Duration.ofMinutes(6));
    assertFalse(signed(r, SECRET), "a replay after the tolerance");
    assertFalse(WebhookSignature.verify(SECRET, null, "1", "{}", clock.instant(), Duration.ofMinutes(5)));
    assertFalse(WebhookSignature.verify(SECRET, "sha256=00", "not-a-number", "{}", clock.instant(), Duration.ofMinutes(5)));
  }

  @Test
  void aReceiverThatNeverAnswersBlocksNoCallerAndIsGivenUpAfterItsAttempts() throws Exception {
    CountDownLatch release = new CountDownLatch(1);
    receiver = new FakeHttpServer(r -> {
      try {
        release.await(30, TimeUnit.SECONDS); // holds the receiver's only thread
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
      return new FakeHttpServer.Response(200, "");
    });
    try {
      webhooks = Webhooks.http(List.of(config(receiver.uri("/").toString(), null, 300, 2)), metrics, clock, new Random(1));
      long start = System.nanoTime();
      for (int i = 0; i < 100; i++) {
        webhooks.send("drift", JSON.createObjectNode().put("i", i));
      }
      long tookMs = (System.nanoTime() - start) / 1_000_000;
      // had send waited for a delivery, 100 of them would take at least 100 x 300 ms
      assertTrue(tookMs < 5_000, "sending 100 events took " + tookMs + " ms: it waited for the receiver");
      awaitMetric("ragway_webhook_deliveries_total{event=\"drift\",result=\"failed\"} 100.0");
    } finally {
      release.countDown();
    }
  }

  @Test
  void aClientErrorIsFinalAndARefusedConnectionIsRetried() throws Exception {
    receiver = new FakeHttpServer(r -> new FakeHttpServer.Response(400, "{\"error\":\"no\"}"));
    int closedPort;
    try (ServerSocket s = new ServerSocket(0)) {
      closedPort = s.getLocalPort();
    }
    webhooks = Webhooks.http(List.of(config(receiver.uri("/").toString(), List.of("rollback"), 2_000, 4),
        config("http://127.0.0.1:" + closedPort + "/", List.of("rollback"), 2_000, 3)), metrics, clock, new Random(1));
    webhooks.send("rollback", JSON.createObjectNode());
    String scrape = awaitMetric("ragway_webhook_deliveries_total{event=\"rollback\",result=\"failed\"} 2.0");
    assertEquals(1, receiver.requests().size(), "a 400 is not tried again");
    // the closed port was tried three times: two retries
    assertTrue(scrape.contains("ragway_webhook_deliveries_total{event=\"rollback\",result=\"retried\"} 2.0"), scrape);
  }

  @Test
  void eventsGoOnlyToTheReceiversThatWantThem() throws Exception {
    CountDownLatch accepted = new CountDownLatch(1);
    receiver = new FakeHttpServer(r -> {
      accepted.countDown();
      return new FakeHttpServer.Response(200, "");
    });
    webhooks = Webhooks.http(List.of(config(receiver.uri("/").toString(), List.of("rollback"), 2_000, 1)), metrics, clock,
        new Random(1));
    webhooks.send("drift", JSON.createObjectNode());
    webhooks.send("rollback", JSON.createObjectNode());
    await(accepted);
    awaitMetric("ragway_webhook_deliveries_total{event=\"rollback\",result=\"delivered\"} 1.0");
    assertEquals(1, receiver.requests().size());
    assertEquals("rollback", receiver.requests().getFirst().header("X-Ragway-Event"));
  }

  @Test
  void theWaitBetweenAttemptsDoublesUpToItsCapWithHalfOfItRandom() {
    HttpWebhooks h = new HttpWebhooks(List.of(), java.net.http.HttpClient.newHttpClient(), Telemetry.off(), clock,
        new Random(3));
    WebhookConfig c = new WebhookConfig("http://127.0.0.1:1/", SECRET, null, 1000, 10, 1000, 30_000);
    for (int attempt = 1; attempt <= 8; attempt++) {
      long full = Math.min(30_000, 1000L << (attempt - 1));
      for (int i = 0; i < 50; i++) {
        long wait = h.backoffMs(c, attempt);
        assertTrue(wait >= full / 2 && wait <= full, "attempt " + attempt + ": " + wait + " outside " + full / 2 + ".." + full);
      }
    }
    h.close();
  }

  @Test
  void aWebhookNeedsAnHttpUrlASecretAndKnownEvents() {
    assertThrowsMessage("needs a secret", () -> new WebhookConfig("https://example.org/hook", " ", null, null, null, null, null));
    assertThrowsMessage("http or https", () -> WebhookConfig.of("ftp://example.org/", "x"));
    assertThrowsMessage("unknown event 'deploy'", () -> new WebhookConfig("https://example.org/", "x", List.of("deploy"),
        null, null, null, null));
    assertThrowsMessage("max_attempts 1 to 20", () -> new WebhookConfig("https://example.org/", "x", null, null, 0, null,
        null));
    assertFalse(WebhookConfig.of("https://hooks.example.org/T0/secret-path", "x").toString().contains("secret-path"));
  }

  private static void assertThrowsMessage(String part, org.junit.jupiter.api.function.Executable e) {
    IllegalArgumentException x = org.junit.jupiter.api.Assertions.assertThrows(IllegalArgumentException.class, e);
    assertTrue(x.getMessage().contains(part), x.getMessage());
  }

  /** Scrapes until {@code line} is there (deliveries end on other threads). */
  private String awaitMetric(String line) throws InterruptedException {
    long until = System.nanoTime() + TimeUnit.SECONDS.toNanos(20);
    String scrape = metrics.scrape();
    while (!scrape.contains(line)) {
      assertTrue(System.nanoTime() < until, "never saw " + line + " in\n" + scrape);
      Thread.onSpinWait();
      TimeUnit.MILLISECONDS.sleep(5); // polling another thread's progress, not waiting out a delay
      scrape = metrics.scrape();
    }
    return scrape;
  }
}
