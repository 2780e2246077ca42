package io.ragway.server;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.opentelemetry.api.common.AttributeKey;
import io.opentelemetry.api.trace.SpanKind;
import io.opentelemetry.api.trace.StatusCode;
import io.opentelemetry.sdk.testing.exporter.InMemorySpanExporter;
import io.opentelemetry.sdk.trace.SdkTracerProvider;
import io.opentelemetry.sdk.trace.data.SpanData;
import io.opentelemetry.sdk.trace.export.SimpleSpanProcessor;
import io.ragway.guard.PiiDetector;
import io.ragway.limit.RateLimiter;
import io.ragway.guard.GuardPolicy;
import io.ragway.llm.RetryPolicy;
import io.ragway.llm.Router;
import io.ragway.llm.UpstreamConfig;
import io.ragway.telemetry.RequestLog;
import io.ragway.telemetry.RequestTrace;
import io.ragway.telemetry.Tracing;
import io.ragway.testkit.FakeOpenAi;
import io.ragway.testkit.FakeOpenAi.Fault;
import io.ragway.testkit.RagwayFixture;
import io.ragway.testkit.TestRouters;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.LocalDate;
import java.time.ZoneOffset;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Spans of a chat completion's stages, W3C trace context in and out, and the request log, on a running server. */
class TracingIT {

  private static final HttpClient HTTP = HttpClient.newHttpClient();
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final String TRACE_ID = "4bf92f3577b34da6a3ce929d0e0e4736";
  private static final String PARENT = "00f067aa0ba902b7";
  private static final String TRACEPARENT = "00-" + TRACE_ID + "-" + PARENT + "-01";

  @TempDir
  static Path tmp;
  private static FakeOpenAi upstream;
  private static final InMemorySpanExporter SPANS = InMemorySpanExporter.create();
  private static RagwayFixture traced;
  private static RagwayFixture untraced;

  @BeforeAll
  static void start() throws Exception {
    upstream = new FakeOpenAi("upstream");
    traced = new RagwayFixture(Files.createDirectories(tmp.resolve("traced")), router(), "", false,
        RateLimiter.Limits.NONE, 0, GuardPolicy.defaults(), Map.of(), "",
        Tracing.of(SdkTracerProvider.builder().addSpanProcessor(SimpleSpanProcessor.create(SPANS)).build(),
            RequestLog.jsonl(tmp.resolve("traced/logs"), new RequestLog.Config(true, true, 7, 10), PiiDetector.all(),
                Clock.systemUTC()), Clock.systemUTC()));
    // the defaults of 'ragway serve': no spans, the request log on
    untraced = new RagwayFixture(Files.createDirectories(tmp.resolve("untraced")), router(), "", false,
        RateLimiter.Limits.NONE, 0, GuardPolicy.defaults(), Map.of(), "",
        Tracing.of(Tracing.Config.defaults(), RequestLog.jsonl(tmp.resolve("untraced/logs"), RequestLog.Config.defaults(),
            PiiDetector.all(), Clock.systemUTC())));
  }

  private static Router router() {
    return TestRouters.withoutBreaker(List.of(new UpstreamConfig("solo", upstream.baseUrl(), "", "up-solo", 8192, 0, 0,
        List.of(), Duration.ofSeconds(1), Duration.ofSeconds(2), Duration.ofSeconds(5))),
        new RetryPolicy(2, Duration.ZERO, Duration.ZERO, Duration.ofSeconds(5)));
  }

  @AfterAll
  static void stop() {
    traced.close();
    untraced.close();
    upstream.close();
  }

  @BeforeEach
  void reset() {
    SPANS.reset();
  }

  private static HttpResponse<String> post(RagwayFixture ragway, String body, String traceparent) throws Exception {
    HttpRequest.Builder b = HttpRequest.newBuilder(ragway.uri("/v1/chat/completions")).header("Content-Type", "application/json")
        .POST(HttpRequest.BodyPublishers.ofString(body));
    if (traceparent != null) {
      b.header("traceparent", traceparent);
    }
    return HTTP.send(b.build(), HttpResponse.BodyHandlers.ofString());
  }

