package io.ragway.telemetry;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.ragway.guard.Guard;
import io.ragway.guard.GuardDecision;
import io.ragway.llm.RetryPolicy;
import io.ragway.llm.Router;
import io.ragway.llm.RoutingPolicy;
import io.ragway.llm.UpstreamConfig;
import io.ragway.llm.UpstreamException;
import io.ragway.testkit.Completions;
import io.ragway.testkit.Scrape;
import java.net.URI;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

class MicrometerTelemetryTest {

  private final AtomicLong now = new AtomicLong();
  private final MicrometerTelemetry telemetry = new MicrometerTelemetry(now::get, false);

  @AfterEach
  void close() {
    telemetry.close();
  }

  private Scrape scrape() {
    return Scrape.parse(telemetry.scrape());
  }

  private static long millis(double ms) {
    return Math.round(ms * 1_000_000);
  }

  @Test
  void countsRequestsUnderTheirLabelsAndSortsTheirLatencyIntoBuckets() {
    telemetry.request("/v1/chat/completions", "POST", "rag", "extractive", "acme", 200, millis(30));
    telemetry.request("/v1/chat/completions", "POST", "rag", "extractive", "acme", 200, millis(700));
    telemetry.request("/v1/chat/completions", "POST", "rag", "none", "acme", 429, millis(1));
    Scrape s = scrape();
    assertEquals(2, s.sum("ragway_requests_total", "route", "/v1/chat/completions", "method", "POST", "model", "rag",
        "backend", "extractive", "tenant", "acme", "status", "200"), s.toString());
    assertEquals(1, s.sum("ragway_requests_total", "status", "429", "backend", "none"));
    String[] ok = {"route", "/v1/chat/completions", "model", "rag", "status", "200"};
    assertEquals(2, s.sum("ragway_request_duration_seconds_count", ok));
    assertEquals(0.73, s.sum("ragway_request_duration_seconds_sum", ok), 1e-9);
    assertEquals(0, s.sum("ragway_request_duration_seconds_bucket", concat(ok, "le", "0.025")));
    assertEquals(1, s.sum("ragway_request_duration_seconds_bucket", concat(ok, "le", "0.05")));
    assertEquals(2, s.sum("ragway_request_duration_seconds_bucket", concat(ok, "le", "1.0")));
    assertEquals(2, s.sum("ragway_request_duration_seconds_bucket", concat(ok, "le", "+Inf")));
  }

  @Test
  void timesAStreamFromArrivalToFirstTokenThenBetweenTokens() {
    Telemetry.Generation g = telemetry.generation("gpt", 0);
    now.set(millis(200));
    g.token();
    now.set(millis(210));
    g.token();
    now.set(millis(240));
    g.token();
    now.set(millis(500));
    g.done(50);
    Scrape s = scrape();
    assertEquals(1, s.sum("ragway_time_to_first_token_seconds_count", "model", "gpt"));
    assertEquals(0.2, s.sum("ragway_time_to_first_token_seconds_sum", "model", "gpt"), 1e-9);
    assertEquals(2, s.sum("ragway_inter_token_latency_seconds_count", "model", "gpt"));
    assertEquals(0.04, s.sum("ragway_inter_token_latency_seconds_sum", "model", "gpt"), 1e-9);
    assertEquals(1, s.sum("ragway_inter_token_latency_seconds_bucket", "model", "gpt", "le", "0.01"));
    assertEquals(1, s.sum("ragway_output_tokens_per_second_count", "model", "gpt"));
    assertEquals(100, s.sum("ragway_output_tokens_per_second_sum", "model", "gpt"), 1e-9);
  }

  @Test
  void aJsonAnswerHasATokenRateButNoStreamTimings() {
    Telemetry.Generation g = telemetry.generation("rag", millis(1000));
    now.set(millis(1250));
    g.done(10);
    Scrape s = scrape();
    assertEquals(40, s.sum("ragway_output_tokens_per_second_sum", "model", "rag"), 1e-9);
    assertEquals(0, s.sum("ragway_time_to_first_token_seconds_count", "model", "rag"));
  }

  @Test
  void countsTokensCostAndCacheOutcomesPerTenant() {
    telemetry.completion("gpt", "gpt", "acme", "miss", 120, 30, 0.0025);
    telemetry.completion("gpt", "cache", "acme", "hit", 120, 30, 0);
    telemetry.completion("gpt", "gpt-mini", "globex", "miss", 10, 5, 0.0001);
    Scrape s = scrape();
    assertEquals(240, s.sum("ragway_tokens_total", "model", "gpt", "tenant", "acme", "direction", "input"), s.toString());
    assertEquals(60, s.sum("ragway_tokens_total", "model", "gpt", "tenant", "acme", "direction", "output"));
    assertEquals(30, s.sum("ragway_tokens_total", "tenant", "acme", "backend", "cache", "direction", "output"));
    assertEquals(0.0025, s.sum("ragway_cost_usd_total", "tenant", "acme"), 1e-12);
    assertEquals(0.0001, s.sum("ragway_cost_usd_total", "tenant", "globex", "backend", "gpt-mini"), 1e-12);
    assertEquals(2, s.sum("ragway_cache_requests_total", "model", "gpt", "kind", "miss"));
    assertEquals(1, s.sum("ragway_cache_requests_total", "model", "gpt", "kind", "hit"));
  }

