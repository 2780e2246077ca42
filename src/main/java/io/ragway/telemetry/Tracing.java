package io.ragway.telemetry;

import io.opentelemetry.api.trace.Tracer;
import io.ragway.guard.Guard;
import io.opentelemetry.sdk.trace.SdkTracerProvider;
import java.time.Clock;
import java.util.Objects;
import java.util.function.Function;

/**
 * Starts a {@link RequestTrace} for each HTTP request: an OpenTelemetry server span (a child of the
 * caller's W3C {@code traceparent} when it sent one) and its line in the request log. With tracing
 * off there are no spans, yet every request still has a trace id (the caller's, or a new one that
 * is not sampled), which upstream calls carry and the request log records.
 */
public interface Tracing extends AutoCloseable {

  /**
   * {@code telemetry.tracing}.
   *
   * @param otlpEndpoint where spans go as OTLP over HTTP/protobuf (a collector's or Jaeger's
   *     {@code http://host:4318/v1/traces}); empty: no spans are made
   * @param sampleRatio the share of new traces kept (a caller's sampled flag decides for its own)
   * @param serviceName the {@code service.name} of ragway's spans
   */
  record Config(String otlpEndpoint, double sampleRatio, String serviceName) {
    public Config {
      otlpEndpoint = otlpEndpoint == null ? "" : otlpEndpoint.strip();
      serviceName = serviceName == null || serviceName.isBlank() ? "ragway" : serviceName.strip();
      if (!(sampleRatio >= 0 && sampleRatio <= 1)) {
        throw new IllegalArgumentException("telemetry.tracing.sample_ratio must be between 0 and 1, not " + sampleRatio);
      }
      if (!otlpEndpoint.isEmpty() && !otlpEndpoint.startsWith("http://") && !otlpEndpoint.startsWith("https://")) {
        throw new IllegalArgumentException("telemetry.tracing.otlp_endpoint must be an http:// or https:// URL "
            + "(OTLP over HTTP, e.g. http://localhost:4318/v1/traces), not '" + otlpEndpoint + "'");
      }
    }

    public static Config defaults() {
      return new Config("", 1.0, "ragway");
    }
  }

  /** No spans and no request log; trace ids still travel from callers to upstreams. */
  static Tracing off() {
    return OtelTracing.OFF;
  }

  /**
   * Spans exported by batches to {@code config.otlpEndpoint()} when it is set (else none), and
   * lines in {@code log}.
   */
  static Tracing of(Config config, RequestLog log) {
    return OtelTracing.otlp(config, log);
  }

  /** Spans from {@code provider} (a test's in-memory exporter, the bench's) and lines in {@code log}. */
  static Tracing of(SdkTracerProvider provider, RequestLog log, Clock clock) {
    return new OtelTracing(Objects.requireNonNull(provider, "provider"), true, log, clock);
  }

  /** A decision log that notes each decision on the request's trace (its log line lists them), then hands it to {@code next}. */
  static Guard.DecisionLog noting(Guard.DecisionLog next) {
    Objects.requireNonNull(next, "next");
    return (requestId, decision) -> {
      RequestTrace.current().guard(decision);
      next.record(requestId, decision);
    };
  }

  /** Whether anything is recorded per request (spans or log lines); when not, requests need not be ended. */
  boolean records();

  /** Whether spans are made. */
  boolean spans();

  /** What makes spans, for upstream calls; a no-op tracer when spans are off. */
  Tracer tracer();

  /** The request log. */
  RequestLog log();

  /**
   * Starts the trace of a request.
   *
   * @param route its route template, never the raw path
   * @param headers the request's headers by name ({@code traceparent}, {@code tracestate})
   */
  RequestTrace start(String requestId, String method, String route, Function<String, String> headers);

  /** Exports the spans still buffered, then closes the request log. */
  @Override
  void close();
}
