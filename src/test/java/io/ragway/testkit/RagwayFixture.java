package io.ragway.testkit;

import io.ragway.agent.AgentConfig;
import io.ragway.cache.CacheConfig;
import io.ragway.cache.Caches;
import io.ragway.chat.SessionStores;
import io.ragway.limit.RateLimiter;
import io.ragway.limit.RateLimiters;
import io.ragway.server.Access;
import io.ragway.guard.PiiDetector;
import io.ragway.store.AnswerRecords;
import io.ragway.store.ApiKeys;
import io.ragway.store.Database;
import io.ragway.store.Ledger;
import io.ragway.store.Stores;
import com.github.benmanes.caffeine.cache.Ticker;
import java.time.Clock;
import java.time.Duration;
import io.ragway.chat.RagPipeline;
import io.ragway.embed.EmbeddingModel;
import io.ragway.embed.EmbeddingModels;
import io.ragway.config.JsonMappers;
import io.ragway.guard.Guard;
import io.ragway.guard.GuardPolicy;
import io.ragway.guard.InjectionDetector;
import io.ragway.guard.JsonlDecisionLog;
import io.ragway.index.Index;
import io.ragway.index.IndexConfig;
import io.ragway.index.Indexes;
import io.ragway.ingest.ChunkerConfig;
import io.ragway.ingest.Chunkers;
import io.ragway.ingest.DocumentStore;
import io.ragway.ingest.IngestOptions;
import io.ragway.ingest.Ingestor;
import io.ragway.llm.ChatModels;
import io.ragway.llm.ExtractiveConfig;
import io.ragway.llm.RetryPolicy;
import io.ragway.llm.Router;
import io.ragway.retrieve.RetrieveConfig;
import io.ragway.retrieve.Retriever;
import io.ragway.retrieve.Retrievers;
import io.ragway.retrieve.SearchMode;
import io.ragway.rollout.DriftConfig;
import io.ragway.rollout.RolloutConfig;
import io.ragway.rollout.RolloutStore;
import io.ragway.rollout.Rollouts;
import io.ragway.chat.PromptTemplates;
import io.ragway.server.RagwayServer;
import io.ragway.server.ServerConfig;
import io.ragway.telemetry.Telemetry;
import io.ragway.telemetry.Tracing;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * ragway serving a tiny corpus with the real embedding model on a free loopback port.
 */
public final class RagwayFixture implements AutoCloseable {

  public static final long MAX_BODY = 64 * 1024;

  private final Path docs;
  private final EmbeddingModel embedder;
  private final Index index;
  private final DocumentStore documents;
  private final RagwayServer server;
  private final ApiKeys keys;
  private final Database records;
  private final Ledger ledger;
  private final AnswerRecords answers;
  private final Telemetry telemetry;
  private JsonlDecisionLog decisions;
  private final Rollouts rollouts;

  public RagwayFixture(Path dir) throws Exception {
    this(dir, new Router(List.of(), RetryPolicy.defaults(), new java.util.Random(1), d -> { }), "");
  }

  /** With upstream models behind {@code router}; {@code rag} generates with {@code generator} unless it is empty. */
  public RagwayFixture(Path dir, Router router, String generator) throws Exception {
    this(dir, router, generator, false, RateLimiter.Limits.NONE, 0);
  }

  /**
   * @param authRequired whether requests need an API key ({@link #keys()} creates them)
   * @param anonymous the limits of requests without a key
   * @param semanticThreshold the semantic cache's similarity threshold, 0 for off
   */
  public RagwayFixture(Path dir, Router router, String generator, boolean authRequired, RateLimiter.Limits anonymous,
      double semanticThreshold) throws Exception {
    this(dir, router, generator, authRequired, anonymous, semanticThreshold, GuardPolicy.defaults());
  }

  /** @param guard the guard policy of every tenant (decisions go to {@code dir/guard/decisions.jsonl}) */
  public RagwayFixture(Path dir, Router router, String generator, boolean authRequired, RateLimiter.Limits anonymous,
      double semanticThreshold, GuardPolicy guard) throws Exception {
    this(dir, router, generator, authRequired, anonymous, semanticThreshold, guard, Map.of(), "");
  }

  /** @param tenants the guard policies of tenants that have their own; the others have {@code guard} */
  public RagwayFixture(Path dir, Router router, String generator, boolean authRequired, RateLimiter.Limits anonymous,
      double semanticThreshold, GuardPolicy guard, Map<String, GuardPolicy> tenants) throws Exception {
    this(dir, router, generator, authRequired, anonymous, semanticThreshold, guard, tenants, "");
  }

  /** @param metricsToken what {@code /metrics} asks for when auth is required; empty for none */
  public RagwayFixture(Path dir, Router router, String generator, boolean authRequired, RateLimiter.Limits anonymous,
      double semanticThreshold, GuardPolicy guard, String metricsToken) throws Exception {
    this(dir, router, generator, authRequired, anonymous, semanticThreshold, guard, Map.of(), metricsToken);
  }