  private static SpanData named(List<SpanData> spans, String name) {
    return spans.stream().filter(s -> s.getName().equals(name)).findFirst()
        .orElseThrow(() -> new AssertionError("no span " + name + " in " + spans.stream().map(SpanData::getName).toList()));
  }

  /** The spans of the request, once its server span has ended (after the response is sent). */
  private static List<SpanData> spansOf(String traceId) throws InterruptedException {
    for (int i = 0; i < 200; i++) {
      List<SpanData> spans = SPANS.getFinishedSpanItems().stream().filter(s -> s.getTraceId().equals(traceId)).toList();
      if (spans.stream().anyMatch(s -> s.getKind() == SpanKind.SERVER)) {
        return spans;
      }
      Thread.sleep(10); // the server span ends just after the client has the response
    }
    throw new AssertionError("no server span for trace " + traceId);
  }

  /** The request log's line of {@code requestId}, once the writer has written it. */
  private static JsonNode logLine(String dir, String requestId) throws Exception {
    Path file = tmp.resolve(dir).resolve("logs/requests-" + LocalDate.now(ZoneOffset.UTC) + ".jsonl");
    for (int i = 0; i < 300; i++) {
      if (Files.exists(file)) {
        for (String line : Files.readAllLines(file)) {
          JsonNode n = JSON.readTree(line);
          if (n.path("request_id").asText().equals(requestId)) {
            return n;
          }
        }
      }
      Thread.sleep(10); // written by the log's own thread
    }
    throw new AssertionError("no log line for " + requestId);
  }

  @Test
  void anUpstreamCompletionIsOneServerSpanWithAStageSpanEachAndAClientSpanUpstream() throws Exception {
    HttpResponse<String> r = post(traced, """
        {"model": "solo", "max_tokens": 50, "temperature": 0.2,
         "messages": [{"role": "user", "content": "which trace is this?"}]}""", TRACEPARENT);
    assertEquals(200, r.statusCode(), r.body());
    List<SpanData> spans = spansOf(TRACE_ID);

    SpanData server = named(spans, "POST /v1/chat/completions");
    assertEquals(SpanKind.SERVER, server.getKind());
    assertEquals(PARENT, server.getParentSpanId()); // the caller's span is its parent
    assertEquals("chat", server.getAttributes().get(RequestTrace.OPERATION));
    assertEquals("solo", server.getAttributes().get(RequestTrace.REQUEST_MODEL));
    assertEquals("solo", server.getAttributes().get(RequestTrace.RESPONSE_MODEL));
    assertEquals(50L, server.getAttributes().get(RequestTrace.MAX_TOKENS));
    assertEquals(0.2, server.getAttributes().get(RequestTrace.TEMPERATURE));
    assertEquals(List.of("stop"), server.getAttributes().get(RequestTrace.FINISH_REASONS));
    assertTrue(server.getAttributes().get(RequestTrace.RESPONSE_ID).startsWith("chatcmpl-"));
    assertTrue(server.getAttributes().get(RequestTrace.INPUT_TOKENS) > 0);
    assertTrue(server.getAttributes().get(RequestTrace.OUTPUT_TOKENS) > 0);
    assertEquals("default", server.getAttributes().get(RequestTrace.TENANT));
    assertEquals("miss", server.getAttributes().get(RequestTrace.CACHE));
    assertEquals("solo", server.getAttributes().get(RequestTrace.BACKEND));
    assertEquals(200L, server.getAttributes().get(AttributeKey.longKey("http.response.status_code")));

    for (String stage : List.of("ragway.auth", "ragway.limit", "ragway.guard.input", "ragway.prompt", "ragway.generate")) {
      assertEquals(server.getSpanId(), named(spans, stage).getParentSpanId(), stage);
    }
    // sampled at 0.2, no cache may answer it: it is not looked up, and there is no cache stage
    assertTrue(spans.stream().noneMatch(s -> s.getName().equals("ragway.cache")), spans.toString());
    SpanData generate = named(spans, "ragway.generate");
    SpanData client = named(spans, "chat up-solo");
    assertEquals(SpanKind.CLIENT, client.getKind());
    assertEquals(generate.getSpanId(), client.getParentSpanId());
    assertEquals("127.0.0.1", client.getAttributes().get(AttributeKey.stringKey("server.address")));
    assertEquals("openai_compatible", client.getAttributes().get(RequestTrace.PROVIDER));
    assertEquals("up-solo", client.getAttributes().get(RequestTrace.REQUEST_MODEL));
    assertEquals(50L, client.getAttributes().get(RequestTrace.MAX_TOKENS));

    // the upstream joined the same trace, as a child of the client span
    String sent = upstream.traceparents().get(upstream.traceparents().size() - 1);
    assertEquals("00-" + TRACE_ID + "-" + client.getSpanId() + "-01", sent);

    JsonNode line = logLine("traced", r.headers().firstValue("x-request-id").orElseThrow());
    assertEquals(TRACE_ID, line.get("trace_id").asText());
    assertEquals("solo", line.get("backend").asText());
    assertTrue(line.get("stages_ms").has("generate"));
    assertTrue(line.get("stages_ms").has("auth"));
  }

