package io.ragway.config;

import com.fasterxml.jackson.annotation.JsonProperty;
import io.ragway.agent.AgentConfig;
import io.ragway.cache.CacheConfig;
import io.ragway.chat.PromptTemplates;
import io.ragway.rollout.DriftConfig;
import io.ragway.rollout.RolloutConfig;
import io.ragway.guard.GuardPolicy;
import io.ragway.guard.InjectionDetector;
import io.ragway.guard.PiiMode;
import io.ragway.guard.PiiType;
import io.ragway.index.IndexConfig;
import io.ragway.llm.RetryPolicy;
import io.ragway.llm.RoutingPolicy;
import io.ragway.llm.UpstreamConfig;
import java.net.URI;
import java.util.List;
import java.util.Map;
import io.ragway.retrieve.RetrieveConfig;
import io.ragway.retrieve.SearchMode;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Objects;

/**
 * Everything {@code ragway.yaml} can set, with its defaults. Every key is optional; docs/config.md
 * lists them. Loaded by {@link ConfigLoader}; immutable once built.
 */
public record RagwayConfig(
    String dataDir,
    String tenant,
    Ingest ingest,
    Embedding embedding,
    Index index,
    Retrieval retrieval,
    Answer answer,
    String generator,
    List<Model> models,
    Gateway gateway,
    Cache cache,
    Auth auth,
    Limits limits,
    Sessions sessions,
    Database database,
    Guard guard,
    Telemetry telemetry,
    AgentConfig agent,
    Eval eval,
    Prompts prompts,
    List<RolloutConfig> rollouts,
    DriftConfig drift,
    Records records,
    List<io.ragway.webhook.WebhookConfig> webhooks,
    io.ragway.state.StateConfig state,
    UsageLedger ledger) {

  public RagwayConfig {
    Objects.requireNonNull(dataDir, "data_dir");
    if (tenant == null || tenant.isBlank()) {
      throw new IllegalArgumentException("tenant must not be empty");
    }
    Objects.requireNonNull(ingest, "ingest");
    Objects.requireNonNull(embedding, "embedding");
    Objects.requireNonNull(index, "index");
    Objects.requireNonNull(retrieval, "retrieval");
    Objects.requireNonNull(answer, "answer");
    models = models == null ? List.of() : List.copyOf(models);
    Objects.requireNonNull(gateway, "gateway");
    Objects.requireNonNull(cache, "cache");
    Objects.requireNonNull(auth, "auth");
    Objects.requireNonNull(limits, "limits");
    Objects.requireNonNull(sessions, "sessions");
    Objects.requireNonNull(database, "database");
    Objects.requireNonNull(guard, "guard");
    Objects.requireNonNull(telemetry, "telemetry");
    Objects.requireNonNull(eval, "eval");
    generator = generator == null ? "" : generator.strip();
    String wanted = generator;
    if (!wanted.isEmpty() && models.stream().noneMatch(m -> m.name().equals(wanted))) {
      throw new IllegalArgumentException("generator '" + generator + "' is not the name of one of the models");
    }
    for (String routed : gateway.strategies().keySet()) {
      if (models.stream().noneMatch(m -> m.name().equals(routed))) {
        throw new IllegalArgumentException("gateway.strategies: '" + routed + "' is not the name of one of the models");
      }
    }
    agent = agent == null ? AgentConfig.defaults() : agent;
    String planner = agent.model();
    if (!planner.isEmpty() && models.stream().noneMatch(m -> m.name().equals(planner))) {
      throw new IllegalArgumentException("agent.model '" + planner + "' is not the name of one of the models");
    }
    String judge = eval.judgeModel();
    if (!judge.isEmpty() && models.stream().noneMatch(m -> m.name().equals(judge))) {
      throw new IllegalArgumentException("eval.judge_model '" + judge + "' is not the name of one of the models");
    }
    prompts = prompts == null ? new Prompts(null, null) : prompts;
    rollouts = rollouts == null ? List.of() : List.copyOf(rollouts);
    drift = drift == null ? DriftConfig.defaults() : drift;
    records = records == null ? new Records(null, null, null) : records;
    webhooks = webhooks == null ? List.of() : List.copyOf(webhooks);
    state = state == null ? io.ragway.state.StateConfig.defaults() : state;
    ledger = ledger == null ? new UsageLedger(null, null) : ledger;
    checkRollouts(models, generator, prompts, rollouts);
  }

  /** Rollouts name models and prompt versions that exist, one rollout per model (a bad one fails at load time). */
  private static void checkRollouts(List<Model> models, String generator, Prompts prompts, List<RolloutConfig> rollouts) {
    java.util.Set<String> upstream = new java.util.LinkedHashSet<>();
    models.forEach(m -> upstream.add(m.name()));
    PromptTemplates templates = prompts.templates();
    if (!prompts.rag().isEmpty() && generator.isEmpty()) {
      throw new IllegalArgumentException("prompts.rag names a prompt version, but no generator is set (the extractive "
          + "answerer takes no prompt)");
    }
    java.util.Set<String> names = new java.util.HashSet<>();
    java.util.Set<String> rolled = new java.util.HashSet<>();
    for (RolloutConfig r : rollouts) {
      if (!names.add(r.name())) {
        throw new IllegalArgumentException("two rollouts are named '" + r.name() + "'");
      }
      if (!rolled.add(r.model())) {
        throw new IllegalArgumentException("rollouts." + r.name() + ": model '" + r.model() + "' has another rollout; "
            + "a model has one rollout at a time");
      }
      if (!r.model().equals("rag") && !upstream.contains(r.model()) && (r.stable().model().isEmpty()
          || r.candidate().model().isEmpty())) {
        throw new IllegalArgumentException("rollouts." + r.name() + ": '" + r.model() + "' is neither rag nor one of "
            + "models " + upstream + "; an alias needs a model on both arms");
      }
      r.validate(upstream);
      for (RolloutConfig.Arm arm : List.of(r.stable(), r.candidate())) {
        if (!arm.prompt().isEmpty()) {
          templates.require(arm.prompt());
          String writer = arm.model().isEmpty() ? generator : arm.model();
          if (writer.isEmpty() || writer.equals("extractive")) {
            throw new IllegalArgumentException("rollouts." + r.name() + ": prompt '" + arm.prompt() + "' needs an upstream "
                + "model to write with (the extractive answerer takes no prompt)");
          }
        }
      }
    }
  }

  /**
   * Versions of the prompt {@code rag}'s generator is given (docs/rollout.md).
   *
   * @param rag the version {@code rag} answers with outside rollouts (empty: the built-in {@code v1})
   * @param versions versions beyond the built-in {@code v1}
   */
  public record Prompts(String rag, List<PromptTemplates.Template> versions) {
    public Prompts {
      rag = rag == null ? "" : rag.strip();
      versions = versions == null ? List.of() : List.copyOf(versions);
      PromptTemplates t = PromptTemplates.of(versions);
      if (!rag.isEmpty()) {
        t.require(rag);
      }
    }

    public PromptTemplates templates() {
      return PromptTemplates.of(versions);
    }
  }

  /**
   * A model served by an OpenAI-compatible upstream.
   *
   * @param name what clients put in {@code model}
   * @param model the upstream's own name for it (default: {@code name})
   * @param fallbacks models tried in order when this one keeps failing
   */
  public record Model(String name, String baseUrl, String apiKey, String model, Integer contextWindow,
      @JsonProperty("input_price_per_1m") Double inputPricePer1m, @JsonProperty("output_price_per_1m") Double outputPricePer1m, List<String> fallbacks, Integer connectTimeoutSeconds,
      Integer firstTokenTimeoutSeconds, Integer totalTimeoutSeconds, Integer weight, Integer maxConcurrency,
      Integer maxQueue, @JsonProperty("cached_input_price_per_1m") Double cachedInputPricePer1m) {

    // list entries name only what they need: absent numbers mean "unknown" (0) or the default timeouts
    public Model {
      contextWindow = contextWindow == null ? 0 : contextWindow;
      inputPricePer1m = inputPricePer1m == null ? 0.0 : inputPricePer1m;
      outputPricePer1m = outputPricePer1m == null ? 0.0 : outputPricePer1m;
      cachedInputPricePer1m = cachedInputPricePer1m == null ? inputPricePer1m : cachedInputPricePer1m;
      connectTimeoutSeconds = connectTimeoutSeconds == null ? 0 : connectTimeoutSeconds;
      firstTokenTimeoutSeconds = firstTokenTimeoutSeconds == null ? 0 : firstTokenTimeoutSeconds;
      totalTimeoutSeconds = totalTimeoutSeconds == null ? 0 : totalTimeoutSeconds;
      weight = weight == null ? 1 : weight;
      maxConcurrency = maxConcurrency == null ? 0 : maxConcurrency;
      maxQueue = maxQueue == null ? 64 : maxQueue;
      if (name == null || baseUrl == null || baseUrl.isBlank()) {
        throw new IllegalArgumentException("every entry of models needs a name and a base_url");
      }
      toUpstream(name, baseUrl, apiKey, model, contextWindow, inputPricePer1m, outputPricePer1m, fallbacks,
          connectTimeoutSeconds, firstTokenTimeoutSeconds, totalTimeoutSeconds, weight, maxConcurrency, maxQueue,
          cachedInputPricePer1m);
    }

    public UpstreamConfig toUpstream() {
      return toUpstream(name, baseUrl, apiKey, model, contextWindow, inputPricePer1m, outputPricePer1m, fallbacks,
          connectTimeoutSeconds, firstTokenTimeoutSeconds, totalTimeoutSeconds, weight, maxConcurrency, maxQueue,
          cachedInputPricePer1m);
    }

    // static, so the compact constructor can fail at load time naming the model
    private static UpstreamConfig toUpstream(String name, String baseUrl, String apiKey, String model, int contextWindow,
        double inputPrice, double outputPrice, List<String> fallbacks, int connect, int firstToken, int total,
        int weight, int maxConcurrency, int maxQueue, double cachedInputPrice) {
      return new UpstreamConfig(name, URI.create(baseUrl), apiKey, model, contextWindow, inputPrice, outputPrice,
          fallbacks, Duration.ofSeconds(orDefault(connect, 10)), Duration.ofSeconds(orDefault(firstToken, 60)),
          Duration.ofSeconds(orDefault(total, 300)), weight, maxConcurrency, maxQueue, cachedInputPrice);
    }

    private static int orDefault(int v, int d) {
      return v > 0 ? v : d;
    }
  }

  /** The exact-match and semantic response caches; see {@link CacheConfig}. */
  public record Cache(boolean enabled, long maxEntries, int ttlSeconds, boolean anyTemperature, double semanticThreshold) {
    public Cache {
      // validate from the parameters: fields are only assigned when a compact constructor ends
      new CacheConfig(enabled, maxEntries, Duration.ofSeconds(ttlSeconds), anyTemperature, semanticThreshold);
    }

    public CacheConfig toCacheConfig() {
      return new CacheConfig(enabled, maxEntries, Duration.ofSeconds(ttlSeconds), anyTemperature, semanticThreshold);
    }
  }

  /**
   * Where records (API keys, the audit log; later the usage ledger) are kept.
   *
   * @param url empty for SQLite in the data directory ({@code ragway.db}); {@code jdbc:postgresql://...}
   *     for a PostgreSQL that several replicas share; {@code jdbc:sqlite:FILE} for another SQLite file
   * @param user PostgreSQL user (may be in the URL instead)
   * @param password PostgreSQL password, e.g. {@code ${PGPASSWORD}}
   * @param poolSize connections kept open to PostgreSQL
   */
  public record Database(String url, String user, String password, int poolSize) {
    public Database {
      url = url == null ? "" : url.strip();
      user = user == null ? "" : user;
      password = password == null ? "" : password;
      if (!url.isEmpty() && !url.startsWith("jdbc:postgresql:") && !url.startsWith("jdbc:sqlite:")) {
        throw new IllegalArgumentException("database.url must be empty (SQLite in the data directory), jdbc:sqlite:FILE "
            + "or jdbc:postgresql://HOST/DB, got '" + url + "'");
      }
      if (poolSize < 1 || poolSize > 200) {
        throw new IllegalArgumentException("database.pool_size must be between 1 and 200, got " + poolSize);
      }
    }
  }

  /**
   * Whether requests need an API key.
   *
   * @param required {@code auto} (only when listening beyond loopback), {@code true} or {@code false}
   */
  public record Auth(String required) {
    public Auth {
      if (!List.of("auto", "true", "false").contains(String.valueOf(required))) {
        throw new IllegalArgumentException("auth.required must be auto, true or false, got '" + required + "'");
      }
    }

    /** Whether a server on {@code host} asks for keys. */
    public boolean requiredOn(String host) {
      return switch (required) {
        case "true" -> true;
        case "false" -> false;
        default -> !(host.equals("localhost") || host.startsWith("127.") || host.equals("::1"));
      };
    }
  }

  /**
   * Limits of requests that carry no key (when auth is off); keys carry their own.
   *
   * @param rpm requests per minute, 0 for none
   * @param tpm tokens per minute, 0 for none
   */
  public record Limits(long rpm, long tpm) {
    public Limits {
      if (rpm < 0 || tpm < 0) {
        throw new IllegalArgumentException("limits.rpm and limits.tpm must be >= 0 (0 means no limit)");
      }
    }
  }

  /**
   * Server-side conversations.
   *
   * @param maxSessions most sessions kept; the least recently used go first
   * @param idleMinutes a session unused this long is forgotten
   * @param historyTokens token budget of a session's history for models without a known context
   *     window ({@code rag}, {@code extractive})
   */
  public record Sessions(long maxSessions, int idleMinutes, int historyTokens) {
    public Sessions {
      if (maxSessions < 1 || idleMinutes < 1 || historyTokens < 64) {
        throw new IllegalArgumentException("sessions: max_sessions and idle_minutes must be >= 1, history_tokens >= 64");
      }
    }
  }

  /** Retries of upstream calls ({@link RetryPolicy}) and the choice among deployments ({@link RoutingPolicy}). */
  public record Gateway(int maxAttempts, int baseDelayMs, int maxDelayMs, int maxRetryAfterSeconds, String strategy,
      int failureRatePercent, int window, int minimumCalls, int openSeconds, int queueTimeoutMs, int probeIntervalSeconds,
      RoutingPolicy.Prefix prefix, Map<String, String> strategies) {
    public Gateway {
      prefix = prefix == null ? RoutingPolicy.Prefix.defaults() : prefix;
      strategies = strategies == null ? Map.of() : Map.copyOf(strategies);
      toRetryPolicy(maxAttempts, baseDelayMs, maxDelayMs, maxRetryAfterSeconds);
      toRoutingPolicy(strategy, failureRatePercent, window, minimumCalls, openSeconds, queueTimeoutMs, probeIntervalSeconds,
          prefix, strategies);
    }

    public RetryPolicy toRetryPolicy() {
      return toRetryPolicy(maxAttempts, baseDelayMs, maxDelayMs, maxRetryAfterSeconds);
    }

    public RoutingPolicy toRoutingPolicy() {
      return toRoutingPolicy(strategy, failureRatePercent, window, minimumCalls, openSeconds, queueTimeoutMs, probeIntervalSeconds,
          prefix, strategies);
    }

    private static RetryPolicy toRetryPolicy(int maxAttempts, int baseDelayMs, int maxDelayMs, int maxRetryAfterSeconds) {
      return new RetryPolicy(maxAttempts, Duration.ofMillis(baseDelayMs), Duration.ofMillis(maxDelayMs),
          Duration.ofSeconds(maxRetryAfterSeconds));
    }

    private static RoutingPolicy toRoutingPolicy(String strategy, int failureRatePercent, int window, int minimumCalls,
        int openSeconds, int queueTimeoutMs, int probeIntervalSeconds, RoutingPolicy.Prefix prefix,
        Map<String, String> strategies) {
      Map<String, RoutingPolicy.Strategy> perModel = new java.util.LinkedHashMap<>();
      strategies.forEach((model, s) -> perModel.put(model, RoutingPolicy.Strategy.parse(String.valueOf(s))));
      return new RoutingPolicy(RoutingPolicy.Strategy.parse(String.valueOf(strategy)), failureRatePercent, window,
          minimumCalls, Duration.ofSeconds(openSeconds), Duration.ofMillis(queueTimeoutMs),
          Duration.ofSeconds(probeIntervalSeconds), prefix, perModel);
    }
  }

  /**
   * Ingest settings.
   *
   * @param chunker {@code sentence} (recursive, sentence-aware) or {@code fixed} (token windows)
   * @param chunkTokens the largest chunk, in embedding-model tokens
   * @param overlapTokens tokens of the previous chunk repeated at the start of the next
   * @param batchSize chunks embedded together
   * @param commitEvery chunks written between two index commits (a crash loses at most these)
   * @param maxFileMb files larger than this are reported and skipped
   */
  public record Ingest(String chunker, int chunkTokens, int overlapTokens, int batchSize, int commitEvery, int maxFileMb) {
    public Ingest {
      if (commitEvery < 1) {
        throw new IllegalArgumentException("ingest.commit_every must be >= 1, got " + commitEvery);
      }
      if (batchSize < 1) {
        throw new IllegalArgumentException("ingest.batch_size must be >= 1, got " + batchSize);
      }
      if (maxFileMb < 1) {
        throw new IllegalArgumentException("ingest.max_file_mb must be >= 1, got " + maxFileMb);
      }
    }
  }

  /**
   * Which embedding model to use.
   *
   * @param provider {@code local} (bge-small-en-v1.5 int8, in process) or {@code openai} (any
   *     OpenAI-compatible {@code /v1/embeddings} endpoint at {@code baseUrl})
   */
  public record Embedding(String provider, String baseUrl, String apiKey, String model, int dimension,
      int batchSize, String queryPrefix, int timeoutSeconds) {
    public Embedding {
      if (!"local".equals(provider) && !"openai".equals(provider)) {
        throw new IllegalArgumentException("embedding.provider must be 'local' or 'openai', got '" + provider + "'");
      }
      if ("openai".equals(provider) && (baseUrl == null || baseUrl.isBlank())) {
        throw new IllegalArgumentException("embedding.base_url is required when embedding.provider is 'openai'");
      }
      if (timeoutSeconds < 1) {
        throw new IllegalArgumentException("embedding.timeout_seconds must be >= 1");
      }
    }

    public Duration timeout() {
      return Duration.ofSeconds(timeoutSeconds);
    }
  }

  /**
   * Index tuning (see {@link IndexConfig}) and where the index lives: {@code backend} is
   * {@code embedded} (Lucene under the data directory) or {@code solr} (the SolrCloud collection of
   * {@code solr}).
   */
  public record Index(int hnswM, int hnswBeamWidth, int efSearch, float bm25K1, float bm25B, String backend, Solr solr) {
    public Index {
      backend = backend == null ? "embedded" : backend;
      solr = solr == null ? Solr.defaults() : solr;
      if (!backend.equals("embedded") && !backend.equals("solr")) {
        throw new IllegalArgumentException("index.backend must be 'embedded' or 'solr', got '" + backend + "'");
      }
      if (backend.equals("solr")) {
        solr.toSolrConfig(); // validates
      }
    }

    public IndexConfig toIndexConfig() {
      return new IndexConfig(hnswM, hnswBeamWidth, efSearch, bm25K1, bm25B);
    }
  }

  /** The SolrCloud of {@code index.backend: solr}; see {@link io.ragway.index.SolrConfig}. */
  public record Solr(List<String> urls, String collection, int shards, int replicas) {
    public Solr {
      urls = urls == null ? List.of() : List.copyOf(urls);
    }

    static Solr defaults() {
      return new Solr(List.of(), "ragway", 2, 2);
    }

    public io.ragway.index.SolrConfig toSolrConfig() {
      return new io.ragway.index.SolrConfig(urls, collection, shards, replicas);
    }
  }

  /** Retrieval settings; see {@link RetrieveConfig}. */
  public record Retrieval(String mode, int k, int candidates, int rrfK, boolean mmr, double mmrLambda, Reranker reranker) {
    public RetrieveConfig toRetrieveConfig() {
      return new RetrieveConfig(SearchMode.parse(mode), k, candidates, rrfK, mmr, mmrLambda, reranker.topN());
    }
  }

  /**
   * An optional reranker behind a {@code /rerank} endpoint.
   *
   * @param url the full endpoint URL; empty means no reranker
   * @param style {@code tei} (Text Embeddings Inference) or {@code cohere} (Cohere, Jina, vLLM)
   */
  public record Reranker(String url, String style, String model, String apiKey, int topN, int timeoutSeconds) {
    public boolean enabled() {
      return url != null && !url.isBlank();
    }
  }

  /**
   * The built-in extractive answerer.
   *
   * @param maxSentences most sentences in an answer
   * @param abstainThreshold evidence score below which it answers that the documents do not say;
   *     negative means the calibrated default
   */
  public record Answer(int maxSentences, double abstainThreshold) {}

  /**
   * Guardrails (docs/guard.md).
   *
   * @param model an injection model written by {@code ragway guard train}; empty for the bundled one
   * @param policy the policy of every tenant without one of its own
   * @param tenants policies per tenant; a key left out takes the default policy's value
   */
  public record Guard(boolean enabled, String model, Policy policy, Map<String, Policy> tenants) {
    public Guard {
      model = model == null ? "" : model.strip();
      Objects.requireNonNull(policy, "guard.policy");
      tenants = tenants == null ? Map.of() : Map.copyOf(tenants);
      GuardPolicy base = policy.toGuardPolicy(GuardPolicy.defaults(), "guard.policy");
      tenants.forEach((name, p) -> p.toGuardPolicy(base, "guard.tenants." + name)); // fail at load time
    }

    /** The default policy. */
    public GuardPolicy defaultPolicy() {
      return policy.toGuardPolicy(GuardPolicy.defaults(), "guard.policy");
    }

    /** Each tenant's own policy, completed from the default. */
    public Map<String, GuardPolicy> tenantPolicies() {
      GuardPolicy base = defaultPolicy();
      Map<String, GuardPolicy> out = new java.util.HashMap<>();
      tenants.forEach((name, p) -> out.put(name, p.toGuardPolicy(base, "guard.tenants." + name)));
      return out;
    }
  }

  /** One guard policy as written; a missing key takes the value of {@code base}. */
  public record Policy(String version, Injection injection, Pii pii, Output output, Retrieved retrieved) {
    GuardPolicy toGuardPolicy(GuardPolicy base, String where) {
      try {
        Injection in = injection == null ? new Injection(null, null, null) : injection;
        Pii pi = pii == null ? new Pii(null, null) : pii;
        Output out = output == null ? new Output(null, null, null, null, null) : output;
        Retrieved re = retrieved == null ? new Retrieved(null) : retrieved;
        return new GuardPolicy(version == null ? base.version() : version,
            in.action() == null ? base.injection() : GuardPolicy.Action.parse(in.action()),
            in.threshold() == null ? base.injectionThreshold() : in.threshold(),
            in.vectors() == null ? base.vectors() : InjectionDetector.Vectors.valueOf(in.vectors().strip().toUpperCase(java.util.Locale.ROOT)),
            pi.mode() == null ? base.pii() : PiiMode.parse(pi.mode()),
            pi.types() == null || pi.types().isEmpty() ? base.piiTypes()
                : pi.types().stream().map(PiiType::parse).collect(java.util.stream.Collectors.toSet()),
            out.pii() == null ? base.outputPii() : PiiMode.parse(out.pii()),
            out.deniedTerms() == null ? base.deniedTerms() : out.deniedTerms(),
            out.json() == null ? base.json() : GuardPolicy.JsonMode.parse(out.json()),
            re.injection() == null ? base.retrieved() : GuardPolicy.Passages.parse(re.injection()),
            out.groundedness() == null ? base.groundedness() : GuardPolicy.Grounding.parse(out.groundedness()),
            out.groundednessThreshold() == null ? base.groundednessThreshold() : out.groundednessThreshold());
      } catch (IllegalArgumentException e) {
        throw new IllegalArgumentException(where + ": " + e.getMessage(), e);
      }
    }
  }

  /** @param action block, flag or allow; @param vectors always, unsure or never */
  public record Injection(String action, Double threshold, String vectors) {}

  /** @param mode off, redact, mask, pseudonymise or block; @param types PII types, empty for all */
  public record Pii(String mode, List<String> types) {}

  /**
   * @param pii off, redact, mask or block; @param json block, flag or off (answers to {@code response_format} JSON);
   *     @param groundedness off, flag or remove
   */
  public record Output(String pii, List<String> deniedTerms, String json, String groundedness, Double groundednessThreshold) {}

  /** @param injection what a retrieved passage that reads as an injection gets: drop, flag or off */
  public record Retrieved(String injection) {}

  /**
   * Metrics (docs/observability.md).
   *
   * @param metrics whether {@code GET /metrics} is served and metrics are kept
   * @param metricsToken the bearer token {@code /metrics} asks for when API keys are required (a
   *     tenant's key does not open it); empty means it answers 403 then
   */
  public record Telemetry(boolean metrics, String metricsToken, Tracing tracing, RequestLog requestLog) {
    public Telemetry {
      metricsToken = metricsToken == null ? "" : metricsToken.strip();
      tracing = tracing == null ? Tracing.defaults() : tracing;
      requestLog = requestLog == null ? RequestLog.defaults() : requestLog;
    }

    /** Metrics as given; traces and the request log as their defaults. */
    public Telemetry(boolean metrics, String metricsToken) {
      this(metrics, metricsToken, null, null);
    }
  }

  /**
   * Traces (docs/observability.md): spans go to {@code otlp_endpoint} (OTLP over HTTP) when it is set.
   *
   * @param sampleRatio the share of new traces kept, 0 to 1
   */
  public record Tracing(String otlpEndpoint, double sampleRatio, String serviceName) {
    public Tracing {
      io.ragway.telemetry.Tracing.Config c = new io.ragway.telemetry.Tracing.Config(otlpEndpoint, sampleRatio, serviceName);
      otlpEndpoint = c.otlpEndpoint();
      serviceName = c.serviceName();
    }

    public static Tracing defaults() {
      return new Tracing("", 1.0, "ragway");
    }

    public io.ragway.telemetry.Tracing.Config toConfig() {
      return new io.ragway.telemetry.Tracing.Config(otlpEndpoint, sampleRatio, serviceName);
    }
  }

  /**
   * The JSON-lines request log in {@code <data>/logs} (docs/observability.md).
   *
   * @param content whether prompts and answers are written, PII redacted
   */
  public record RequestLog(boolean enabled, boolean content, int retentionDays, int maxFileMb) {
    public RequestLog {
      toConfig(enabled, content, retentionDays, maxFileMb); // validates
    }

    public static RequestLog defaults() {
      io.ragway.telemetry.RequestLog.Config d = io.ragway.telemetry.RequestLog.Config.defaults();
      return new RequestLog(d.enabled(), d.content(), d.retentionDays(), d.maxFileMb());
    }

    public io.ragway.telemetry.RequestLog.Config toConfig() {
      return toConfig(enabled, content, retentionDays, maxFileMb);
    }

    private static io.ragway.telemetry.RequestLog.Config toConfig(boolean enabled, boolean content, int retentionDays,
        int maxFileMb) {
      return new io.ragway.telemetry.RequestLog.Config(enabled, content, retentionDays, maxFileMb);
    }
  }

  /**
   * Answer evaluation ({@code ragway eval answers}, docs/evaluation.md).
   *
   * @param judgeModel an upstream model of {@code models} that judges faithfulness, answer
   *     relevancy and context precision and recall; empty = judged with embeddings and word overlap
   */
  public record Eval(String judgeModel) {
    public Eval {
      judgeModel = judgeModel == null ? "" : judgeModel.strip();
    }
  }

  /**
   * Answer records and feedback (docs/feedback.md).
   *
   * @param content whether questions and answers are kept (PII redacted); default false
   * @param tenants per-tenant overrides of {@code content}
   * @param retentionDays after how many days kept questions and answers are removed; 0 = never; default 30
   */
  public record Records(Boolean content, Map<String, TenantRecords> tenants, Integer retentionDays) {
    public Records {
      content = content != null && content;
      tenants = tenants == null ? Map.of() : Map.copyOf(tenants);
      retentionDays = retentionDays == null ? io.ragway.store.AnswerRecords.Config.defaults().retentionDays() : retentionDays;
      toConfig(content, tenants, retentionDays); // validates
    }

    public io.ragway.store.AnswerRecords.Config toConfig() {
      return toConfig(content, tenants, retentionDays);
    }

    private static io.ragway.store.AnswerRecords.Config toConfig(boolean content, Map<String, TenantRecords> tenants,
        int retentionDays) {
      Map<String, Boolean> overrides = new java.util.HashMap<>();
      tenants.forEach((name, t) -> overrides.put(name, t.content() == null ? content : t.content()));
      return new io.ragway.store.AnswerRecords.Config(content, overrides, retentionDays);
    }
  }

  /** One tenant's answer records: whether its questions and answers are kept. */
  public record TenantRecords(Boolean content) {}

  /**
   * When the usage ledger answers an event as recorded (docs/records.md).
   *
   * @param sync {@code os} (written to the journal file, on disk within syncDelayMs; the default) or {@code fsync} (on disk)
   * @param syncDelayMs {@code os}: the most milliseconds between a write and its fsync
   */
  public record UsageLedger(String sync, Integer syncDelayMs) {
    public UsageLedger {
      sync = sync == null ? io.ragway.store.LedgerSync.defaults().label() : sync.strip();
      if (!sync.equals("fsync") && !sync.equals("os")) {
        throw new IllegalArgumentException("ledger.sync must be fsync or os, got '" + sync + "'");
      }
      syncDelayMs = syncDelayMs == null ? (int) io.ragway.store.LedgerSync.DEFAULT_DELAY.toMillis() : syncDelayMs;
      if (syncDelayMs < 0 || syncDelayMs > 1000) {
        throw new IllegalArgumentException("ledger.sync_delay_ms must be between 0 and 1000, got " + syncDelayMs);
      }
    }

    public io.ragway.store.LedgerSync toSync() {
      return new io.ragway.store.LedgerSync(sync.equals("os"), Duration.ofMillis(syncDelayMs));
    }
  }

  /** The defaults: what ragway does with no {@code ragway.yaml} at all. */
  public static RagwayConfig defaults() {
    IndexConfig ic = IndexConfig.defaults();
    RetrieveConfig rc = RetrieveConfig.defaults();
    return new RagwayConfig(
        "./ragway-data",
        "default",
        new Ingest("sentence", 256, 32, 32, 1000, 50),
        new Embedding("local", "", "", "", 0, 64, "", 60),
        new Index(ic.hnswM(), ic.hnswBeamWidth(), ic.efSearch(), ic.bm25K1(), ic.bm25B(), "embedded", Solr.defaults()),
        new Retrieval(rc.mode().label(), rc.k(), rc.candidates(), rc.rrfK(), rc.mmr(), rc.mmrLambda(),
            new Reranker("", "tei", "", "", rc.rerankTopN(), 30)),
        new Answer(3, -1),
        "",
        List.of(),
        new Gateway(3, 200, 5000, 30, "weighted", 50, 20, 5, 30, 10_000, 30, RoutingPolicy.Prefix.defaults(), Map.of()),
        new Cache(true, 10_000, 3600, false, 0),
        new Auth("auto"),
        new Limits(0, 0),
        new Sessions(10_000, 24 * 60, 4000),
        new Database("", "", "", 10),
        new Guard(true, "", new Policy("default-1", new Injection("block", 0.5, "never"), new Pii("off", List.of()),
            new Output("off", List.of(), "block", "flag", 0.5), new Retrieved("drop")), Map.of()),
        new Telemetry(true, ""),
        AgentConfig.defaults(),
        new Eval(""),
        new Prompts("", List.of()),
        List.of(),
        DriftConfig.defaults(),
        new Records(null, null, null),
        List.of(), io.ragway.state.StateConfig.defaults(),
        new UsageLedger(null, null));
  }

  /** This configuration with another data directory and tenant (the CLI's flags). */
  public RagwayConfig withDataAndTenant(String dataDir, String tenant) {
    return new RagwayConfig(dataDir, tenant, ingest, embedding, index, retrieval, answer, generator, models, gateway, cache,
        auth, limits, sessions, database, guard, telemetry, agent, eval,
        prompts, rollouts, drift, records, webhooks, state, ledger);
  }

  public Path dataPath() {
    return Path.of(dataDir);
  }
}