  /** Guard policies per tenant and the token of {@code /metrics}; no agent model, spans, request log or rollouts. */
  public RagwayFixture(Path dir, Router router, String generator, boolean authRequired, RateLimiter.Limits anonymous,
      double semanticThreshold, GuardPolicy guard, Map<String, GuardPolicy> tenants, String metricsToken) throws Exception {
    this(dir, router, generator, authRequired, anonymous, semanticThreshold, guard, tenants, metricsToken,
        AgentConfig.defaults(), Tracing.off(), List.of(), DriftConfig.defaults(), PromptTemplates.of(List.of()));
  }

  /** With the {@code agent} section. */
  public RagwayFixture(Path dir, Router router, String generator, boolean authRequired, RateLimiter.Limits anonymous,
      double semanticThreshold, GuardPolicy guard, Map<String, GuardPolicy> tenants, String metricsToken,
      AgentConfig agent) throws Exception {
    this(dir, router, generator, authRequired, anonymous, semanticThreshold, guard, tenants, metricsToken, agent,
        Tracing.off(), List.of(), DriftConfig.defaults(), PromptTemplates.of(List.of()));
  }

  /** With {@code tracing}'s spans and request log (closed with the fixture). */
  public RagwayFixture(Path dir, Router router, String generator, boolean authRequired, RateLimiter.Limits anonymous,
      double semanticThreshold, GuardPolicy guard, Map<String, GuardPolicy> tenants, String metricsToken,
      Tracing tracing) throws Exception {
    this(dir, router, generator, authRequired, anonymous, semanticThreshold, guard, tenants, metricsToken,
        AgentConfig.defaults(), tracing, List.of(), DriftConfig.defaults(), PromptTemplates.of(List.of()));
  }

  /**
   * With rollouts and drift tracking (their states in {@link #records()}); a rollout arm of {@code rag}
   * writes with its model and {@code prompts}' version, or extracts.
   */
  public RagwayFixture(Path dir, Router router, String generator, boolean authRequired, RateLimiter.Limits anonymous,
      double semanticThreshold, GuardPolicy guard, Map<String, GuardPolicy> tenants, String metricsToken,
      List<RolloutConfig> rolloutConfigs, DriftConfig drift, PromptTemplates prompts) throws Exception {
    this(dir, router, generator, authRequired, anonymous, semanticThreshold, guard, tenants, metricsToken,
        AgentConfig.defaults(), Tracing.off(), rolloutConfigs, drift, prompts);
  }

  /** Rollouts and the rest, answer records as by default (no content kept). */
  public RagwayFixture(Path dir, Router router, String generator, boolean authRequired, RateLimiter.Limits anonymous,
      double semanticThreshold, GuardPolicy guard, Map<String, GuardPolicy> tenants, String metricsToken,
      AgentConfig agent, Tracing tracing, List<RolloutConfig> rolloutConfigs, DriftConfig drift, PromptTemplates prompts)
      throws Exception {
    this(dir, router, generator, authRequired, anonymous, semanticThreshold, guard, tenants, metricsToken, agent, tracing,
        rolloutConfigs, drift, prompts, AnswerRecords.Config.defaults(), Clock.systemUTC());
  }

  /** With answer records kept as {@code answerConfig} says, their retention counted by {@code recordsClock}. */
  public RagwayFixture(Path dir, Router router, String generator, boolean authRequired, RateLimiter.Limits anonymous,
      double semanticThreshold, GuardPolicy guard, Map<String, GuardPolicy> tenants, String metricsToken,
      AnswerRecords.Config answerConfig, Clock recordsClock) throws Exception {
    this(dir, router, generator, authRequired, anonymous, semanticThreshold, guard, tenants, metricsToken,
        AgentConfig.defaults(), Tracing.off(), List.of(), DriftConfig.defaults(), PromptTemplates.of(List.of()), answerConfig,
        recordsClock);
  }

