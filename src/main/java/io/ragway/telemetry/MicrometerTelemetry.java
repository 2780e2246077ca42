package io.ragway.telemetry;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.DistributionSummary;
import io.micrometer.core.instrument.FunctionCounter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.Tags;
import io.micrometer.core.instrument.Timer;
import io.micrometer.core.instrument.binder.jvm.ClassLoaderMetrics;
import io.micrometer.core.instrument.binder.jvm.JvmGcMetrics;
import io.micrometer.core.instrument.binder.jvm.JvmMemoryMetrics;
import io.micrometer.core.instrument.binder.jvm.JvmThreadMetrics;
import io.micrometer.core.instrument.binder.system.FileDescriptorMetrics;
import io.micrometer.core.instrument.binder.system.ProcessorMetrics;
import io.micrometer.core.instrument.binder.system.UptimeMetrics;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import io.ragway.guard.Guard;
import io.ragway.index.Index;
import io.ragway.ingest.DocumentStore;
import io.ragway.llm.Router;
import io.ragway.llm.UpstreamException;
import java.time.Duration;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentMap;
import java.util.concurrent.TimeUnit;
import java.util.function.Function;
import java.util.function.LongSupplier;

/**
 * Telemetry as Micrometer meters in a Prometheus registry. The constants below name every metric
 * ragway exports (Micrometer's dotted names; the Prometheus name each becomes is in its Javadoc).
 */
final class MicrometerTelemetry implements Telemetry {

  /*
   * The request path must stay cheap (the gateway bench compares it with telemetry off). Each
   * record method builds one small key record from label values it was given, and finds the
   * meters of that label set in its own map; only the first request with a new label set
   * registers meters (and builds label strings such as the status code). Meters update lock-free.
   * Histograms have fixed buckets (service-level objectives) rather than Micrometer's ~70
   * percentile buckets, so a label set costs a dozen series, and Prometheus computes p50, p90
   * and p99 with histogram_quantile across replicas.
   */

