package io.ragway.telemetry;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.opentelemetry.api.trace.Span;
import io.opentelemetry.api.trace.SpanKind;
import io.opentelemetry.api.trace.StatusCode;
import io.opentelemetry.context.Scope;
import io.opentelemetry.sdk.testing.exporter.InMemorySpanExporter;
import io.opentelemetry.sdk.trace.SdkTracerProvider;
import io.opentelemetry.sdk.trace.data.SpanData;
import io.opentelemetry.sdk.trace.export.SimpleSpanProcessor;
import java.time.Clock;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.Test;

class RequestTraceTest {

  private static final String TRACEPARENT = "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01";

  private final InMemorySpanExporter spans = InMemorySpanExporter.create();
  private final Tracing tracing = Tracing.of(SdkTracerProvider.builder().addSpanProcessor(SimpleSpanProcessor.create(spans))
      .build(), RequestLog.off(), Clock.systemUTC());

  private SpanData named(String name) {
    return spans.getFinishedSpanItems().stream().filter(s -> s.getName().equals(name)).findFirst().orElseThrow();
  }

  @Test
  @SuppressWarnings("try")
  void stagesAreChildrenOfTheServerSpanAndNestedStagesOfTheirStage() {
    RequestTrace trace = tracing.start("r1", "POST", "/v1/chat/completions", Map.of("traceparent", TRACEPARENT)::get);
    try (Scope s = trace.open()) {
      assertSame(trace, Stages.current());
      try (Stages.Stage generate = Stages.current().start(Stages.GENERATE)) {
        Stages.current().start("inner").close();
      }
    }
    trace.request("rag", 64, Optional.of(0.3), false, "q");
    trace.end(200, "rag", "extractive");
    SpanData server = named("POST /v1/chat/completions");
    assertEquals(SpanKind.SERVER, server.getKind());
    assertEquals("00f067aa0ba902b7", server.getParentSpanId());
    assertEquals("4bf92f3577b34da6a3ce929d0e0e4736", server.getTraceId());
    assertEquals(64L, server.getAttributes().get(RequestTrace.MAX_TOKENS));
    assertEquals(0.3, server.getAttributes().get(RequestTrace.TEMPERATURE));
    assertEquals(server.getSpanId(), named("ragway.generate").getParentSpanId());
    assertEquals(named("ragway.generate").getSpanId(), named("ragway.inner").getParentSpanId());
    assertSame(Stages.none(), Stages.current()); // outside the request's scope
  }

  @Test
  void aFailedStageIsAnErrorSpanAndTheFailureGoesOn() {
    RequestTrace trace = tracing.start("r2", "POST", "/v1/chat/completions", h -> null);
    assertThrows(IllegalStateException.class, () -> trace.call(Stages.SEARCH, () -> {
      throw new IllegalStateException("index gone");
    }));
    trace.end(500, "rag", "none");
    assertEquals(StatusCode.ERROR, named("ragway.search").getStatus().getStatusCode());
    assertEquals(StatusCode.ERROR, named("POST /v1/chat/completions").getStatus().getStatusCode());
  }

  @Test
  @SuppressWarnings("try")
  void withTracingOffTheCallersTraceIsCurrentAndOtherwiseANewUnsampledOne() {
    RequestTrace joined = Tracing.off().start("r3", "POST", "/v1/chat/completions", Map.of("traceparent", TRACEPARENT)::get);
    try (Scope s = joined.open()) {
      assertEquals("00f067aa0ba902b7", Span.current().getSpanContext().getSpanId()); // the caller's span, passed on
    }
    RequestTrace fresh = Tracing.off().start("r4", "POST", "/v1/chat/completions", h -> null);
    assertEquals(32, fresh.traceId().length());
    assertNotEquals("00000000000000000000000000000000", fresh.traceId());
    try (Scope s = fresh.open()) {
      assertTrue(Span.current().getSpanContext().isValid());
      assertEquals(false, Span.current().getSpanContext().isSampled());
    }
    assertEquals(List.of(), spans.getFinishedSpanItems());
  }
}
