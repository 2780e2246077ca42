package io.ragway.cli;

import io.ragway.config.JsonMappers;
import io.ragway.guard.Guard;
import io.ragway.guard.InjectionDetector;
import io.ragway.guard.JsonlDecisionLog;
import io.ragway.chat.RagPipeline;
import io.ragway.config.RagwayConfig;
import io.ragway.embed.EmbeddingModel;
import io.ragway.embed.EmbeddingModels;
import io.ragway.embed.OpenAiEmbeddingConfig;
import io.ragway.index.Index;
import io.ragway.index.Indexes;
import io.ragway.ingest.Chunker;
import io.ragway.ingest.ChunkerConfig;
import io.ragway.ingest.Chunkers;
import io.ragway.ingest.IngestOptions;
import io.ragway.ingest.Ingestor;
import io.ragway.llm.ChatModel;
import io.ragway.llm.ChatModels;
import io.ragway.llm.ExtractiveConfig;
import io.ragway.llm.Router;
import io.ragway.retrieve.HttpReranker;
import io.ragway.retrieve.Reranker;
import io.ragway.retrieve.RerankerConfig;
import io.ragway.retrieve.Retriever;
import io.ragway.retrieve.Retrievers;
import io.ragway.retrieve.SearchMode;
import io.ragway.rollout.RolloutConfig;
import io.ragway.rollout.RolloutStore;
import io.ragway.rollout.Rollouts;
import io.ragway.chat.PromptTemplates;
import java.util.function.Function;
import io.ragway.store.ApiKeys;
import io.ragway.store.Database;
import io.ragway.store.Stores;
import io.ragway.guard.PiiDetector;
import io.ragway.telemetry.RequestLog;
import io.ragway.telemetry.Telemetry;
import io.ragway.telemetry.Tracing;
import io.ragway.state.Redis;
import io.ragway.state.StateBackend;
import io.ragway.webhook.Webhooks;
import io.ragway.llm.InFlightCounts;
import io.ragway.eval.DriftEvaluation;
import io.ragway.eval.Judge;
import io.ragway.cache.Caches;
import io.ragway.cache.CacheConfig;
import io.ragway.limit.RateLimiters;
import io.ragway.limit.RateLimiter;
import io.ragway.index.Filter;
import io.ragway.chat.Sessions;
import io.ragway.chat.SessionStores;
import com.github.benmanes.caffeine.cache.Ticker;
import io.ragway.retrieve.SearchRequest;
import io.ragway.rollout.DriftConfig;
import io.ragway.store.AnswerRecords;
import com.fasterxml.jackson.databind.JsonNode;
import java.net.URI;
import java.nio.file.Path;
import java.time.Duration;
import java.util.function.Consumer;
import java.time.Clock;
import java.util.Random;
import java.util.List;
import java.util.Locale;
import java.util.Optional;

/**
 * Builds ragway's parts from one configuration, opening each only when a command needs it (loading
 * the embedding model takes a second or two; {@code search --mode bm25} never does).
 */
final class Components implements AutoCloseable {

  private final RagwayConfig config;
  private EmbeddingModel embedder;
  private JsonlDecisionLog decisions;
  private Index index;
  private Router router;
  private Database database;
  private ApiKeys keys;
  private Telemetry telemetry;
  private Telemetry traced;
  private Rollouts rollouts;
  private Webhooks webhooks;
  private volatile Consumer<JsonNode> onDrift = e -> {};
  private Redis redis;
  private InFlightCounts inFlight;

  Components(RagwayConfig config) {
    this.config = config;
  }

  RagwayConfig config() {
    return config;
  }

  Path indexDir() {
    return config.dataPath().resolve("index");
  }

  synchronized EmbeddingModel embedder() {
    if (embedder == null) {
      RagwayConfig.Embedding e = config.embedding();
      embedder = switch (e.provider()) {
        case "openai" -> EmbeddingModels.openAi(new OpenAiEmbeddingConfig(URI.create(e.baseUrl()), e.apiKey(),
            e.model(), e.dimension(), e.batchSize(), e.queryPrefix(), e.timeout()));
        default -> EmbeddingModels.bgeSmallEnV15();
      };
    }
    return embedder;
  }

