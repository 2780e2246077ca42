package io.ragway.server;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.ragway.llm.RetryPolicy;
import io.ragway.llm.UpstreamConfig;
import io.ragway.testkit.Completions;
import io.ragway.testkit.FakeOpenAi;
import io.ragway.testkit.FakeOpenAi.Fault;
import io.ragway.testkit.RagwayFixture;
import io.ragway.testkit.TestRouters;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Every answered request is in the ledger once, with the usage its client was told and the right cost. */
class LedgerIT {

  private static final ObjectMapper JSON = new ObjectMapper();
  private static final HttpClient HTTP = HttpClient.newHttpClient();
  @TempDir static Path tmp;
  private static FakeOpenAi primary;
  private static FakeOpenAi backup;
  private static FakeOpenAi caching;
  private static RagwayFixture ragway;

  @BeforeAll
  static void start() throws Exception {
    primary = new FakeOpenAi("primary");
    backup = new FakeOpenAi("backup");
    caching = new FakeOpenAi("caching").cachedTokens(4);
    ragway = new RagwayFixture(tmp, TestRouters.withoutBreaker(List.of(
        new UpstreamConfig("main", primary.baseUrl(), "", "up-main", 8192, 1.0, 2.0, List.of("big"), Duration.ofSeconds(1),
            Duration.ofSeconds(2), Duration.ofSeconds(5)),
        new UpstreamConfig("big", backup.baseUrl(), "", "up-big", 8192, 3.0, 4.0, List.of(), Duration.ofSeconds(1),
            Duration.ofSeconds(2), Duration.ofSeconds(5)),
        new UpstreamConfig("cached", caching.baseUrl(), "", "up-cached", 8192, 1.0, 2.0, List.of(), Duration.ofSeconds(1),
            Duration.ofSeconds(2), Duration.ofSeconds(5), 1, 0, 64, 0.25)),
        new RetryPolicy(2, Duration.ZERO, Duration.ZERO, Duration.ofSeconds(5))), "");
  }

  @AfterAll
  static void stop() {
    ragway.close();
    primary.close();
    backup.close();
    caching.close();
  }

  private record Sent(String requestId, JsonNode usage, String body) {}

  private static Sent post(String body) throws Exception {
    HttpResponse<String> r = HTTP.send(HttpRequest.newBuilder(ragway.uri("/v1/chat/completions"))
        .header("Content-Type", "application/json").POST(HttpRequest.BodyPublishers.ofString(body)).build(),
        HttpResponse.BodyHandlers.ofString());
    assertEquals(200, r.statusCode(), r.body());
    if (Completions.isStream(r.body())) {
      assertTrue(Completions.streamDone(r.body()), r.body());
    }
    return new Sent(r.headers().firstValue("x-request-id").orElseThrow(), Completions.usage(r.body()), r.body());
  }

  private static Map<String, Object> row(String requestId) throws Exception {
    try (Connection c = ragway.records().dataSource().getConnection();
        PreparedStatement s = c.prepareStatement("SELECT * FROM usage_events WHERE request_id = ? AND kind = 'request'")) {
      s.setString(1, requestId);
      try (ResultSet r = s.executeQuery()) {
        assertTrue(r.next(), "request " + requestId + " is in the ledger");
        Map<String, Object> out = new LinkedHashMap<>();
        for (int i = 1; i <= r.getMetaData().getColumnCount(); i++) {
          out.put(r.getMetaData().getColumnName(i), r.getObject(i));
        }
        assertTrue(!r.next(), "once");
        return out;
      }
    }
  }

  /** The request's other events (failed attempts, or the failed request itself), in the order they happened. */
  private static List<Map<String, Object>> events(String requestId, String kind) throws Exception {
    List<Map<String, Object>> out = new java.util.ArrayList<>();
    try (Connection c = ragway.records().dataSource().getConnection(); PreparedStatement s = c.prepareStatement(
        "SELECT * FROM usage_events WHERE request_id = ? AND kind = ? ORDER BY at, followed_by DESC")) {
      s.setString(1, requestId);
      s.setString(2, kind);
      try (ResultSet r = s.executeQuery()) {
        while (r.next()) {
          Map<String, Object> row = new LinkedHashMap<>();
          for (int i = 1; i <= r.getMetaData().getColumnCount(); i++) {
            row.put(r.getMetaData().getColumnName(i), r.getObject(i));
          }
          out.add(row);
        }
      }
    }
    return out;
  }

  private static long num(Map<String, Object> row, String column) {
    return ((Number) row.get(column)).longValue();
  }

  private static void assertUsage(Sent sent, Map<String, Object> row) {
    assertEquals(sent.usage().get("prompt_tokens").asLong(), num(row, "prompt_tokens"), row.toString());
    assertEquals(sent.usage().get("completion_tokens").asLong(), num(row, "completion_tokens"), row.toString());
  }

  private static final String ASK = """
      {"model": "main", "messages": [{"role": "user", "content": "%s"}], "temperature": %s}""";