  @Test
  void countsEachGuardDecisionWithItsPolicyVersionAndStillLogsIt() {
    List<GuardDecision> logged = new ArrayList<>();
    Guard.DecisionLog log = telemetry.counting((id, d) -> logged.add(d));
    GuardDecision block = new GuardDecision("acme", "injection", "block", 0.93, "override", "acme-3");
    log.record("r1", block);
    log.record("r2", block);
    log.record("r3", new GuardDecision("acme", "pii", "redact", 1, "{EMAIL_ADDRESS=1}", "acme-3"));
    assertEquals(List.of(block, block, logged.get(2)), logged);
    Scrape s = scrape();
    assertEquals(2, s.sum("ragway_guard_decisions_total", "tenant", "acme", "check", "injection", "action", "block",
        "policy_version", "acme-3"), s.toString());
    assertEquals(1, s.sum("ragway_guard_decisions_total", "check", "pii", "action", "redact"));
  }

  @Test
  void countsRateLimitedRequestsByTenantAndKind() {
    telemetry.rateLimited("acme", "requests");
    telemetry.rateLimited("acme", "tokens");
    telemetry.rateLimited("acme", "tokens");
    Scrape s = scrape();
    assertEquals(1, s.sum("ragway_rate_limited_total", "tenant", "acme", "kind", "requests"));
    assertEquals(2, s.sum("ragway_rate_limited_total", "tenant", "acme", "kind", "tokens"));
  }

  @Test
  void reportsUpstreamFailuresRetriesAndAnOpenCircuit() throws Exception {
    URI nowhere = URI.create("http://127.0.0.1:" + Completions.freePort() + "/v1"); // nothing listens there
    Router router = new Router(List.of(new UpstreamConfig("gpt", nowhere, "", "up", 8192, 0, 0, List.of(),
        Duration.ofSeconds(1), Duration.ofSeconds(1), Duration.ofSeconds(2))), RoutingPolicy.defaults(),
        new RetryPolicy(3, Duration.ZERO, Duration.ZERO, Duration.ZERO), new Random(1), d -> { }, Clock.systemUTC());
    telemetry.watch(router);
    String deployment = router.health().get(0).deployment();
    assertEquals(0, scrape().sum("ragway_breaker_state", "backend", "gpt", "deployment", deployment), "closed");

    ObjectNode body = new ObjectMapper().createObjectNode().put("model", "gpt");
    body.putArray("messages").addObject().put("role", "user").put("content", "hi");
    UpstreamException e = org.junit.jupiter.api.Assertions.assertThrows(UpstreamException.class, () -> router.complete("gpt", body));
    assertEquals(UpstreamException.UNREACHABLE, e.status());
    Scrape s = scrape();
    assertEquals(3, s.sum("ragway_upstream_errors_total", "backend", "gpt", "deployment", deployment, "status", "unreachable"),
        s.toString());
    assertEquals(2, s.sum("ragway_upstream_retries_total", "backend", "gpt"));
    assertEquals(0, s.sum("ragway_upstream_in_flight", "backend", "gpt"));

    router.probe(); // the failed probe opens the circuit
    assertEquals(2, scrape().sum("ragway_breaker_state", "backend", "gpt", "deployment", deployment), "open");
  }

  @Test
  void labelsOfOneTenantNeverCarryAnothersCounts() {
    telemetry.request("/v1/search", "POST", Telemetry.NONE, Telemetry.NONE, "acme", 200, millis(5));
    telemetry.completion("rag", "extractive", "acme", "miss", 10, 10, 0);
    telemetry.rateLimited("acme", "requests");
    Scrape s = scrape();
    assertTrue(s.withLabels("tenant", "globex").isEmpty(), s.toString());
    assertTrue(s.find("ragway_requests_total").stream().allMatch(x -> x.labels().get("tenant").equals("acme")));
  }

  @Test
  void offRecordsNothingAndLeavesTheDecisionLogAsItIs() {
    Telemetry off = Telemetry.off();
    Guard.DecisionLog log = (id, d) -> { };
    off.request("/healthz", "GET", Telemetry.NONE, Telemetry.NONE, Telemetry.NONE, 200, 1);
    off.generation("rag", 0).token();
    assertSame(log, off.counting(log));
    assertEquals("", off.scrape());
    assertTrue(!off.enabled() && telemetry.enabled());
  }

  @Test
  void prometheusTelemetryAlsoExportsTheJvmsOwnMetrics() {
    try (Telemetry t = Telemetry.prometheus()) {
      String text = t.scrape();
      assertTrue(text.contains("jvm_memory_used_bytes") && text.contains("process_uptime_seconds"), text);
    }
  }

  private static String[] concat(String[] a, String... b) {
    String[] out = java.util.Arrays.copyOf(a, a.length + b.length);
    System.arraycopy(b, 0, out, a.length, b.length);
    return out;
  }
}
