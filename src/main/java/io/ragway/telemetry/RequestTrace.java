package io.ragway.telemetry;

import io.opentelemetry.api.common.AttributeKey;
import io.opentelemetry.api.trace.Span;
import io.opentelemetry.api.trace.SpanKind;
import io.opentelemetry.api.trace.StatusCode;
import io.opentelemetry.api.trace.Tracer;
import io.opentelemetry.context.Context;
import io.opentelemetry.context.Scope;
import io.ragway.guard.GuardDecision;
import java.time.Clock;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;

/**
 * One request's trace: its server span, the spans and timings of its stages, and what its line in
 * the request log will say. The server starts it ({@link Tracing#start}), the request path fills it
 * in, and {@link #end} closes the span and queues the log line. Used by one thread at a time.
 */
public final class RequestTrace implements Stages {

  /** GenAI semantic-convention attributes (OpenTelemetry semconv 1.37+: {@code gen_ai.provider.name}, not {@code gen_ai.system}). */
  public static final AttributeKey<String> OPERATION = AttributeKey.stringKey("gen_ai.operation.name");
  public static final AttributeKey<String> PROVIDER = AttributeKey.stringKey("gen_ai.provider.name");
  public static final AttributeKey<String> REQUEST_MODEL = AttributeKey.stringKey("gen_ai.request.model");
  public static final AttributeKey<String> RESPONSE_MODEL = AttributeKey.stringKey("gen_ai.response.model");
  public static final AttributeKey<Long> MAX_TOKENS = AttributeKey.longKey("gen_ai.request.max_tokens");
  public static final AttributeKey<Double> TEMPERATURE = AttributeKey.doubleKey("gen_ai.request.temperature");
  public static final AttributeKey<String> RESPONSE_ID = AttributeKey.stringKey("gen_ai.response.id");
  public static final AttributeKey<List<String>> FINISH_REASONS = AttributeKey.stringArrayKey("gen_ai.response.finish_reasons");
  public static final AttributeKey<Long> INPUT_TOKENS = AttributeKey.longKey("gen_ai.usage.input_tokens");
  public static final AttributeKey<Long> OUTPUT_TOKENS = AttributeKey.longKey("gen_ai.usage.output_tokens");
  public static final AttributeKey<String> TENANT = AttributeKey.stringKey("ragway.tenant");
  public static final AttributeKey<String> CACHE = AttributeKey.stringKey("ragway.cache");
  public static final AttributeKey<String> BACKEND = AttributeKey.stringKey("ragway.backend");
  public static final AttributeKey<String> ERROR_TYPE = AttributeKey.stringKey("error.type");
  static final AttributeKey<String> HTTP_METHOD = AttributeKey.stringKey("http.request.method");
  static final AttributeKey<String> HTTP_ROUTE = AttributeKey.stringKey("http.route");
  static final AttributeKey<Long> HTTP_STATUS = AttributeKey.longKey("http.response.status_code");
  static final AttributeKey<String> REQUEST_ID = AttributeKey.stringKey("ragway.request_id");

  /** A trace of nothing: for code run outside a request (the CLI, tests of one class). */
  static final RequestTrace NONE = new RequestTrace(null, Span.getInvalid(), Context.root(), RequestLog.off(),
      Clock.systemUTC(), "none", "none", "none");

  private final Tracer tracer; // null when this trace makes no spans of its own
  private final Span span;
  private final Context context;
  private final RequestLog log;
  private final Instant time;
  private final long startNanos = System.nanoTime();
  private final String requestId;
  private final String method;
  private final String route;
  private Map<String, Double> stages;
  private List<String> guard;
  private String tenant = Telemetry.NONE;
  private String keyId = Telemetry.NONE;
  private String model = Telemetry.NONE;
  private String backend = Telemetry.NONE;
  private String cache = "";
  private String errorCode = "";
  private boolean stream;
  private long promptTokens;
  private long completionTokens;
  private double cost;
  private String prompt;
  private String answer;
  private boolean ended;

  /**
   * @param tracer makes the stages' spans, or null for none (tracing off)
   * @param span the server span, or the caller's span context when tracing is off
   */
  RequestTrace(Tracer tracer, Span span, Context parent, RequestLog log, Clock clock, String requestId, String method,
      String route) {
    this.tracer = tracer;
    this.span = span;
    this.context = parent.with(span).with(NoStages.KEY, this);
    this.log = log;
    this.time = clock.instant();
    this.requestId = requestId;
    this.method = method;
    this.route = route;
  }

  /** The trace this thread serves, or one that records nothing. */
  public static RequestTrace current() {
    return Context.current().get(NoStages.KEY) instanceof RequestTrace t ? t : NONE;
  }

  /** The W3C trace id (32 hex digits) the request log and upstream calls carry. */
  public String traceId() {
    return span.getSpanContext().getTraceId();
  }

  /** Makes this request's span current on this thread (upstream calls carry it); close the scope on the same thread. */
  public Scope open() {
    return context.makeCurrent();
  }

  @Override
  public Stage start(String name) {
    Context current = Context.current();
    Context parent = current.get(NoStages.KEY) == this ? current : context;
    Span s = tracer == null ? null : tracer.spanBuilder("ragway." + name).setParent(parent).setSpanKind(SpanKind.INTERNAL)
        .startSpan();
    return new Timed(name, s, s == null ? null : parent.with(s).makeCurrent());
  }

  @Override
  public Stage beside(String name) {
    Span s = tracer == null ? null : tracer.spanBuilder("ragway." + name).setParent(context).setSpanKind(SpanKind.INTERNAL)
        .startSpan();
    return new Timed(name, s, null);
  }