  /** {@code ragway_requests_total{route, method, model, backend, tenant, status}}: HTTP requests served. */
  static final String REQUESTS = "ragway.requests";
  /** {@code ragway_request_duration_seconds{route, method, model, status}}: a histogram of request latency. */
  static final String REQUEST_DURATION = "ragway.request.duration";
  /** {@code ragway_time_to_first_token_seconds{model}}: from a request's arrival to its model's first streamed piece. */
  static final String TIME_TO_FIRST_TOKEN = "ragway.time.to.first.token";
  /** {@code ragway_inter_token_latency_seconds{model}}: the gap between two streamed pieces of one answer. */
  static final String INTER_TOKEN_LATENCY = "ragway.inter.token.latency";
  /** {@code ragway_output_tokens_per_second{model}}: output tokens of a generated answer over its whole time. */
  static final String OUTPUT_TOKENS_PER_SECOND = "ragway.output.tokens.per.second";
  /** {@code ragway_tokens_total{model, backend, tenant, direction}}: input and output tokens of answered completions. */
  static final String TOKENS = "ragway.tokens";
  /** {@code ragway_cost_usd_total{model, backend, tenant}}: what answering cost at the models' configured prices. */
  static final String COST = "ragway.cost.usd";
  /** {@code ragway_cache_requests_total{model, kind}}: answered completions by cache outcome. */
  static final String CACHE = "ragway.cache.requests";
  /** {@code ragway_guard_decisions_total{tenant, check, action, policy_version}}: every guard decision. */
  static final String GUARD_DECISIONS = "ragway.guard.decisions";
  /** {@code ragway_rate_limited_total{tenant, kind}}: requests refused with 429 by a key's limits. */
  static final String RATE_LIMITED = "ragway.rate.limited";
  static final String FEEDBACK = "ragway.feedback";
  /** {@code ragway_feedback_corrections_total{model, prompt_version, arm}}: feedback that carried a correction. */
  static final String CORRECTIONS = "ragway.feedback.corrections";
  /** {@code ragway_answers_total{model, prompt_version, arm, abstained}}: answered chat completions. */
  static final String ANSWERS = "ragway.answers";
  /** {@code ragway_guard_hits_total{model, prompt_version, arm}}: answered chat completions the guard treated. */
  static final String GUARD_HITS = "ragway.guard.hits";
  /** {@code ragway_webhook_deliveries_total{event, result}}: webhook deliveries. */
  static final String WEBHOOKS = "ragway.webhook.deliveries";
  /** {@code ragway_upstream_errors_total{backend, deployment, status}}: failed upstream attempts. */
  static final String UPSTREAM_ERRORS = "ragway.upstream.errors";
  /** {@code ragway_upstream_retries_total{backend}}: attempts that followed a failed one. */
  static final String UPSTREAM_RETRIES = "ragway.upstream.retries";
  /** {@code ragway_breaker_state{backend, deployment}}: 0 closed, 1 half-open, 2 open. */
  static final String BREAKER_STATE = "ragway.breaker.state";
  /** {@code ragway_upstream_in_flight{backend, deployment}}: requests a deployment is answering now. */
  static final String UPSTREAM_IN_FLIGHT = "ragway.upstream.in.flight";
  /** {@code ragway_upstream_queue_depth{backend, deployment}}: requests waiting for a deployment's slot. */
  static final String UPSTREAM_QUEUE = "ragway.upstream.queue.depth";
  /**
   * {@code ragway_upstream_time_to_first_token_seconds{backend, deployment}}: from the start of an
   * attempt on a deployment (its wait for a slot included) to the stream's first event.
   */
  static final String UPSTREAM_FIRST_TOKEN = "ragway.upstream.time.to.first.token";
  /** {@code ragway_chat_completions_in_flight}: chat completions this process is answering now. */
  static final String CHAT_IN_FLIGHT = "ragway.chat.completions.in.flight";
  /** {@code ragway_ingest_queue_depth}: uploads waiting to be ingested. */
  static final String INGEST_QUEUE = "ragway.ingest.queue.depth";
  /** {@code ragway_ingest_processing}: uploads being ingested now. */
  static final String INGEST_PROCESSING = "ragway.ingest.processing";
  /** {@code ragway_ingest_documents_total{result}}: uploads ingested ({@code ready}) or {@code failed}. */
  static final String INGEST_DOCUMENTS = "ragway.ingest.documents";
  /** {@code ragway_index_chunks}: chunks in the index. */
  static final String INDEX_CHUNKS = "ragway.index.chunks";
  /** {@code ragway_request_log_dropped_total}: request log lines dropped because its writer fell behind. */
  static final String REQUEST_LOG_DROPPED = "ragway.request.log.dropped";
  /** {@code ragway_state_backend_up}, {@code ragway_state_errors_total} (docs/scale-out.md). */
  static final String STATE_UP = "ragway.state.backend.up";
  static final String STATE_ERRORS = "ragway.state.errors";

  /** {@code ragway_rollout_state{rollout, mode}}: 0 running, 1 promoted, 2 rolled back. */
  static final String ROLLOUT_STATE = "ragway.rollout.state";
  /** {@code ragway_rollout_decisions_total{rollout, action, rule}}: rollbacks, promotions and resumptions. */
  static final String ROLLOUT_DECISIONS = "ragway.rollout.decisions";
  /** {@code ragway_rollout_window_requests{rollout, arm}}: requests in an arm's sliding window. */
  static final String ROLLOUT_REQUESTS = "ragway.rollout.window.requests";
  /** {@code ragway_rollout_window_errors{rollout, arm}}: errors in an arm's sliding window. */
  static final String ROLLOUT_ERRORS = "ragway.rollout.window.errors";
  /** {@code ragway_rollout_window_guard_hits{rollout, arm}}: requests with a guard finding in an arm's window. */
  static final String ROLLOUT_GUARD_HITS = "ragway.rollout.window.guard.hits";
  /** {@code ragway_rollout_window_p99_seconds{rollout, arm}}: p99 latency over an arm's window. */
  static final String ROLLOUT_P99 = "ragway.rollout.window.p99.seconds";
  /** {@code ragway_rollout_shadow_similarity{rollout}}: a summary of token F1 between shadow and stable answers. */
  static final String ROLLOUT_SHADOW_SIMILARITY = "ragway.rollout.shadow.similarity";
  /** {@code ragway_rollout_shadow_total{rollout, result}}: shadow answers, {@code answered} or {@code failed}. */
  static final String ROLLOUT_SHADOW = "ragway.rollout.shadow";
  /** {@code ragway_rollout_shadow_cost_usd_total{rollout}}: what shadow answers cost, charged to no caller. */
  static final String ROLLOUT_SHADOW_COST = "ragway.rollout.shadow.cost.usd";
  /** {@code ragway_drift_psi{model}}: PSI of the latest questions' clusters against the baseline's. */
  static final String DRIFT_PSI = "ragway.drift.psi";
  /** {@code ragway_drift_abstention_rate{model, window}}: abstention rate of the {@code baseline} and {@code current} windows. */
  static final String DRIFT_ABSTENTION = "ragway.drift.abstention.rate";
  /** {@code ragway_drift_alerts_total{model, kind}}: drift raised, by {@code psi} or {@code abstention}. */
  static final String DRIFT_ALERTS = "ragway.drift.alerts";