  @Test
  void aRequestACacheMayAnswerHasACacheStage() throws Exception {
    String traceId = "0af7651916cd43dd8448eb211c80319d";
    HttpResponse<String> r = post(traced, """
        {"model": "solo", "temperature": 0, "messages": [{"role": "user", "content": "cache this trace"}]}""",
        "00-" + traceId + "-b7ad6b7169203331-01");
    assertEquals(200, r.statusCode(), r.body());
    List<SpanData> spans = spansOf(traceId);
    SpanData server = named(spans, "POST /v1/chat/completions");
    assertEquals(server.getSpanId(), named(spans, "ragway.cache").getParentSpanId());
  }

  @Test
  void aStreamedCompletionHasTheClientSpanWithTheUpstreamsResponse() throws Exception {
    HttpResponse<String> r = post(traced, """
        {"model": "solo", "stream": true, "messages": [{"role": "user", "content": "stream it"}]}""", TRACEPARENT);
    assertEquals(200, r.statusCode());
    List<SpanData> spans = spansOf(TRACE_ID);
    SpanData client = named(spans, "chat up-solo");
    assertEquals("c", client.getAttributes().get(RequestTrace.RESPONSE_ID)); // from the stream's first event
    assertEquals("up-solo", client.getAttributes().get(RequestTrace.RESPONSE_MODEL));
    assertEquals(List.of("stop"), named(spans, "POST /v1/chat/completions").getAttributes().get(RequestTrace.FINISH_REASONS));
  }

  @Test
  void aFailedUpstreamMarksItsSpansAsErrors() throws Exception {
    upstream.next(Fault.status(500), Fault.status(500));
    HttpResponse<String> r = post(traced, """
        {"model": "solo", "messages": [{"role": "user", "content": "fail please"}]}""", TRACEPARENT);
    assertEquals(502, r.statusCode(), r.body());
    List<SpanData> spans = spansOf(TRACE_ID);
    List<SpanData> clients = spans.stream().filter(s -> s.getKind() == SpanKind.CLIENT).toList();
    assertEquals(2, clients.size()); // one per attempt
    clients.forEach(c -> {
      assertEquals(StatusCode.ERROR, c.getStatus().getStatusCode());
      assertEquals("500", c.getAttributes().get(RequestTrace.ERROR_TYPE));
    });
    assertEquals(StatusCode.ERROR, named(spans, "ragway.generate").getStatus().getStatusCode());
    SpanData server = named(spans, "POST /v1/chat/completions");
    assertEquals(StatusCode.ERROR, server.getStatus().getStatusCode());
    assertEquals(502L, server.getAttributes().get(AttributeKey.longKey("http.response.status_code")));
    JsonNode line = logLine("traced", r.headers().firstValue("x-request-id").orElseThrow());
    assertEquals(502, line.get("status").asInt());
    assertEquals("upstream_error", line.get("error_code").asText());
  }

