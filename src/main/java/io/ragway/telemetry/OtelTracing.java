package io.ragway.telemetry;

import io.opentelemetry.api.common.Attributes;
import io.opentelemetry.api.trace.Span;
import io.opentelemetry.api.trace.SpanContext;
import io.opentelemetry.api.trace.SpanKind;
import io.opentelemetry.api.trace.TraceFlags;
import io.opentelemetry.api.trace.TraceState;
import io.opentelemetry.api.trace.Tracer;
import io.opentelemetry.api.trace.TracerProvider;
import io.opentelemetry.api.trace.propagation.W3CTraceContextPropagator;
import io.opentelemetry.context.Context;
import io.opentelemetry.context.propagation.TextMapGetter;
import io.opentelemetry.exporter.otlp.http.trace.OtlpHttpSpanExporter;
import io.opentelemetry.sdk.resources.Resource;
import io.opentelemetry.sdk.trace.IdGenerator;
import io.opentelemetry.sdk.trace.SdkTracerProvider;
import io.opentelemetry.sdk.trace.export.BatchSpanProcessor;
import io.opentelemetry.sdk.trace.samplers.Sampler;
import java.time.Clock;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.function.Function;

/** Tracing with OpenTelemetry's SDK, or with no spans at all; W3C trace context in either case. */
final class OtelTracing implements Tracing {

  /*
   * With spans off the server still reads the caller's traceparent and makes its span context
   * current (Span.wrap), so upstream calls carry the caller's trace; a request without one gets a
   * random trace id, flagged not sampled, so the request log and the upstream's logs can still be
   * joined on it. That costs two random numbers per request, not a span.
   */

  static final OtelTracing OFF = new OtelTracing(null, false, RequestLog.off(), Clock.systemUTC());

  private static final HeaderGetter GETTER = new HeaderGetter();
  private static final IdGenerator IDS = IdGenerator.random();

  private final SdkTracerProvider provider; // null when no spans are made
  private final Tracer tracer;
  private final boolean spans;
  private final RequestLog log;
  private final Clock clock;

  OtelTracing(SdkTracerProvider provider, boolean spans, RequestLog log, Clock clock) {
    this.provider = provider;
    this.spans = spans && provider != null;
    this.tracer = this.spans ? provider.get("io.ragway") : TracerProvider.noop().get("io.ragway");
    this.log = log;
    this.clock = clock;
  }

  static OtelTracing otlp(Tracing.Config config, RequestLog log) {
    if (config.otlpEndpoint().isEmpty()) {
      return new OtelTracing(null, false, log, Clock.systemUTC());
    }
    SdkTracerProvider provider = SdkTracerProvider.builder()
        .setResource(Resource.getDefault().merge(Resource.create(Attributes.of(
            io.opentelemetry.api.common.AttributeKey.stringKey("service.name"), config.serviceName()))))
        .setSampler(Sampler.parentBased(Sampler.traceIdRatioBased(config.sampleRatio())))
        // the SDK's batches (512 spans): batches of 2,048 were not measurably cheaper at 64
        // concurrent requests, and each export's burst of marshalling doubled p99 at concurrency 1
        .addSpanProcessor(BatchSpanProcessor.builder(OtlpHttpSpanExporter.builder()
            .setEndpoint(config.otlpEndpoint()).build()).build())
        .build();
    return new OtelTracing(provider, true, log, Clock.systemUTC());
  }

  @Override
  public boolean records() {
    return spans || log.enabled();
  }

  @Override
  public boolean spans() {
    return spans;
  }

  @Override
  public Tracer tracer() {
    return tracer;
  }

  @Override
  public RequestLog log() {
    return log;
  }

  @Override
  public RequestTrace start(String requestId, String method, String route, Function<String, String> headers) {
    Context parent = W3CTraceContextPropagator.getInstance().extract(Context.root(), headers, GETTER);
    Span span;
    if (spans) {
      span = tracer.spanBuilder(method + " " + route).setParent(parent).setSpanKind(SpanKind.SERVER)
          .setAttribute(RequestTrace.HTTP_METHOD, method).setAttribute(RequestTrace.HTTP_ROUTE, route)
          .setAttribute(RequestTrace.REQUEST_ID, requestId).startSpan();
    } else {
      SpanContext caller = Span.fromContext(parent).getSpanContext();
      span = Span.wrap(caller.isValid() ? caller : SpanContext.create(IDS.generateTraceId(), IDS.generateSpanId(),
          TraceFlags.getDefault(), TraceState.getDefault()));
    }
    return new RequestTrace(spans ? tracer : null, span, parent, log, clock, requestId, method, route);
  }

  @Override
  public void close() {
    if (provider != null) {
      provider.forceFlush().join(5, TimeUnit.SECONDS);
      provider.shutdown().join(5, TimeUnit.SECONDS);
    }
    log.close();
  }

  /** Reads W3C trace context from a request's headers. */
  @SuppressWarnings("deprecation") // keys() is deprecated in 1.68 yet still abstract; the W3C propagator never calls it
  private static final class HeaderGetter implements TextMapGetter<Function<String, String>> {
    @Override
    public Iterable<String> keys(Function<String, String> carrier) {
      return List.of("traceparent", "tracestate");
    }

    @Override
    public String get(Function<String, String> carrier, String key) {
      return carrier == null ? null : carrier.apply(key);
    }
  }
}