  private static final Duration[] REQUEST_BUCKETS = seconds(0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 120);
  private static final Duration[] FIRST_TOKEN_BUCKETS = seconds(0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60);
  private static final Duration[] INTER_TOKEN_BUCKETS = seconds(0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5);
  private static final double[] RATE_BUCKETS = {1, 5, 10, 25, 50, 100, 250, 500, 1000, 2500, 5000};

  private record RequestKey(String route, String method, String model, String backend, String tenant, int status) {}

  private record RequestMeters(Counter count, Timer duration) {}

  private record AnswerKey(String model, String backend, String tenant, String cache) {}

  private record AnswerMeters(Counter input, Counter output, Counter cost, Counter cache) {}

  private record GenerationMeters(Timer firstToken, Timer interToken, DistributionSummary rate) {}

  private record DecisionKey(String tenant, String check, String action, String policyVersion) {}

  private record LimitKey(String tenant, String kind) {}

  private record FeedbackKey(String model, String promptVersion, String arm, String rating) {}

  private record QualityKey(String name, String model, String promptVersion, String arm, String flag) {}

  private record ErrorKey(String model, String deployment, int status) {}

  /** A gauge's value, set by the code that knows it. */
  private static final class Value {
    private volatile double value;
  }

  private record Labels(String a, String b) {}

  private record WindowGauges(Value requests, Value errors, Value hits, Value p99) {}

  private record DriftGauges(Value psi, Value current, Value baseline) {}

  private final ConcurrentMap<Labels, Value> rolloutStates = new ConcurrentHashMap<>();
  private final ConcurrentMap<Labels, WindowGauges> windows = new ConcurrentHashMap<>();
  private final ConcurrentMap<String, DriftGauges> drifts = new ConcurrentHashMap<>();
  private final ConcurrentMap<List<String>, Counter> rolloutCounters = new ConcurrentHashMap<>();
  private final PrometheusMeterRegistry registry = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
  private final LongSupplier nanoTime;
  private final JvmGcMetrics gc;
  private final ConcurrentMap<RequestKey, RequestMeters> requests = new ConcurrentHashMap<>();
  private final ConcurrentMap<AnswerKey, AnswerMeters> answers = new ConcurrentHashMap<>();
  private final ConcurrentMap<String, GenerationMeters> generations = new ConcurrentHashMap<>();
  private final ConcurrentMap<DecisionKey, Counter> decisions = new ConcurrentHashMap<>();
  private final ConcurrentMap<LimitKey, Counter> limited = new ConcurrentHashMap<>();
  private final ConcurrentMap<FeedbackKey, Counter> feedback = new ConcurrentHashMap<>();
  private final ConcurrentMap<QualityKey, Counter> quality = new ConcurrentHashMap<>();
  private final ConcurrentMap<ErrorKey, Counter> errors = new ConcurrentHashMap<>();
  private final ConcurrentMap<String, Counter> retries = new ConcurrentHashMap<>();
  private final ConcurrentMap<List<String>, Timer> upstreamFirstTokens = new ConcurrentHashMap<>();
  private final java.util.concurrent.atomic.AtomicInteger chatsInFlight = new java.util.concurrent.atomic.AtomicInteger();