  @Test
  void everyKindOfAnswerIsRecordedOnceWithItsUsageAndCost() throws Exception {
    Sent plain = post(ASK.formatted("plain", "0.7"));
    primary.next(Fault.status(503));
    Sent retried = post(ASK.formatted("retried", "0.7"));
    primary.next(Fault.status(503), Fault.status(503));
    Sent fellBack = post(ASK.formatted("fell back", "0.7"));
    Sent first = post(ASK.formatted("cached", "0"));
    Sent hit = post(ASK.formatted("cached", "0"));
    Sent streamed = post(ASK.formatted("streamed", "0.7").replace("\"temperature\"", "\"stream\": true, \"temperature\""));
    Sent rag = post("{\"model\": \"rag\", \"messages\": [{\"role\": \"user\", \"content\": \"When was the lighthouse built?\"}]}");
    Sent ragStream = post("{\"model\": \"rag\", \"stream\": true, \"stream_options\": {\"include_usage\": true}, "
        + "\"messages\": [{\"role\": \"user\", \"content\": \"When does the bakery open?\"}]}");
    assertTrue(ragway.ledger().awaitDrained(Duration.ofSeconds(10)));

    Map<String, Object> p = row(plain.requestId());
    assertUsage(plain, p);
    assertEquals("main", p.get("backend"));
    assertEquals("miss", p.get("cache"));
    assertEquals((5 * 1.0 + 3 * 2.0) / 1e6, ((Number) p.get("cost_usd")).doubleValue(), 1e-12);

    Map<String, Object> r = row(retried.requestId());
    assertUsage(retried, r);
    assertEquals(2, num(r, "attempts"), "the retry is counted, the usage once");

    Map<String, Object> f = row(fellBack.requestId());
    assertUsage(fellBack, f);
    assertEquals("big", f.get("backend"));
    assertEquals((5 * 3.0 + 3 * 4.0) / 1e6, ((Number) f.get("cost_usd")).doubleValue(), 1e-12, "priced as the model that answered");

    assertEquals("miss", row(first.requestId()).get("cache"));
    Map<String, Object> h = row(hit.requestId());
    assertUsage(hit, h);
    assertEquals("hit", h.get("cache"));
    assertEquals(0.0, ((Number) h.get("cost_usd")).doubleValue(), "a cache hit costs nothing upstream");

    Map<String, Object> s = row(streamed.requestId());
    assertEquals(1, num(s, "stream"));
    assertTrue(num(s, "completion_tokens") > 0);

    Map<String, Object> a = row(rag.requestId());
    assertUsage(rag, a);
    assertEquals("extractive", a.get("backend"));
    assertUsage(ragStream, row(ragStream.requestId()));

    long clientTokens = 0;
    for (Sent x : List.of(plain, retried, fellBack, first, hit, rag, ragStream)) {
      clientTokens += x.usage().get("prompt_tokens").asLong() + x.usage().get("completion_tokens").asLong();
    }
    long ledgerTokens = 0;
    for (Sent x : List.of(plain, retried, fellBack, first, hit, rag, ragStream)) {
      Map<String, Object> row = row(x.requestId());
      ledgerTokens += num(row, "prompt_tokens") + num(row, "completion_tokens");
    }
    assertEquals(clientTokens, ledgerTokens, "the ledger's tokens are the usage the clients received");

    // the failed upstream calls are events of their own, beside the request's one
    assertTrue(events(plain.requestId(), "attempt").isEmpty());
    List<Map<String, Object>> once = events(retried.requestId(), "attempt");
    assertEquals(1, once.size(), once.toString());
    assertEquals(503, num(once.get(0), "status"));
    assertEquals("retry", once.get(0).get("followed_by"));
    assertTrue(((String) once.get(0).get("backend")).startsWith("main@127.0.0.1:"), once.toString());
    assertEquals(0.0, ((Number) once.get(0).get("cost_usd")).doubleValue());
    List<Map<String, Object>> twice = events(fellBack.requestId(), "attempt");
    assertEquals(List.of("retry", "fallback"), twice.stream().map(e -> e.get("followed_by")).toList(), twice.toString());
    assertEquals(3, num(f, "attempts"), "the answered request counts every call, the one that answered too");
    assertEquals("ok", ragway.ledger().status().databaseOk() ? "ok" : ragway.ledger().status().lastError());
  }

  @Test
  void promptTokensTheUpstreamHadCachedAreRecordedAndPricedAtTheCachedPrice() throws Exception {
    Sent json = post("{\"model\": \"cached\", \"messages\": [{\"role\": \"user\", \"content\": \"c1\"}], \"temperature\": 0.7}");
    Sent stream = post("{\"model\": \"cached\", \"stream\": true, \"stream_options\": {\"include_usage\": true}, "
        + "\"messages\": [{\"role\": \"user\", \"content\": \"c2\"}], \"temperature\": 0.7}");
    assertTrue(ragway.ledger().awaitDrained(Duration.ofSeconds(10)));
    Map<String, Object> j = row(json.requestId());
    assertUsage(json, j);
    assertEquals(4, num(j, "cached_tokens"));
    assertEquals((1 * 1.0 + 4 * 0.25 + 3 * 2.0) / 1e6, ((Number) j.get("cost_usd")).doubleValue(), 1e-12);
    Map<String, Object> s = row(stream.requestId());
    assertEquals(4, num(s, "cached_tokens"), "read from the stream's usage chunk");
    long completion = num(s, "completion_tokens");
    assertEquals((1 * 1.0 + 4 * 0.25 + completion * 2.0) / 1e6, ((Number) s.get("cost_usd")).doubleValue(), 1e-12);
  }