  /** Opens the index for writing (ingest) or, when {@code readOnly}, for searching only. */
  synchronized Index index(boolean readOnly) {
    if (index == null) {
      EmbeddingModel e = embedder();
      index = config.index().backend().equals("solr")
          ? Indexes.openSolr(config.index().solr().toSolrConfig(), e.id(), e.dimension(), config.index().toIndexConfig())
          : readOnly
          ? Indexes.openLuceneReadOnly(indexDir(), e.id(), e.dimension(), config.index().toIndexConfig())
          : Indexes.openLucene(indexDir(), e.id(), e.dimension(), config.index().toIndexConfig());
    }
    return index;
  }

  Chunker chunker() {
    RagwayConfig.Ingest in = config.ingest();
    return Chunkers.create(new ChunkerConfig(in.chunker(), in.chunkTokens(), in.overlapTokens()), embedder().tokenCounter());
  }

  IngestOptions ingestOptions(List<String> tags) {
    return ingestOptions(tags, Optional.empty());
  }

  /** @param groups the ACL groups of every file ingested; absent, indexed files keep theirs */
  IngestOptions ingestOptions(List<String> tags, Optional<List<String>> groups) {
    RagwayConfig.Ingest in = config.ingest();
    return new IngestOptions(config.tenant(), tags, groups, in.batchSize(), in.commitEvery(), in.maxFileMb() * 1024L * 1024L);
  }

  Ingestor ingestor(Index target, List<String> tags) {
    return ingestor(target, tags, Optional.empty());
  }

  Ingestor ingestor(Index target, List<String> tags, Optional<List<String>> groups) {
    return new Ingestor(target, embedder(), chunker(), ingestOptions(tags, groups));
  }

  Retriever retriever(Index source) {
    return Retrievers.fusion(source, embedder(), config.retrieval().toRetrieveConfig(), reranker());
  }

  Optional<Reranker> reranker() {
    RagwayConfig.Reranker r = config.retrieval().reranker();
    if (!r.enabled()) {
      return Optional.empty();
    }
    return Optional.of(HttpReranker.create(new RerankerConfig(URI.create(r.url()), r.apiKey(), r.model(),
        RerankerConfig.Style.valueOf(r.style().toUpperCase(Locale.ROOT)), Duration.ofSeconds(r.timeoutSeconds()))));
  }

  /** The answerer of {@code rag}: the configured generator, else the extractive answerer. */
  ChatModel answerer() {
    if (!config.prompts().rag().isEmpty()) {
      return ChatModels.generating(router(), config.generator(), config.prompts().templates().require(config.prompts().rag())
          .system());
    }
    return config.generator().isEmpty() ? extractive() : ChatModels.generating(router(), config.generator());
  }

  /**
   * The rollouts and drift tracking of ragway.yaml (docs/rollout.md), their states in the records
   * database; none configured: nothing is tracked and no database is opened for them.
   */
  synchronized Rollouts rollouts() {
    if (rollouts == null) {
      if (config.rollouts().isEmpty() && !config.drift().enabled()) {
        rollouts = Rollouts.none();
      } else {
        PromptTemplates templates = config.prompts().templates();
        Function<RolloutConfig.Arm, RagPipeline> pipelines = Rollouts.memoized(arm -> {
          String writer = arm.model().isEmpty() ? config.generator() : arm.model();
          ChatModel model = writer.isEmpty() || writer.equals("extractive") ? extractive()
              : ChatModels.generating(router(), writer, templates.require(arm.prompt().isEmpty() ? config.prompts().rag()
                  : arm.prompt()).system());
          return new RagPipeline(retriever(index(false)), model, promptVersion(arm.prompt()));
        });
        Rollouts.Arms arms = new Rollouts.Arms() {
          @Override
          public RagPipeline pipeline(RolloutConfig.Arm arm) {
            return pipelines.apply(arm);
          }

          @Override
          public Router router() {
            return Components.this.router();
          }

          @Override
          public SearchMode mode() {
            return SearchMode.parse(config.retrieval().mode());
          }

          @Override
          public int k() {
            return config.retrieval().k();
          }
        };
        rollouts = Rollouts.create(config.rollouts(), config.drift(), arms,
            RolloutStore.sql(database().dataSource(), Clock.systemUTC()), telemetry(),
            config.drift().enabled() ? Optional.of(embedder()) : Optional.empty(), Clock.systemUTC(),
            System::nanoTime, events(),
            state() instanceof Redis r ? Optional.of(r) : Optional.empty());
      }
    }
    return rollouts;
  }

  ChatModel extractive() {
    ExtractiveConfig defaults = ExtractiveConfig.defaults();
    RagwayConfig.Answer a = config.answer();
    return ChatModels.extractive(embedder(), defaults.withMaxSentences(a.maxSentences())
        .withAbstainThreshold(a.abstainThreshold() < 0 ? defaults.abstainThreshold() : a.abstainThreshold()));
  }