  /**
   * @param nanoTime the clock of {@link Generation}s, {@link System#nanoTime()} but in tests
   * @param jvm whether to add the JVM's and the process's metrics (memory, GC, threads, CPU, uptime)
   */
  MicrometerTelemetry(LongSupplier nanoTime, boolean jvm) {
    this.nanoTime = Objects.requireNonNull(nanoTime, "nanoTime");
    Gauge.builder(CHAT_IN_FLIGHT, chatsInFlight, java.util.concurrent.atomic.AtomicInteger::get).strongReference(true)
        .description("Chat completions this process is answering now, streams until their last event")
        .register(registry);
    if (jvm) {
      new JvmMemoryMetrics().bindTo(registry);
      new JvmThreadMetrics().bindTo(registry);
      new ClassLoaderMetrics().bindTo(registry);
      new ProcessorMetrics().bindTo(registry);
      new UptimeMetrics().bindTo(registry);
      new FileDescriptorMetrics().bindTo(registry);
      gc = new JvmGcMetrics();
      gc.bindTo(registry);
    } else {
      gc = null;
    }
  }

  @Override
  public boolean enabled() {
    return true;
  }

  @Override
  public String scrape() {
    return registry.scrape();
  }

  @Override
  public void request(String route, String method, String model, String backend, String tenant, int status, long nanos) {
    RequestMeters m = find(requests, new RequestKey(route, method, model, backend, tenant, status), k -> new RequestMeters(
        Counter.builder(REQUESTS).description("HTTP requests served")
            .tags("route", k.route(), "method", k.method(), "model", k.model(), "backend", k.backend(), "tenant", k.tenant(),
                "status", Integer.toString(k.status()))
            .register(registry),
        Timer.builder(REQUEST_DURATION).description("Time to serve a request, to the end of its body or stream")
            .tags("route", k.route(), "method", k.method(), "model", k.model(), "status", Integer.toString(k.status()))
            .serviceLevelObjectives(REQUEST_BUCKETS)
            .register(registry)));
    m.count().increment();
    m.duration().record(nanos, TimeUnit.NANOSECONDS);
  }

  @Override
  public void completion(String model, String backend, String tenant, String cache, long inputTokens, long outputTokens,
      double costUsd) {
    AnswerMeters m = find(answers, new AnswerKey(model, backend, tenant, cache), k -> new AnswerMeters(
        tokens(k, "input"), tokens(k, "output"),
        Counter.builder(COST).description("What answers cost at the configured prices of the models that wrote them")
            .tags("model", k.model(), "backend", k.backend(), "tenant", k.tenant()).register(registry),
        Counter.builder(CACHE).description("Answered chat completions by cache outcome")
            .tags("model", k.model(), "kind", k.cache()).register(registry)));
    m.input().increment(inputTokens);
    m.output().increment(outputTokens);
    if (costUsd > 0) {
      m.cost().increment(costUsd);
    }
    m.cache().increment();
  }

  private Counter tokens(AnswerKey k, String direction) {
    return Counter.builder(TOKENS).description("Tokens of answered chat completions, as their usage told the client")
        .tags("model", k.model(), "backend", k.backend(), "tenant", k.tenant(), "direction", direction).register(registry);
  }

  @Override
  public void chatStarted() {
    chatsInFlight.incrementAndGet();
  }

  @Override
  public void chatEnded() {
    chatsInFlight.decrementAndGet();
  }

  @Override
  public Generation generation(String model, long startNanos) {
    return new Timing(find(generations, model, m -> new GenerationMeters(
        Timer.builder(TIME_TO_FIRST_TOKEN).description("From a request's arrival to the first streamed piece of its answer")
            .tags("model", m).serviceLevelObjectives(FIRST_TOKEN_BUCKETS).register(registry),
        Timer.builder(INTER_TOKEN_LATENCY).description("Between two streamed pieces of one answer")
            .tags("model", m).serviceLevelObjectives(INTER_TOKEN_BUCKETS).register(registry),
        DistributionSummary.builder(OUTPUT_TOKENS_PER_SECOND)
            .description("Output tokens of a generated answer over the time from its request's arrival to its end")
            .tags("model", m).serviceLevelObjectives(RATE_BUCKETS).register(registry))), startNanos);
  }

  /** One answer's clock: the first piece is its time to first token, each later one an inter-token gap. */
  private final class Timing implements Generation {
    private final GenerationMeters meters;
    private final long start;
    private long last;
    private boolean started;

    Timing(GenerationMeters meters, long start) {
      this.meters = meters;
      this.start = start;
    }