  /** The whole fixture. */
  public RagwayFixture(Path dir, Router router, String generator, boolean authRequired, RateLimiter.Limits anonymous,
      double semanticThreshold, GuardPolicy guard, Map<String, GuardPolicy> tenants, String metricsToken,
      AgentConfig agent, Tracing tracing, List<RolloutConfig> rolloutConfigs, DriftConfig drift, PromptTemplates prompts,
      AnswerRecords.Config answerConfig, Clock recordsClock) throws Exception {
    telemetry = Telemetry.prometheus().with(tracing);
    docs = Files.createDirectories(dir.resolve("docs"));
    Files.writeString(docs.resolve("lighthouse.md"), """
        # Harbour guide

        ## The lighthouse

        The old lighthouse was built in 1872 by the harbour board. Its lamp can be seen from twenty miles away.

        ## Boats

        Fishing boats leave the harbour before dawn and return by noon.
        """);
    Files.writeString(docs.resolve("bakery.txt"), "The bakery on Mill Street opens at six in the morning. It sells rye bread.\n");
    embedder = EmbeddingModels.bgeSmallEnV15();
    index = Indexes.openLucene(dir.resolve("index"), embedder.id(), embedder.dimension(), IndexConfig.defaults());
    new Ingestor(index, embedder, Chunkers.create(ChunkerConfig.defaults(), embedder.tokenCounter()),
        new IngestOptions("default", List.of(), 16, 1000, 1 << 20)).ingest(List.of(docs), Ingestor.Listener.NONE);
    Retriever retriever = Retrievers.fusion(index, embedder, RetrieveConfig.defaults(), Optional.empty());
    RagPipeline extractive = new RagPipeline(retriever, ChatModels.extractive(embedder, ExtractiveConfig.defaults()));
    RagPipeline pipeline = generator.isEmpty() ? extractive : new RagPipeline(retriever, ChatModels.generating(router, generator));
    records = Database.open("", "", "", 2, dir);
    keys = Stores.apiKeys(records, dir, Clock.systemUTC(), "test");
    answers = AnswerRecords.sql(records, answerConfig, PiiDetector.all()::redact, recordsClock, 10_000);
    ledger = Stores.budgetedLedger(records, dir, Stores.DEFAULT_LEDGER_BACKLOG_BYTES, Clock.systemUTC(), Duration.ofMillis(200));
    Ticker ticker = Ticker.systemTicker();
    rollouts = Rollouts.create(rolloutConfigs, drift, new Rollouts.Arms() {
      @Override
      public RagPipeline pipeline(RolloutConfig.Arm arm) {
        String writer = arm.model().isEmpty() ? generator : arm.model();
        return writer.isEmpty() || writer.equals("extractive") ? extractive : new RagPipeline(retriever,
            ChatModels.generating(router, writer, prompts.require(arm.prompt()).system()));
      }

      @Override
      public Router router() {
        return router;
      }

      @Override
      public SearchMode mode() {
        return SearchMode.HYBRID;
      }

      @Override
      public int k() {
        return 5;
      }
    }, RolloutStore.sql(records.dataSource(), Clock.systemUTC()), telemetry, Optional.of(embedder), Clock.systemUTC(),
        System::nanoTime);
    documents = DocumentStore.open(dir.resolve("data/uploads"), index, new Ingestor(index, embedder,
        Chunkers.create(ChunkerConfig.defaults(), embedder.tokenCounter()), new IngestOptions("default", List.of(), 16, 1000, 1 << 20)),
        Clock.systemUTC());
    server = RagwayServer.start(new ServerConfig("127.0.0.1", 0, MAX_BODY),
        new RagwayServer.Services(pipeline, extractive, retriever, embedder, index, SearchMode.HYBRID, 5, router,
            Caches.inProcess(new CacheConfig(true, 1000, Duration.ofHours(1), false, semanticThreshold), ticker),
            new Access(keys, authRequired, RateLimiters.inProcess(), anonymous, "default", metricsToken),
            SessionStores.inProcess(100, Duration.ofHours(1), 1000, Clock.systemUTC(), ticker), 4000, documents, ledger,
            new Guard(InjectionDetector.bundled(Optional.of(embedder)), guard, tenants, rollouts.watching(telemetry.counting(
                Tracing.noting(decisions = new JsonlDecisionLog(dir.resolve("guard/decisions.jsonl"), JsonMappers.create(),
                    Clock.systemUTC()))))),
            telemetry, agent, rollouts, answers, Rollouts.promptVersions(generator, "", rolloutConfigs)));
  }

  /** The server's rollouts (none unless the fixture was given some). */
  public Rollouts rollouts() {
    return rollouts;
  }

  /** Where the guard's decisions are written. */
  public Path guardDecisions() {
    return docs.resolveSibling("guard/decisions.jsonl");
  }

  /** The usage ledger, and the records database under it. */
  public Ledger ledger() {
    return ledger;
  }

  /** The answer records and feedback (docs/feedback.md). */
  public AnswerRecords answers() {
    return answers;
  }

  public Database records() {
    return records;
  }

  /** The server's API keys. */
  public ApiKeys keys() {
    return keys;
  }

  /** Writes a document into the corpus folder and ingests the folder again. */
  public void addDocument(String name, String text) throws Exception {
    Files.writeString(docs.resolve(name), text);
    new Ingestor(index, embedder, Chunkers.create(ChunkerConfig.defaults(), embedder.tokenCounter()),
        new IngestOptions("default", List.of(), 16, 1000, 1 << 20)).ingest(List.of(docs), Ingestor.Listener.NONE);
  }

  public URI uri(String path) {
    return URI.create("http://127.0.0.1:" + server.port() + path);
  }

  public String embeddingModel() {
    return embedder.id();
  }

  @Override
  public void close() {
    server.close();
    rollouts.close();
    telemetry.close();
    decisions.close();
    ledger.close();
    answers.close();
    records.close();
    documents.close();
    index.close();
    embedder.close();
  }
}