  @Test
  void aRagAnswerHasRetrievalStagesAndItsLogLineHasRedactedContent() throws Exception {
    HttpResponse<String> r = post(traced, """
        {"model": "rag", "messages": [{"role": "user", "content": "When was the lighthouse built? Reply to ann@example.org"}]}""",
        null);
    assertEquals(200, r.statusCode(), r.body());
    JsonNode line = logLine("traced", r.headers().firstValue("x-request-id").orElseThrow());
    List<SpanData> spans = spansOf(line.get("trace_id").asText());
    SpanData server = named(spans, "POST /v1/chat/completions");
    assertEquals("0000000000000000", server.getParentSpanId()); // no traceparent: a new trace
    SpanData generate = named(spans, "ragway.generate");
    for (String stage : List.of("ragway.embed", "ragway.search", "ragway.prompt", "ragway.generate")) {
      named(spans, stage);
    }
    assertEquals(server.getSpanId(), generate.getParentSpanId());
    assertEquals("extractive", server.getAttributes().get(RequestTrace.BACKEND));
    for (String stage : List.of("embed", "search", "prompt", "generate", "cache", "guard.input")) {
      assertTrue(line.get("stages_ms").has(stage), stage + " in " + line);
    }
    assertEquals("rag", line.get("model").asText());
    assertFalse(line.toString().contains("ann@example.org"), line.toString());
    assertTrue(line.get("prompt").asText().contains("[EMAIL_ADDRESS]"), line.toString());
    assertTrue(line.get("answer").asText().contains("1872"), line.toString());
  }

  @Test
  void withTracingOffTheCallersTraceStillGoesUpstreamAndIntoTheLog() throws Exception {
    int before = upstream.traceparents().size();
    HttpResponse<String> r = post(untraced, """
        {"model": "solo", "messages": [{"role": "user", "content": "mail bob@example.com"}]}""", TRACEPARENT);
    assertEquals(200, r.statusCode(), r.body());
    assertEquals(TRACEPARENT, upstream.traceparents().get(before)); // passed on unchanged: no span of ragway's between
    JsonNode line = logLine("untraced", r.headers().firstValue("x-request-id").orElseThrow());
    assertEquals(TRACE_ID, line.get("trace_id").asText());
    assertFalse(line.has("prompt")); // content is off by default
    assertFalse(Files.readString(tmp.resolve("untraced/logs/requests-" + LocalDate.now(ZoneOffset.UTC) + ".jsonl"))
        .contains("bob@example.com"));

    // without a traceparent the request gets a trace id of its own, not sampled, and the upstream gets it too
    HttpResponse<String> fresh = post(untraced, """
        {"model": "solo", "messages": [{"role": "user", "content": "no trace"}]}""", null);
    String sent = upstream.traceparents().get(before + 1);
    JsonNode freshLine = logLine("untraced", fresh.headers().firstValue("x-request-id").orElseThrow());
    assertEquals(32, freshLine.get("trace_id").asText().length());
    assertNotEquals(TRACE_ID, freshLine.get("trace_id").asText());
    assertTrue(sent.startsWith("00-" + freshLine.get("trace_id").asText() + "-") && sent.endsWith("-00"), sent);
    assertEquals(Optional.empty(), SPANS.getFinishedSpanItems().stream().findAny().map(SpanData::getName)); // no spans
  }
}