    @Override
    public void token() {
      long now = nanoTime.getAsLong();
      if (started) {
        meters.interToken().record(now - last, TimeUnit.NANOSECONDS);
      } else {
        started = true;
        meters.firstToken().record(now - start, TimeUnit.NANOSECONDS);
      }
      last = now;
    }

    @Override
    public void done(long outputTokens) {
      long took = nanoTime.getAsLong() - start;
      if (outputTokens > 0 && took > 0) {
        meters.rate().record(outputTokens * 1e9 / took);
      }
    }
  }

  @Override
  public void feedback(String model, String promptVersion, String arm, String rating, boolean corrected) {
    find(feedback, new FeedbackKey(model, promptVersion, arm, rating), k -> Counter.builder(FEEDBACK)
        .description("Feedback given on answers (POST /v1/feedback), by the answer's model, prompt version, arm and the rating")
        .tags("model", k.model(), "prompt_version", k.promptVersion(), "arm", k.arm(), "rating", k.rating())
        .register(registry)).increment();
    if (corrected) {
      quality(CORRECTIONS, "Feedback that carried a correction, by the answer's model, prompt version and arm", model,
          promptVersion, arm, null).increment();
    }
  }

  @Override
  public void answered(String model, String promptVersion, String arm, boolean abstained, boolean guardHit) {
    quality(ANSWERS, "Answered chat completions by model, prompt version, rollout arm and whether they abstained", model,
        promptVersion, arm, Boolean.toString(abstained)).increment();
    if (guardHit) {
      quality(GUARD_HITS, "Answered chat completions the guard flagged, redacted, withheld or otherwise treated", model,
          promptVersion, arm, null).increment();
    }
  }

  /** A counter of the quality signals; {@code abstained} is its extra label, or null for none. */
  private Counter quality(String name, String description, String model, String promptVersion, String arm,
      String abstained) {
    return find(quality, new QualityKey(name, model, promptVersion, arm, abstained == null ? "" : abstained), k -> {
      Counter.Builder b = Counter.builder(name).description(description)
          .tags("model", k.model(), "prompt_version", k.promptVersion(), "arm", k.arm());
      return (abstained == null ? b : b.tag("abstained", k.flag())).register(registry);
    });
  }

  @Override
  public void webhook(String event, String result) {
    find(rolloutCounters, List.of(WEBHOOKS, event, result), k -> Counter.builder(WEBHOOKS)
        .description("Webhook deliveries by event; retried counts attempts that failed and were tried again")
        .tags("event", k.get(1), "result", k.get(2)).register(registry)).increment();
  }

  @Override
  public void rateLimited(String tenant, String kind) {
    find(limited, new LimitKey(tenant, kind), k -> Counter.builder(RATE_LIMITED)
        .description("Requests refused with 429 by an API key's requests or tokens per minute")
        .tags("tenant", k.tenant(), "kind", k.kind()).register(registry)).increment();
  }

  @Override
  public Guard.DecisionLog counting(Guard.DecisionLog next) {
    Objects.requireNonNull(next, "next");
    return (requestId, d) -> {
      find(decisions, new DecisionKey(d.tenant(), d.check(), d.action(), d.policyVersion()), k -> Counter.builder(GUARD_DECISIONS)
          .description("Guard decisions by tenant, check, action and policy version")
          .tags("tenant", k.tenant(), "check", k.check(), "action", k.action(), "policy_version", k.policyVersion())
          .register(registry)).increment();
      next.record(requestId, d);
    };
  }