  /** The upstream models of ragway.yaml behind retries and fallbacks (none configured: an empty router). */
  synchronized Router router() {
    if (router == null) {
      router = new Router(config.models().stream().map(RagwayConfig.Model::toUpstream).toList(),
          config.gateway().toRoutingPolicy(), config.gateway().toRetryPolicy(), new Random(), d -> Thread.sleep(d),
          Clock.systemUTC(), inFlight());
    }
    return router;
  }

  /** In-flight counts per deployment for least-busy routing: this replica's, or every replica's through Redis. */
  private synchronized InFlightCounts inFlight() {
    if (inFlight == null) {
      inFlight = state() instanceof Redis r ? InFlightCounts.redis(r,
          java.lang.management.ManagementFactory.getRuntimeMXBean().getName() + "-" + Long.toHexString(new Random().nextLong()),
          Clock.systemUTC(), java.time.Duration.ofMillis(100), java.time.Duration.ofSeconds(5))
          : InFlightCounts.inProcess();
    }
    return inFlight;
  }

  /** Where limits, caches and sessions live ({@code state.backend}); Redis is connected on first use. */
  synchronized StateBackend state() {
    if (!config.state().onRedis()) {
      return StateBackend.memory();
    }
    if (redis == null) {
      redis = Redis.connect(config.state().redis());
    }
    return redis;
  }

  /** Requests and tokens per minute per key, in this process or shared through Redis. */
  RateLimiter limiter() {
    return state() instanceof Redis r ? RateLimiters.redis(r)
        : RateLimiters.inProcess();
  }

  /** The response caches of {@code cache:}, in this process or shared through Redis. */
  Caches caches() {
    CacheConfig c = config.cache().toCacheConfig();
    return state() instanceof Redis r ? Caches.redis(c, r, Clock.systemUTC())
        : Caches.inProcess(c, Ticker.systemTicker());
  }

  /** The sessions of {@code sessions:}, in this process or shared through Redis. */
  Sessions sessions() {
    RagwayConfig.Sessions s = config.sessions();
    Sessions local = SessionStores.inProcess(s.maxSessions(),
        java.time.Duration.ofMinutes(s.idleMinutes()), 1000, Clock.systemUTC(),
        Ticker.systemTicker());
    return state() instanceof Redis r ? SessionStores.redis(r, local,
        java.time.Duration.ofMinutes(s.idleMinutes()), 1000, Clock.systemUTC()) : local;
  }

  /** Metrics as {@code telemetry.metrics} says: kept for {@code /metrics}, or not at all. */
  synchronized Telemetry telemetry() {
    if (telemetry == null) {
      telemetry = config.telemetry().metrics() ? Telemetry.prometheus() : Telemetry.off();
    }
    return telemetry;
  }

  /**
   * The server's telemetry: the metrics, with spans (when {@code telemetry.tracing.otlp_endpoint} is
   * set) and the request log in {@code <data>/logs} (unless {@code telemetry.request_log.enabled} is false).
   */
  synchronized Telemetry tracedTelemetry() {
    if (traced == null) {
      RagwayConfig.Telemetry t = config.telemetry();
      RequestLog log = t.requestLog().enabled()
          ? RequestLog.jsonl(config.dataPath().resolve("logs"), t.requestLog().toConfig(), PiiDetector.all(),
              Clock.systemUTC())
          : RequestLog.off();
      traced = telemetry().with(Tracing.of(t.tracing().toConfig(), log));
    }
    return traced;
  }

  /**
   * The guard of the configured policies; its injection model's vector half uses the local
   * embedding model when that is the configured one. Its decisions are counted in the metrics and
   * written to a log that is closed with these components.
   */
  synchronized Guard guard() {
    RagwayConfig.Guard g = config.guard();
    if (!g.enabled()) {
      return Guard.off();
    }
    Optional<EmbeddingModel> local = config.embedding().provider().equals("openai") ? Optional.empty() : Optional.of(embedder());
    InjectionDetector detector;
    try {
      detector = g.model().isEmpty() ? InjectionDetector.bundled(local) : InjectionDetector.load(Path.of(g.model()), local);
    } catch (java.io.IOException e) {
      throw new UsageException("cannot read the injection model " + g.model() + ": " + e.getMessage());
    }
    decisions = new JsonlDecisionLog(config.dataPath().resolve("guard/decisions.jsonl"), JsonMappers.create(),
        Clock.systemUTC());
    return new Guard(detector, g.defaultPolicy(), g.tenantPolicies(), rollouts().watching(telemetry().counting(Tracing.noting(decisions))));
  }

