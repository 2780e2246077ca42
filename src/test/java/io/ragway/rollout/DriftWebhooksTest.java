package io.ragway.rollout;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.ragway.telemetry.Telemetry;
import io.ragway.testkit.FakeClock;
import io.ragway.testkit.FakeHttpServer;
import io.ragway.webhook.WebhookConfig;
import io.ragway.webhook.WebhookSignature;
import io.ragway.webhook.Webhooks;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.Random;
import java.util.Set;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;

/** The drift monitor firing reaches a webhook receiver once, through its failures. */
class DriftWebhooksTest {

  private static final ObjectMapper JSON = new ObjectMapper();
  private final FakeClock clock = new FakeClock();

  /** A question about one of four topics, in 16 dimensions. */
  private static float[] question(Random random, int topic) {
    float[] v = new float[16];
    for (int d = 0; d < v.length; d++) {
      v[d] = (float) (random.nextGaussian() * 0.2);
    }
    v[topic * 4] += 1;
    return v;
  }

  @Test
  void driftFiringPostsOneSignedEventThatArrivesAfterRetries() throws Exception {
    AtomicInteger seen = new AtomicInteger();
    CountDownLatch accepted = new CountDownLatch(1);
    try (FakeHttpServer receiver = new FakeHttpServer(r -> {
      if (!WebhookSignature.verify("drift-secret", r.header(WebhookSignature.SIGNATURE),
          r.header(WebhookSignature.TIMESTAMP), r.body(), clock.instant(), Duration.ofMinutes(5))) {
        return new FakeHttpServer.Response(401, "");
      }
      if (seen.incrementAndGet() <= 2) {
        return new FakeHttpServer.Response(503, "");
      }
      accepted.countDown();
      return new FakeHttpServer.Response(200, "");
    })) {
      Telemetry metrics = Telemetry.prometheus();
      Webhooks webhooks = Webhooks.http(List.of(new WebhookConfig(receiver.uri("/ragway").toString(), "drift-secret",
          List.of("drift"), 2_000, 5, 1, 10)), metrics, clock, new Random(5));
      DriftConfig drift = new DriftConfig(true, 200, 100, 4, 0.25, 10, 11);
      WindowedRollouts rollouts = new WindowedRollouts(List.of(), drift, UpstreamArms.none(), RolloutStore.inMemory(), metrics,
          Optional.empty(), clock, clock::nanos, webhooks::send);
      Random random = new Random(3);
      for (int i = 0; i < 200; i++) {
        rollouts.observe("rag", question(random, i % 4), false); // the baseline: four topics alike
      }
      for (int i = 0; i < 100; i++) {
        rollouts.observe("rag", question(random, i % 4), false); // the same mix: no drift
      }
      assertEquals(0, receiver.requests().size(), "no drift, no event");
      for (int i = 0; i < 300; i++) {
        rollouts.observe("rag", question(random, 0), false); // everyone asks about one topic now
      }
      assertTrue(accepted.await(20, TimeUnit.SECONDS), "not delivered");
      rollouts.close();
      webhooks.close(); // waits for the senders: nothing more can arrive

      List<FakeHttpServer.Request> got = receiver.requests();
      assertEquals(3, got.size(), "two 503s, then accepted");
      Set<String> ids = got.stream().map(r -> r.header("X-Ragway-Delivery")).collect(Collectors.toSet());
      assertEquals(1, ids.size(), "one event, however long drift lasts: " + ids);
      JsonNode event = JSON.readTree(got.getLast().body());
      assertEquals("drift", event.path("type").asText());
      assertEquals("rag", event.at("/data/model").asText());
      assertEquals("psi", event.at("/data/kind").asText());
      assertTrue(event.at("/data/psi").asDouble() > 0.25, event.toString());
      assertTrue(metrics.scrape().contains("ragway_drift_alerts_total{kind=\"psi\",model=\"rag\"} 1.0"));
      metrics.close();
    }
  }
}