  @Override
  public void watch(Router router) {
    List<Router.Health> deployments = router.health();
    for (int i = 0; i < deployments.size(); i++) {
      int at = i; // health() lists the deployments in the same order every time
      Tags tags = Tags.of("backend", deployments.get(i).model(), "deployment", deployments.get(i).deployment());
      Gauge.builder(BREAKER_STATE, router, r -> circuit(r.health().get(at).circuit())).strongReference(true).tags(tags)
          .description("A deployment's circuit breaker: 0 closed, 1 half-open, 2 open").register(registry);
      Gauge.builder(UPSTREAM_IN_FLIGHT, router, r -> r.health().get(at).inFlight()).strongReference(true).tags(tags)
          .description("Requests a deployment is answering now").register(registry);
      Gauge.builder(UPSTREAM_QUEUE, router, r -> r.health().get(at).queued()).strongReference(true).tags(tags)
          .description("Requests waiting for one of a deployment's concurrency slots").register(registry);
    }
    router.listen(new Router.Listener() {
      @Override
      public void failed(String model, String deployment, UpstreamException e) {
        find(errors, new ErrorKey(model, deployment, e.status()), k -> Counter.builder(UPSTREAM_ERRORS)
            .description("Failed upstream attempts by model, deployment and HTTP status (or timeout, unreachable, overloaded)")
            .tags("backend", k.model(), "deployment", k.deployment(), "status", status(k.status())).register(registry))
            .increment();
      }

      @Override
      public void retrying(String model) {
        find(retries, model, m -> Counter.builder(UPSTREAM_RETRIES).description("Upstream attempts that followed a failed one")
            .tags("backend", m).register(registry)).increment();
      }

      @Override
      public void firstEvent(String model, String deployment, long nanos) {
        find(upstreamFirstTokens, List.of(model, deployment), k -> Timer.builder(UPSTREAM_FIRST_TOKEN)
            .description("From the start of an attempt on a deployment (its wait for a slot included) to its stream's first event")
            .tags("backend", k.get(0), "deployment", k.get(1)).serviceLevelObjectives(FIRST_TOKEN_BUCKETS).register(registry))
            .record(nanos, TimeUnit.NANOSECONDS);
      }
    });
  }

  @Override
  public void watch(DocumentStore documents, Index index) {
    Gauge.builder(INGEST_QUEUE, documents, d -> d.progress().queued()).strongReference(true)
        .description("Uploads waiting to be ingested").register(registry);
    Gauge.builder(INGEST_PROCESSING, documents, d -> d.progress().processing()).strongReference(true)
        .description("Uploads being ingested now").register(registry);
    FunctionCounter.builder(INGEST_DOCUMENTS, documents, d -> d.progress().ready()).tags("result", "ready")
        .description("Uploads ingested, or failed, since the server started").register(registry);
    FunctionCounter.builder(INGEST_DOCUMENTS, documents, d -> d.progress().failed()).tags("result", "failed")
        .description("Uploads ingested, or failed, since the server started").register(registry);
    Gauge.builder(INDEX_CHUNKS, index, Index::size).strongReference(true).description("Chunks in the index").register(registry);
  }

  @Override
  public void watch(RequestLog log) {
    FunctionCounter.builder(REQUEST_LOG_DROPPED, log, RequestLog::dropped)
        .description("Request log lines dropped because its writer fell behind").register(registry);
  }

  @Override
  public void watch(io.ragway.state.StateBackend state) {
    Gauge.builder(STATE_UP, state, s -> s.up() ? 1 : 0).strongReference(true).tags("backend", state.name())
        .description("Whether the shared-state backend (limits, caches, sessions) answers: 1 up, 0 down").register(registry);
    for (io.ragway.state.StateConfig.Store store : io.ragway.state.StateConfig.Store.values()) {
      FunctionCounter.builder(STATE_ERRORS, state, s -> s.errors(store)).tags("backend", state.name(), "store", store.label())
          .description("Failed calls to the shared-state backend by store; each was served by the store's fail mode")
          .register(registry);
    }
  }

  @Override
  public void rolloutState(String rollout, String mode, String state) {
    find(rolloutStates, new Labels(rollout, mode), k -> gauge(ROLLOUT_STATE, "A rollout's state: 0 running, 1 promoted, 2 rolled back",
        Tags.of("rollout", k.a(), "mode", k.b()))).value = switch (state) {
          case "promoted" -> 1;
          case "rolled_back" -> 2;
          default -> 0;
        };
  }

  @Override
  public void rolloutDecision(String rollout, String action, String rule) {
    find(rolloutCounters, List.of(ROLLOUT_DECISIONS, rollout, action, rule), k -> Counter.builder(ROLLOUT_DECISIONS)
        .description("Rollout decisions: automatic rollbacks by the rule that caused them, and operators' actions")
        .tags("rollout", k.get(1), "action", k.get(2), "rule", k.get(3)).register(registry)).increment();
  }