  /** The records database (SQLite in the data directory unless database.url says otherwise), migrated. */
  synchronized Database database() {
    if (database == null) {
      RagwayConfig.Database d = config.database();
      database = Database.open(d.url(), d.user(), d.password(), d.poolSize(), config.dataPath());
    }
    return database;
  }

  /** The API keys in the records database; changes made through them are audited as this OS user's. */
  synchronized ApiKeys keys() {
    if (keys == null) {
      keys = Stores.apiKeys(database(), config.dataPath(), Clock.systemUTC(),
          "cli:" + System.getProperty("user.name", "unknown"));
    }
    return keys;
  }

  RagPipeline pipeline(Index source) {
    return new RagPipeline(retriever(source), answerer(), promptVersion(""));
  }

  /** The prompt version {@code asked} names: itself, else {@code prompts.rag}, else the built-in one. */
  String promptVersion(String asked) {
    String v = asked.isEmpty() ? config.prompts().rag() : asked;
    return v.isEmpty() ? PromptTemplates.BUILT_IN : v;
  }

  RagPipeline extractivePipeline(Index source) {
    return new RagPipeline(retriever(source), extractive());
  }

  /** Where rollouts announce automatic rollbacks and drift: the webhooks, and drift to {@link #onDrift}. */
  private Rollouts.Events events() {
    Webhooks hooks = webhooks();
    return (type, data) -> {
      hooks.send(type, data);
      if (type.equals("drift")) {
        onDrift.accept(data);
      }
    };
  }

  /**
   * With {@code drift.on_fire.eval} set, raised drift starts an evaluation run of the serving
   * pipeline over {@code index} on an evaluation set (a file, or the rated answers of {@code answers}
   * exported then), its report in {@code <data>/evals} (docs/rollout.md).
   */
  void evaluateOnDrift(Index index, AnswerRecords answers) {
    DriftConfig.Eval eval = config.drift().onFire().eval();
    if (!config.drift().enabled() || !eval.enabled()) {
      return;
    }
    Path dir = config.dataPath().resolve("evals");
    var set = eval.dataset().equals(DriftConfig.Eval.LATEST_EXPORT)
        ? DriftEvaluation.latestExport(answers, dir)
        : DriftEvaluation.file(Path.of(eval.dataset()));
    RagPipeline pipeline = pipeline(index);
    Retriever retriever = retriever(index);
    SearchMode mode = SearchMode.parse(config.retrieval().mode());
    int k = config.retrieval().k();
    Filter filter = Filter.tenant(config.tenant());
    boolean mmr = config.retrieval().mmr();
    DriftEvaluation runs = new DriftEvaluation(dir, set,
        q -> EvalCommand.Answers.generate(pipeline, q, mode, k, filter, mmr),
        q -> retriever.retrieve(new SearchRequest(q, mode, k, filter, mmr)).stream()
            .map(r -> r.chunk().text()).toList(),
        embedder(), Judge.embeddings(embedder(), 0.8), eval.limit(), Clock.systemUTC());
    onDrift = runs::start;
  }

  /** The receivers of {@code webhooks:} in ragway.yaml: automatic rollbacks and drift are posted to them (docs/rollout.md). */
  synchronized Webhooks webhooks() {
    if (webhooks == null) {
      webhooks = Webhooks.http(config.webhooks(), telemetry(), Clock.systemUTC(),
          new Random());
    }
    return webhooks;
  }

  @Override
  public synchronized void close() {
    if (rollouts != null) {
      rollouts.close();
      rollouts = null;
    }
    if (webhooks != null) {
      webhooks.close();
      webhooks = null;
    }
    if (traced != null) {
      traced.close(); // and the metrics under it
      traced = null;
    } else if (telemetry != null) {
      telemetry.close();
    }
    telemetry = null;
    if (decisions != null) {
      decisions.close();
      decisions = null;
    }
    if (index != null) {
      index.close();
      index = null;
    }
    if (embedder != null) {
      embedder.close();
      embedder = null;
    }
    if (database != null) {
      database.close();
      database = null;
      keys = null;
    }
    if (inFlight != null) {
      inFlight.close();
      inFlight = null;
    }
    if (redis != null) {
      redis.close();
      redis = null;
    }
  }
}