  private final class Timed implements Stage {
    private final String name;
    private final Span span;
    private final Scope scope;
    private final long started = System.nanoTime();

    Timed(String name, Span span, Scope scope) {
      this.name = name;
      this.span = span;
      this.scope = scope;
    }

    @Override
    public void failed(Throwable error) {
      if (span != null) {
        span.setStatus(StatusCode.ERROR, String.valueOf(error.getMessage()));
        span.setAttribute(ERROR_TYPE, error.getClass().getSimpleName());
      }
    }

    @Override
    public void attribute(String key, String value) {
      if (span != null) {
        span.setAttribute(key, value);
      }
    }

    @Override
    public void attribute(String key, long value) {
      if (span != null) {
        span.setAttribute(key, value);
      }
    }

    @Override
    public void close() {
      double ms = (System.nanoTime() - started) / 1e6;
      synchronized (RequestTrace.this) { // a stage beside others may end on another thread
        if (stages == null) {
          stages = new LinkedHashMap<>();
        }
        stages.merge(name, ms, Double::sum);
      }
      if (span != null) {
        if (scope != null) {
          scope.close();
        }
        span.end();
      }
    }
  }

  /** Adds an attribute to the stage span now current (the generate span, say), if spans are made. */
  public void current(AttributeKey<String> key, String value) {
    if (tracer != null) {
      Span.current().setAttribute(key, value);
    }
  }

  /** The answer's finish reason ({@code stop}, {@code length}, {@code content_filter}, {@code tool_calls}...). */
  public void finish(String reason) {
    if (reason != null && !reason.isEmpty()) {
      span.setAttribute(FINISH_REASONS, List.of(reason));
    }
  }

  /** The caller is known: its tenant and API key id (never the key itself). */
  public void caller(String tenant, String keyId) {
    this.tenant = Objects.requireNonNull(tenant, "tenant");
    this.keyId = Objects.requireNonNull(keyId, "keyId");
    span.setAttribute(TENANT, tenant);
  }

  /**
   * The chat completion's request: model, {@code max_tokens} (0 when not given), temperature (when
   * given), and whether it streams; {@code question} is its last user message, kept only when the
   * request log keeps content.
   */
  public void request(String model, long maxTokens, Optional<Double> temperature, boolean stream, String question) {
    this.model = model;
    this.stream = stream;
    span.setAttribute(OPERATION, "chat");
    span.setAttribute(REQUEST_MODEL, model);
    if (maxTokens > 0) {
      span.setAttribute(MAX_TOKENS, maxTokens);
    }
    temperature.ifPresent(t -> span.setAttribute(TEMPERATURE, t));
    if (log.content()) {
      this.prompt = question;
    }
  }

  /**
   * The answer: what answered ({@code backend}), the cache outcome, tokens, cost, the response id
   * and the text (kept only when the request log keeps content).
   */
  public void answered(String backend, String cache, long promptTokens, long completionTokens, double cost,
      String responseId, String text) {
    this.backend = backend;
    this.cache = cache;
    this.promptTokens = promptTokens;
    this.completionTokens = completionTokens;
    this.cost = cost;
    span.setAttribute(RESPONSE_MODEL, backend);
    span.setAttribute(RESPONSE_ID, responseId);
    span.setAttribute(INPUT_TOKENS, promptTokens);
    span.setAttribute(OUTPUT_TOKENS, completionTokens);
    span.setAttribute(CACHE, cache);
    span.setAttribute(BACKEND, backend);
    if (log.content()) {
      this.answer = text;
    }
  }

  /** Milliseconds spent per stage so far, by stage name (for the answer records). */
  public synchronized Map<String, Double> stageMillis() {
    return stages == null ? Map.of() : Map.copyOf(stages);
  }

  /** The guard's decisions on this request so far, as {@code check=action}. */
  public List<String> guardDecisions() {
    return guard == null ? List.of() : List.copyOf(guard);
  }

  /** A guard decision on this request. */
  public void guard(GuardDecision decision) {
    if (guard == null) {
      guard = new ArrayList<>(2);
    }
    guard.add(decision.check() + "=" + decision.action());
  }

  /** The request failed with an OpenAI-shaped error {@code code} (may be null) and HTTP {@code status}. */
  public void error(String code, int status) {
    this.errorCode = code == null ? "status_" + status : code;
    span.setAttribute(ERROR_TYPE, errorCode);
    if (status >= 500) {
      span.setStatus(StatusCode.ERROR, errorCode);
    }
  }

  /** The request's response is sent: ends its span and queues its log line; later calls do nothing. */
  public void end(int status, String model, String backend) {
    if (ended || this == NONE) {
      return;
    }
    ended = true;
    if (this.model.equals(Telemetry.NONE)) {
      this.model = model;
    }
    if (this.backend.equals(Telemetry.NONE)) {
      this.backend = backend;
    }
    span.setAttribute(HTTP_STATUS, (long) status);
    if (status >= 500) {
      span.setStatus(StatusCode.ERROR);
    }
    if (tracer != null) {
      span.end();
    }
    if (log.enabled()) {
      Map<String, Double> timed;
      synchronized (this) {
        timed = stages == null ? Map.of() : new LinkedHashMap<>(stages);
      }
      log.append(new RequestLog.Entry(requestId, traceId(), time, method, route, tenant, keyId, this.model, this.backend,
          status, (System.nanoTime() - startNanos) / 1e6, timed, promptTokens,
          completionTokens, cost, cache, guard == null ? List.of() : guard, stream, errorCode, Optional.ofNullable(prompt),
          Optional.ofNullable(answer)));
    }
  }
}