  @Override
  public void rolloutWindow(String rollout, String arm, long requests, long errors, long guardHits, double p99Seconds) {
    WindowGauges g = find(windows, new Labels(rollout, arm), k -> {
      Tags tags = Tags.of("rollout", k.a(), "arm", k.b());
      return new WindowGauges(gauge(ROLLOUT_REQUESTS, "Requests in a rollout arm's sliding window", tags),
          gauge(ROLLOUT_ERRORS, "Errors in a rollout arm's sliding window", tags),
          gauge(ROLLOUT_GUARD_HITS, "Requests with a guard finding in a rollout arm's sliding window", tags),
          gauge(ROLLOUT_P99, "p99 latency over a rollout arm's sliding window", tags));
    });
    g.requests().value = requests;
    g.errors().value = errors;
    g.hits().value = guardHits;
    g.p99().value = p99Seconds;
  }

  @Override
  public void rolloutShadow(String rollout, double similarity, double costUsd) {
    String result = similarity < 0 ? "failed" : "answered";
    find(rolloutCounters, List.of(ROLLOUT_SHADOW, rollout, result), k -> Counter.builder(ROLLOUT_SHADOW)
        .description("Shadow answers of rollout candidates").tags("rollout", k.get(1), "result", k.get(2))
        .register(registry)).increment();
    if (similarity >= 0) {
      DistributionSummary.builder(ROLLOUT_SHADOW_SIMILARITY).description("Token F1 between a shadow answer and stable's")
          .tags("rollout", rollout).serviceLevelObjectives(0.25, 0.5, 0.75, 0.9, 1).register(registry).record(similarity);
    }
    if (costUsd > 0) {
      find(rolloutCounters, List.of(ROLLOUT_SHADOW_COST, rollout), k -> Counter.builder(ROLLOUT_SHADOW_COST)
          .description("What shadow answers cost, charged to no caller").tags("rollout", k.get(1)).register(registry))
          .increment(costUsd);
    }
  }

  @Override
  public void drift(String model, double psi, double abstentionRate, double baselineAbstentionRate) {
    DriftGauges g = find(drifts, model, m -> new DriftGauges(
        gauge(DRIFT_PSI, "PSI of the latest questions' clusters against the baseline's", Tags.of("model", m)),
        gauge(DRIFT_ABSTENTION, "Abstention rate of a model's answers", Tags.of("model", m, "window", "current")),
        gauge(DRIFT_ABSTENTION, "Abstention rate of a model's answers", Tags.of("model", m, "window", "baseline"))));
    g.psi().value = psi;
    g.current().value = abstentionRate;
    g.baseline().value = baselineAbstentionRate;
  }

  @Override
  public void driftAlert(String model, String kind) {
    find(rolloutCounters, List.of(DRIFT_ALERTS, model, kind), k -> Counter.builder(DRIFT_ALERTS)
        .description("Drift raised for a model's questions, by PSI or abstention rate")
        .tags("model", k.get(1), "kind", k.get(2)).register(registry)).increment();
  }

  private Value gauge(String name, String description, Tags tags) {
    Value v = new Value();
    Gauge.builder(name, v, x -> x.value).strongReference(true).description(description).tags(tags).register(registry);
    return v;
  }

  @Override
  public void close() {
    if (gc != null) {
      gc.close();
    }
    registry.close();
  }

  /** The meters of a label set: the map's own when it has them, registered once when not. */
  private static <K, V> V find(ConcurrentMap<K, V> meters, K key, Function<K, V> register) {
    V found = meters.get(key);
    return found != null ? found : meters.computeIfAbsent(key, register);
  }

  private static double circuit(String state) {
    return switch (state) {
      case "half_open" -> 1;
      case "open", "forced_open" -> 2;
      default -> 0; // closed, and breakers that let every call through (disabled, metrics_only)
    };
  }

  private static String status(int status) {
    return switch (status) {
      case UpstreamException.UNREACHABLE -> "unreachable";
      case UpstreamException.TIMEOUT -> "timeout";
      case UpstreamException.OVERLOADED -> "overloaded";
      default -> Integer.toString(status);
    };
  }

  private static Duration[] seconds(double... values) {
    Duration[] out = new Duration[values.length];
    for (int i = 0; i < values.length; i++) {
      out[i] = Duration.ofNanos(Math.round(values[i] * 1e9));
    }
    return out;
  }
}