  @Test
  void aFailedRequestIsRecordedWithItsAttemptsAndTheTotalsStayTheAnsweredRequests() throws Exception {
    primary.next(Fault.status(400, "{\"error\": {\"message\": \"bad\", \"type\": \"invalid_request_error\"}}"));
    HttpResponse<String> refused = HTTP.send(HttpRequest.newBuilder(ragway.uri("/v1/chat/completions"))
        .header("Content-Type", "application/json").POST(HttpRequest.BodyPublishers.ofString(ASK.formatted("refused", "0.7")))
        .build(), HttpResponse.BodyHandlers.ofString());
    assertEquals(400, refused.statusCode(), refused.body());
    String id = refused.headers().firstValue("x-request-id").orElseThrow();
    primary.next(Fault.status(503), Fault.status(503));
    backup.next(Fault.status(503), Fault.status(503));
    HttpResponse<String> down = HTTP.send(HttpRequest.newBuilder(ragway.uri("/v1/chat/completions"))
        .header("Content-Type", "application/json").POST(HttpRequest.BodyPublishers.ofString(
            ASK.formatted("all down", "0.7").replace("\"temperature\"", "\"stream\": true, \"temperature\""))).build(),
        HttpResponse.BodyHandlers.ofString());
    assertTrue(down.statusCode() >= 500, down.body());
    String downId = down.headers().firstValue("x-request-id").orElseThrow();
    Sent ok = post(ASK.formatted("fine", "0.7"));
    assertTrue(ragway.ledger().awaitDrained(Duration.ofSeconds(10)));

    List<Map<String, Object>> failed = events(id, "failed");
    assertEquals(1, failed.size(), failed.toString());
    assertEquals(400, num(failed.get(0), "status"));
    assertEquals(1, num(failed.get(0), "attempts"));
    List<Map<String, Object>> attempt = events(id, "attempt");
    assertEquals(1, attempt.size());
    assertEquals(400, num(attempt.get(0), "status"));
    assertEquals("none", attempt.get(0).get("followed_by"), "a client error is not retried");

    Map<String, Object> gaveUp = events(downId, "failed").get(0);
    assertEquals(down.statusCode(), num(gaveUp, "status"));
    assertEquals(1, num(gaveUp, "stream"));
    assertEquals(List.of("retry", "fallback", "retry", "none"),
        events(downId, "attempt").stream().map(e -> e.get("followed_by")).toList());
    assertUsage(ok, row(ok.requestId()));

    // the report's totals are the answered requests' only
    long requests = 0;
    long tokens = 0;
    for (io.ragway.store.UsageReport.Row r : io.ragway.store.UsageReport.since(ragway.records(), java.time.Instant.EPOCH,
        io.ragway.store.UsageReport.By.MODEL)) {
      requests += r.requests();
      tokens += r.promptTokens() + r.completionTokens();
    }
    try (Connection c = ragway.records().dataSource().getConnection(); ResultSet r = c.createStatement().executeQuery(
        "SELECT COUNT(*), SUM(prompt_tokens + completion_tokens), SUM(CASE WHEN kind = 'request' THEN 0 ELSE 1 END) "
            + "FROM usage_events WHERE kind = 'request' OR kind <> 'request'")) {
      r.next();
      assertTrue(r.getLong(3) >= 7, "attempts and failed requests are in the ledger");
      assertEquals(r.getLong(1) - r.getLong(3), requests, "the report counts answered requests only");
      assertEquals(r.getLong(2), tokens, "failed events carry no tokens");
    }
    var byStatus = io.ragway.store.UsageReport.since(ragway.records(), java.time.Instant.EPOCH,
        io.ragway.store.UsageReport.By.STATUS).stream().map(io.ragway.store.UsageReport.Row::group).toList();
    assertTrue(byStatus.containsAll(List.of("request 200", "attempt 503", "attempt 400", "failed 400")), byStatus.toString());
    assertEquals(List.of(503, 503, 503, 503, 400), io.ragway.store.UsageReport.attempts(ragway.records(), java.time.Instant.EPOCH,
        5).stream().map(a -> a.status()).toList().subList(0, 5).stream().sorted(java.util.Comparator.reverseOrder()).toList());
  }

  @Test
  void readyzShowsTheLedger() throws Exception {
    HttpResponse<String> r = HTTP.send(HttpRequest.newBuilder(ragway.uri("/readyz")).build(), HttpResponse.BodyHandlers.ofString());
    JsonNode ledger = JSON.readTree(r.body()).path("checks").path("ledger");
    assertTrue(ledger.path("database_ok").asBoolean(), r.body());
    assertTrue(ledger.has("backlog_bytes"), r.body());
    assertEquals(0, ledger.path("fsync_failures").asLong(-1), r.body());
  }
}
