package io.ragway.server;

import io.ragway.agent.AgentConfig;
import io.ragway.config.JsonMappers;
import io.ragway.store.AnswerRecords;
import io.ragway.store.DatabaseException;
import io.ragway.store.Ledger;
import io.ragway.state.StateBackend;
import io.ragway.state.StateUnavailable;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.javalin.Javalin;
import io.javalin.http.Context;
import io.javalin.http.HttpResponseException;
import io.ragway.cache.Caches;
import io.ragway.chat.RagPipeline;
import io.ragway.chat.Sessions;
import io.ragway.limit.RateLimitExceeded;
import io.ragway.store.BudgetExceeded;
import io.ragway.store.Budgets;
import io.ragway.limit.RateLimitHeaders;
import io.ragway.limit.RateLimiter;
import io.ragway.llm.ContextLengthExceeded;
import io.ragway.store.ApiKeys;
import io.ragway.embed.EmbeddingModel;
import io.ragway.index.Filter;
import io.ragway.guard.Guard;
import io.ragway.guard.GuardBlocked;
import io.ragway.index.Index;
import io.ragway.ingest.DocumentStore;
import io.ragway.llm.Router;
import io.ragway.llm.UpstreamException;
import io.ragway.retrieve.Retrieved;
import io.ragway.rollout.Rollouts;
import io.ragway.rollout.Ticket;
import io.ragway.retrieve.Retriever;
import io.ragway.retrieve.SearchMode;
import io.ragway.retrieve.SearchRequest;
import io.ragway.telemetry.RequestTrace;
import io.ragway.telemetry.Stages;
import io.ragway.telemetry.Telemetry;
import io.ragway.telemetry.Tracing;
import io.opentelemetry.context.Scope;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.security.MessageDigest;
import java.util.ArrayList;
import java.util.Base64;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import io.ragway.store.Uuid7;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * ragway's HTTP server: the OpenAI-compatible API ({@code /v1/chat/completions},
 * {@code /v1/embeddings}, {@code /v1/models}) plus {@code /v1/search}, {@code /healthz},
 * {@code /readyz} and {@code /metrics}. Every error is an OpenAI-shaped JSON body with the right
 * status, never a stack trace; every response carries an {@code x-request-id}.
 */
public final class RagwayServer implements AutoCloseable {

  /**
   * What the server answers with.
   *
   * @param historyTokens the token budget of session history for models without a known context window
   * @param telemetry where requests are counted; when it is on, {@code /metrics} serves it
   * @param agent the tool loop behind {@code model: "agent"} (docs/agents.md)
   * @param answers where each answer is recorded and feedback on it kept (docs/feedback.md)
   * @param state where limits, caches and sessions live, for {@code /readyz} and metrics (docs/scale-out.md)
   */
  public record Services(RagPipeline pipeline, RagPipeline extractive, Retriever retriever, EmbeddingModel embedder,
      Index index, SearchMode mode, int k, Router router, Caches caches, Access access,
      Sessions sessions, int historyTokens, DocumentStore documents, Ledger ledger, Guard guard, Telemetry telemetry,
      AgentConfig agent, Rollouts rollouts, AnswerRecords answers, io.ragway.telemetry.PromptVersions promptVersions,
      StateBackend state) {

    /** With state in this process. */
    public Services(RagPipeline pipeline, RagPipeline extractive, Retriever retriever, EmbeddingModel embedder,
        Index index, SearchMode mode, int k, Router router, Caches caches, Access access, Sessions sessions,
        int historyTokens, DocumentStore documents, Ledger ledger, Guard guard, Telemetry telemetry, AgentConfig agent,
        Rollouts rollouts, AnswerRecords answers, io.ragway.telemetry.PromptVersions promptVersions) {
      this(pipeline, extractive, retriever, embedder, index, mode, k, router, caches, access, sessions, historyTokens,
          documents, ledger, guard, telemetry, agent, rollouts, answers, promptVersions, StateBackend.memory());
    }

    /** Without prompt versions: the quality metrics label every answer's {@code prompt_version} {@code none}. */
    public Services(RagPipeline pipeline, RagPipeline extractive, Retriever retriever, EmbeddingModel embedder,
        Index index, SearchMode mode, int k, Router router, Caches caches, Access access, Sessions sessions,
        int historyTokens, DocumentStore documents, Ledger ledger, Guard guard, Telemetry telemetry, AgentConfig agent,
        Rollouts rollouts, AnswerRecords answers) {
      this(pipeline, extractive, retriever, embedder, index, mode, k, router, caches, access, sessions, historyTokens,
          documents, ledger, guard, telemetry, agent, rollouts, answers, io.ragway.telemetry.PromptVersions.none());
    }

    /** Without answer records ({@code POST /v1/feedback} is not served). */
    public Services(RagPipeline pipeline, RagPipeline extractive, Retriever retriever, EmbeddingModel embedder,
        Index index, SearchMode mode, int k, Router router, Caches caches, Access access, Sessions sessions,
        int historyTokens, DocumentStore documents, Ledger ledger, Guard guard, Telemetry telemetry, AgentConfig agent,
        Rollouts rollouts) {
      this(pipeline, extractive, retriever, embedder, index, mode, k, router, caches, access, sessions, historyTokens,
          documents, ledger, guard, telemetry, agent, rollouts, AnswerRecords.none());
    }

    /** Without an {@code agent} section ({@code model: "agent"} answers by search and the extractive answerer), rollouts or drift tracking. */
    public Services(RagPipeline pipeline, RagPipeline extractive, Retriever retriever, EmbeddingModel embedder,
        Index index, SearchMode mode, int k, Router router, Caches caches, Access access, Sessions sessions,
        int historyTokens, DocumentStore documents, Ledger ledger, Guard guard, Telemetry telemetry) {
      this(pipeline, extractive, retriever, embedder, index, mode, k, router, caches, access, sessions, historyTokens,
          documents, ledger, guard, telemetry, AgentConfig.defaults(), Rollouts.none());
    }
  }

  private static final Logger LOG = LoggerFactory.getLogger(RagwayServer.class);
  private static final String REQUEST_ID = "ragway.request-id";
  private static final String CALLER = "ragway.caller";
  private static final String TRACE = "ragway.trace";
  /** The request attributes a handler sets for the request's metrics: the model asked for, what answered. */
  static final String MODEL = "ragway.model";
  static final String BACKEND = "ragway.backend";

  private final ObjectMapper json = JsonMappers.create();
  private final Services services;
  private final ChatCompletions chat;
  private final Javalin app;
  private final RouteTemplates routes = new RouteTemplates();
  private final long started = System.currentTimeMillis() / 1000;

  @SuppressWarnings("try") // scopes and stages are closed, not read
  private RagwayServer(ServerConfig config, Services services) {
    this.services = services;
    this.chat = new ChatCompletions(json, services);
    this.app = Javalin.create(c -> {
      c.useVirtualThreads = true;
      c.showJavalinBanner = false;
      c.http.maxRequestSize = config.maxBodyBytes();
      c.http.prefer405over404 = true;
      WebUi.serve(c);
      if (services.telemetry().enabled() || services.telemetry().tracing().records()) {
        c.events.handlerAdded(h -> {
          if (h.getHttpMethod().isHttpMethod()) {
            routes.add(h.getPath());
          }
        });
        c.requestLogger.http(this::count); // runs once the response, or the whole stream, is sent
      }
    });
    app.before(ctx -> {
      String id = Uuid7.hex();
      ctx.attribute(REQUEST_ID, id);
      ctx.header("x-request-id", id);
      Tracing tracing = services.telemetry().tracing();
      ctx.attribute(TRACE, tracing.start(id, ctx.method().name(), tracing.records() ? routes.match(ctx.path()) : ctx.path(),
          ctx::header));
    });
    app.before("/v1/*", this::admit);
    app.post("/v1/chat/completions", ctx -> {
      ctx.attribute(MODEL, Telemetry.UNKNOWN); // until the body names a model this server serves
      services.telemetry().chatStarted();
      try (Scope traced = trace(ctx).open()) { // the request's span is current: stages and upstream calls join it
        chat.handle(ctx, body(ctx), requestId(ctx), caller(ctx));
      } finally {
        services.telemetry().chatEnded();
      }
    });
    app.after("/v1/chat/completions", ctx -> { // once the response, or the whole stream, is sent
      Ticket ticket = ctx.attribute(ChatCompletions.TICKET);
      if (ticket != null) {
        ticket.settle(ctx.statusCode());
      }
    });
    app.get("/v1/rollouts", this::rollouts);
    app.post("/v1/embeddings", this::embeddings);
    app.get("/v1/models", this::models);
    app.get("/v1/models/{id}", this::model);
    app.post("/v1/search", this::search);
    app.post("/v1/sessions", this::createSession);
    app.get("/v1/sessions/{id}", this::session);
    app.delete("/v1/sessions/{id}", this::deleteSession);
    Documents documents = new Documents(json, services.documents(), ctx -> caller(ctx).reader(), config.maxBodyBytes(), this::body);
    app.post("/v1/documents", documents::upload);
    app.get("/v1/documents", documents::list);
    app.get("/v1/documents/{id}", documents::get);
    app.delete("/v1/documents/{id}", documents::delete);
    app.get("/v1/chunks/{id}", new Chunks(json, services.index(), ctx -> caller(ctx).reader())::get);
    if (services.answers().enabled()) {
      Feedback feedback = new Feedback(json, services.answers(), services.telemetry(), RagwayServer::caller, this::body,
          services.rollouts(), services.promptVersions());
      app.post("/v1/feedback", feedback::post);
      app.get("/v1/feedback", feedback::get);
    }
    app.get("/healthz", ctx -> ctx.json(json.createObjectNode().put("status", "ok")));
    app.get("/readyz", this::ready);
    if (services.telemetry().tracing().spans()) {
      services.router().trace(services.telemetry().tracing().tracer());
    }
    if (services.telemetry().enabled()) {
      app.get("/metrics", this::metrics);
      services.telemetry().watch(services.router());
      services.telemetry().watch(services.documents(), services.index());
      if (!services.state().name().equals("memory")) {
        services.telemetry().watch(services.state());
      }
    }
    services.router().alsoListen(chat.attemptListener()); // failed attempts go to the ledger too

    app.exception(ApiException.class, (e, ctx) -> error(ctx, e));
    app.exception(DatabaseException.class, (e, ctx) -> {
      LOG.error("request {}: records database: {}", requestId(ctx), e.getMessage());
      error(ctx, new ApiException(503, "server_error", "records_unavailable", null,
          "Usage cannot be recorded right now, so the request was not served (request id " + requestId(ctx) + ")."));
    });
    app.exception(Ledger.LedgerFull.class, (e, ctx) -> error(ctx, new ApiException(503, "server_error", "ledger_unavailable",
        null, "Usage cannot be recorded right now, so the request was not served: " + e.getMessage())));
    app.exception(UpstreamException.class, (e, ctx) -> {
      e.retryAfter().or(() -> e.status() == UpstreamException.OVERLOADED ? Optional.of(Duration.ofSeconds(1)) : Optional.empty())
          .ifPresent(d -> ctx.header("Retry-After", Long.toString(RateLimitHeaders.retryAfterSeconds(d))));
      error(ctx, UpstreamErrors.toApi(e));
    });
    app.exception(RateLimitExceeded.class, (e, ctx) -> {
      Caller limited = ctx.attribute(CALLER);
      services.telemetry().rateLimited(limited == null ? Telemetry.NONE : limited.tenant(), e.kind());
      rateLimitHeaders(ctx, e.kind(), e.state());
      ctx.header("Retry-After", Long.toString(RateLimitHeaders.retryAfterSeconds(e.retryAfter())));
      error(ctx, new ApiException(429, e.kind(), "rate_limit_exceeded", null, e.getMessage()));
    });
    app.exception(BudgetExceeded.class, (e, ctx) -> {
      // as OpenAI answers a spent quota: 429 insufficient_quota, no Retry-After (it is not a rate limit to wait out)
      services.telemetry().rateLimited(e.scope() == Budgets.Scope.TENANT ? e.name() : tenantOf(ctx), "budget");
      ctx.header("x-ragway-budget-resets", e.resets().toString());
      error(ctx, new ApiException(429, "insufficient_quota", "insufficient_quota", null, e.getMessage()));
    });
    app.exception(StateUnavailable.class, (e, ctx) -> {
      ctx.header("Retry-After", "1");
      error(ctx, new ApiException(503, "server_error", "state_unavailable", null, e.getMessage()));
    });
    app.exception(GuardBlocked.class, (e, ctx) ->
        error(ctx, new ApiException(400, "invalid_request_error", "content_policy_violation", "messages", e.getMessage())));
    app.exception(ContextLengthExceeded.class, (e, ctx) ->
        error(ctx, new ApiException(400, "invalid_request_error", "context_length_exceeded", "messages", e.getMessage())));
    app.exception(HttpResponseException.class, (e, ctx) -> error(ctx, fromJavalin(e.getStatus(), ctx, config)));
    app.exception(Exception.class, (e, ctx) -> {
      LOG.error("request {} failed", requestId(ctx), e);
      error(ctx, new ApiException(500, "server_error", null, null,
          "The server had an error processing the request (request id " + requestId(ctx) + ")."));
    });
    app.start(config.host(), config.port());
  }

  /** The tenant of the request's caller, for metrics; {@link Telemetry#NONE} before it is known. */
  private static String tenantOf(Context ctx) {
    Caller c = ctx.attribute(CALLER);
    return c == null ? Telemetry.NONE : c.tenant();
  }

  /** Javalin's own refusals (unknown route, body too large...) in OpenAI's shape. */
  private static ApiException fromJavalin(int status, Context ctx, ServerConfig config) {
    return switch (status) {
      case 404 -> new ApiException(404, "invalid_request_error", "unknown_url", null,
          "Unknown request URL: " + ctx.method() + " " + ctx.path() + ".");
      case 405 -> new ApiException(405, "invalid_request_error", "method_not_allowed", null,
          "Method " + ctx.method() + " is not allowed for " + ctx.path() + ".");
      case 413 -> new ApiException(413, "invalid_request_error", "request_too_large", null,
          "The request body is larger than " + config.maxBodyBytes() + " bytes.");
      default -> new ApiException(status, status < 500 ? "invalid_request_error" : "server_error", null, null,
          "The request failed with HTTP status " + status + ".");
    };
  }

  /** Starts serving; returns once the port is bound. */
  public static RagwayServer start(ServerConfig config, Services services) {
    return new RagwayServer(config, services);
  }

  public int port() {
    return app.port();
  }

  @Override
  public void close() {
    app.stop();
  }

  // ---- access ----

  /**
   * Every {@code /v1} request: find the caller by its API key (its tenant, groups and limits),
   * then take one request from its limit. With auth off, a request without a valid key is served
   * as the anonymous caller of the default tenant.
   */
  @SuppressWarnings("try")
  private void admit(Context ctx) {
    Access access = services.access();
    RequestTrace trace = trace(ctx);
    Optional<ApiKeys.Key> key;
    try (Stages.Stage auth = trace.start(Stages.AUTH)) {
      key = presentedKey(ctx).flatMap(access.keys()::verify);
    }
    Caller caller;
    if (key.isPresent()) {
      ApiKeys.Key k = key.get();
      caller = new Caller(k.id(), k.tenant(), k.groups(), new RateLimiter.Limits(k.rpm(), k.tpm()));
    } else if (access.required()) {
      ctx.header("WWW-Authenticate", "Bearer");
      throw presentedKey(ctx).isPresent()
          ? new ApiException(401, "invalid_request_error", "invalid_api_key", null, "Incorrect API key provided. "
              + "Keys are created with 'ragway keys create'; a revoked key no longer works.")
          : new ApiException(401, "invalid_request_error", "missing_api_key", null, "You didn't provide an API key. "
              + "Send it as 'Authorization: Bearer <key>'; keys are created with 'ragway keys create'.");
    } else {
      // auth is off: clients that must send some key (the OpenAI SDKs) are served as anonymous
      caller = new Caller("anonymous", access.tenant(), List.of(), access.anonymous());
    }
    ctx.attribute(CALLER, caller);
    trace.caller(caller.tenant(), caller.key());
    try (Stages.Stage limit = trace.start(Stages.LIMIT)) {
      access.limiter().acquireRequest(caller.key(), caller.limits()).ifPresent(s -> rateLimitHeaders(ctx, "requests", s));
    }
  }

  private static Optional<String> presentedKey(Context ctx) {
    String auth = ctx.header("Authorization");
    if (auth != null && auth.regionMatches(true, 0, "Bearer ", 0, 7) && !auth.substring(7).isBlank()) {
      return Optional.of(auth.substring(7).strip());
    }
    String apiKey = ctx.header("api-key"); // Azure OpenAI clients send this instead
    return apiKey == null || apiKey.isBlank() ? Optional.empty() : Optional.of(apiKey.strip());
  }

  private static Caller caller(Context ctx) {
    Caller c = ctx.attribute(CALLER);
    if (c == null) {
      throw new IllegalStateException("no caller: admit() runs before every /v1 handler");
    }
    return c;
  }

  /** OpenAI's rate-limit headers for one limit ({@code requests} or {@code tokens}). */
  static void rateLimitHeaders(Context ctx, String kind, RateLimiter.State state) {
    ctx.header("x-ratelimit-limit-" + kind, Long.toString(state.limit()));
    ctx.header("x-ratelimit-remaining-" + kind, Long.toString(state.remaining()));
    ctx.header("x-ratelimit-reset-" + kind, RateLimitHeaders.humanDuration(state.reset()));
  }

  // ---- endpoints ----

  private void createSession(Context ctx) {
    Sessions.Session s = services.sessions().create(caller(ctx).sessionOwner());
    ctx.status(201).json(sessionJson(s));
  }

  private void session(Context ctx) {
    String id = ctx.pathParam("id");
    ctx.json(sessionJson(services.sessions().get(caller(ctx).sessionOwner(), id).orElseThrow(() -> sessionNotFound(id))));
  }

  private void deleteSession(Context ctx) {
    String id = ctx.pathParam("id");
    if (!services.sessions().delete(caller(ctx).sessionOwner(), id)) {
      throw sessionNotFound(id);
    }
    ctx.json(json.createObjectNode().put("id", id).put("object", "session").put("deleted", true));
  }

  private static ApiException sessionNotFound(String id) {
    return new ApiException(404, "invalid_request_error", "session_not_found", "session_id", "No session '" + id + "'.");
  }

  private ObjectNode sessionJson(Sessions.Session s) {
    ObjectNode out = json.createObjectNode().put("id", s.id()).put("object", "session")
        .put("created_at", s.created().getEpochSecond());
    ArrayNode messages = out.putArray("messages");
    s.messages().forEach(messages::add);
    return out;
  }

  private void models(Context ctx) {
    ObjectNode out = json.createObjectNode().put("object", "list");
    ArrayNode data = out.putArray("data");
    for (String id : List.of("rag", "extractive")) {
      data.add(modelJson(id));
    }
    services.router().models().forEach(id -> data.add(modelJson(id)));
    ctx.json(out);
  }

  private void model(Context ctx) {
    String id = ctx.pathParam("id");
    if (!ChatCompletions.MODELS.contains(id) && !services.router().serves(id)) {
      throw ApiException.modelNotFound(id);
    }
    ctx.json(modelJson(id));
  }

  private ObjectNode modelJson(String id) {
    return json.createObjectNode().put("id", id).put("object", "model").put("created", started)
        .put("owned_by", ChatCompletions.MODELS.contains(id) ? "ragway" : "upstream");
  }

  private void embeddings(Context ctx) {
    ctx.attribute(MODEL, Telemetry.UNKNOWN);
    JsonNode body = body(ctx);
    String model = RequestFields.requireText(body, "model");
    EmbeddingModel embedder = services.embedder();
    if (!model.equals(embedder.id()) && !model.equals("default")) {
      throw new ApiException(404, "invalid_request_error", "model_not_found", "model",
          "The embedding model '" + model + "' does not exist; this server embeds with '" + embedder.id() + "'.");
    }
    ctx.attribute(MODEL, embedder.id());
    JsonNode input = body.get("input");
    List<String> texts = new ArrayList<>();
    if (input != null && input.isTextual()) {
      texts.add(input.asText());
    } else if (input != null && input.isArray() && !input.isEmpty()) {
      for (JsonNode t : input) {
        if (!t.isTextual()) {
          throw ApiException.invalid("input", "Invalid 'input': only strings and arrays of strings are supported.");
        }
        texts.add(t.asText());
      }
    } else {
      throw ApiException.invalid("input", "Invalid 'input': expected a non-empty string or array of strings.");
    }
    String format = body.path("encoding_format").asText("float");
    if (!format.equals("float") && !format.equals("base64")) {
      throw ApiException.invalid("encoding_format", "Invalid 'encoding_format': expected 'float' or 'base64'.");
    }
    List<float[]> vectors = embedder.embedDocuments(texts);
    ObjectNode out = json.createObjectNode().put("object", "list");
    ArrayNode data = out.putArray("data");
    int tokens = 0;
    for (int i = 0; i < vectors.size(); i++) {
      ObjectNode item = data.addObject().put("object", "embedding").put("index", i);
      float[] v = vectors.get(i);
      if (format.equals("base64")) {
        ByteBuffer buf = ByteBuffer.allocate(v.length * 4).order(ByteOrder.LITTLE_ENDIAN);
        for (float f : v) {
          buf.putFloat(f);
        }
        item.put("embedding", Base64.getEncoder().encodeToString(buf.array()));
      } else {
        ArrayNode arr = item.putArray("embedding");
        for (float f : v) {
          arr.add(f);
        }
      }
      tokens += embedder.tokenCounter().count(texts.get(i));
    }
    out.put("model", embedder.id());
    out.putObject("usage").put("prompt_tokens", tokens).put("total_tokens", tokens);
    ctx.json(out);
  }

  private void search(Context ctx) {
    JsonNode body = body(ctx);
    String query = RequestFields.requireText(body, "query");
    if (query.isBlank()) {
      throw ApiException.invalid("query", "The query is empty.");
    }
    SearchMode mode;
    try {
      mode = body.hasNonNull("mode") ? SearchMode.parse(body.get("mode").asText()) : services.mode();
    } catch (IllegalArgumentException e) {
      throw ApiException.invalid("mode", e.getMessage());
    }
    JsonNode kNode = body.get("k");
    if (kNode != null && !kNode.isNull() && (!kNode.isIntegralNumber() || kNode.asInt() < 1 || kNode.asInt() > 1000)) {
      throw ApiException.invalid("k", "Invalid 'k': expected an integer from 1 to 1000.");
    }
    int k = kNode == null || kNode.isNull() ? services.k() : kNode.asInt();
    List<String> tags = new ArrayList<>();
    body.path("tags").forEach(t -> tags.add(t.asText()));
    Filter filter = new Filter(caller(ctx).reader(), body.path("source_prefix").asText(""), tags);
    List<Retrieved> results = services.retriever().retrieve(new SearchRequest(query, mode, k, filter, body.path("mmr").asBoolean(false)));
    ObjectNode out = json.createObjectNode().put("object", "list").put("mode", mode.label());
    ArrayNode data = out.putArray("data");
    for (Retrieved r : results) {
      data.addObject().put("rank", r.rank()).put("score", r.score()).put("id", r.chunk().id())
          .put("source", r.chunk().source()).put("title", r.chunk().title()).put("heading", r.chunk().headingPath())
          .put("chunk", r.chunk().ordinal()).put("start", r.chunk().start()).put("end", r.chunk().end())
          .put("text", r.chunk().text());
    }
    ctx.json(out);
  }

  /** {@code GET /v1/rollouts}: each rollout's state and its arms' window figures on this server. */
  private void rollouts(Context ctx) {
    ObjectNode out = json.createObjectNode().put("object", "list");
    ArrayNode data = out.putArray("data");
    for (Rollouts.Status s : services.rollouts().status()) {
      ObjectNode r = data.addObject().put("name", s.name()).put("model", s.model()).put("mode", s.mode())
          .put("percent", s.percent()).put("state", s.state()).put("reason", s.reason());
      r.set("stable", json.valueToTree(s.stable()));
      r.set("candidate", json.valueToTree(s.candidate()));
    }
    ctx.json(out);
  }

  private void ready(Context ctx) {
    ObjectNode checks = json.createObjectNode();
    boolean ok = true;
    try {
      checks.put("index_chunks", services.index().size());
    } catch (RuntimeException e) {
      checks.put("index", "unavailable: " + e.getMessage());
      ok = false;
    }
    checks.put("embedding_model", services.embedder().id());
    ArrayNode upstreams = checks.putArray("upstreams");
    for (Router.Health h : services.router().health()) {
      upstreams.addObject().put("model", h.model()).put("deployment", h.deployment()).put("circuit", h.circuit())
          .put("in_flight", h.inFlight()).put("latency_ms", h.latencyMillis() < 0 ? null : h.latencyMillis());
    }
    if (!services.router().healthy()) {
      ok = false; // some model has no deployment whose circuit lets calls through
    }
    Ledger.Status ledger = services.ledger().status();
    ObjectNode l = checks.putObject("ledger").put("database_ok", ledger.databaseOk()).put("backlog_bytes", ledger.backlogBytes())
        .put("events_written", ledger.eventsWritten()).put("fsync_failures", ledger.fsyncFailures());
    if (!ledger.databaseOk()) {
      l.put("error", ledger.lastError()); // still serving: the journal holds the events until the database is back
    }
    StateBackend state = services.state();
    if (!state.name().equals("memory")) {
      // failing open, a replica serves while Redis is down, so it stays ready; limits failing closed refuse everything
      boolean up = state.up();
      ObjectNode st = checks.putObject("state").put("backend", state.name()).put(state.name(), up ? "up" : "down");
      st.set("fail", json.valueToTree(state.failModes()));
      if (!up && "closed".equals(state.failModes().get("limits"))) {
        ok = false;
      }
    }
    ObjectNode out = json.createObjectNode().put("status", ok ? "ready" : "not ready");
    out.set("checks", checks);
    ctx.status(ok ? 200 : 503).json(out);
  }

  // ---- metrics ----

  /**
   * {@code GET /metrics}: open when API keys are not required (as vLLM's and LiteLLM's are); else
   * only for the bearer of {@code telemetry.metrics_token}, since a tenant's key must not see the
   * labels of other tenants.
   */
  private void metrics(Context ctx) {
    Access access = services.access();
    if (access.required()) {
      if (access.metricsToken().isEmpty()) {
        throw new ApiException(403, "invalid_request_error", "metrics_token_not_set", null, "API keys are required on "
            + "this server, so /metrics needs its own token: set telemetry.metrics_token in ragway.yaml (for example "
            + "metrics_token: ${RAGWAY_METRICS_TOKEN}) and scrape with 'Authorization: Bearer <token>'.");
      }
      Optional<String> presented = presentedKey(ctx);
      if (presented.isEmpty() || !MessageDigest.isEqual(presented.get().getBytes(StandardCharsets.UTF_8),
          access.metricsToken().getBytes(StandardCharsets.UTF_8))) {
        ctx.header("WWW-Authenticate", "Bearer");
        throw new ApiException(401, "invalid_request_error", "invalid_metrics_token", null, "/metrics needs "
            + "'Authorization: Bearer <telemetry.metrics_token>'; API keys do not open it.");
      }
    }
    ctx.contentType(Telemetry.CONTENT_TYPE).result(services.telemetry().scrape());
  }

  /**
   * Counts and times a finished request by route template, method, model, backend, tenant and
   * status; ends its trace (its span, its line in the request log).
   */
  private void count(Context ctx, Float millis) {
    Caller caller = ctx.attribute(CALLER);
    String model = ctx.attribute(MODEL);
    String backend = ctx.attribute(BACKEND);
    trace(ctx).end(ctx.statusCode(), model == null ? Telemetry.NONE : model, backend == null ? Telemetry.NONE : backend);
    services.telemetry().request(routes.match(ctx.path()), ctx.method().name(), model == null ? Telemetry.NONE : model,
        backend == null ? Telemetry.NONE : backend, caller == null ? Telemetry.NONE : caller.tenant(), ctx.statusCode(),
        (long) (millis * 1_000_000));
  }

  // ---- plumbing ----

  private JsonNode body(Context ctx) {
    // JSON is UTF-8 (RFC 8259), which Jackson reads from the bytes as they came; only a body that
    // declares another charset is decoded to text first
    String declared = ctx.req().getCharacterEncoding();
    boolean utf8 = declared == null || declared.equalsIgnoreCase("utf-8") || declared.equalsIgnoreCase("utf8");
    byte[] bytes = utf8 ? ctx.bodyAsBytes() : null; // throws 413 past the size limit
    String text = utf8 ? null : ctx.body();
    if (utf8 ? blank(bytes) : text.isBlank()) {
      throw ApiException.invalid(null, "The request body is empty; expected a JSON object.");
    }
    JsonNode node;
    try {
      node = utf8 ? json.readTree(bytes) : json.readTree(text);
    } catch (JsonProcessingException e) {
      throw ApiException.invalid(null, "We could not parse the JSON body of your request: "
          + e.getOriginalMessage() + " (line " + e.getLocation().getLineNr() + ", column " + e.getLocation().getColumnNr() + ").");
    } catch (IOException e) {
      throw new UncheckedIOException("reading JSON from memory", e); // bytes in memory have nothing else to fail on
    }
    if (node == null || !node.isObject()) {
      throw ApiException.invalid(null, "The request body must be a JSON object.");
    }
    return node;
  }

  private static boolean blank(byte[] bytes) {
    for (byte b : bytes) {
      if (b != ' ' && b != '\t' && b != '\n' && b != '\r') {
        return false;
      }
    }
    return true;
  }

  private static RequestTrace trace(Context ctx) {
    RequestTrace t = ctx.attribute(TRACE);
    return t == null ? RequestTrace.current() : t;
  }

  private static String requestId(Context ctx) {
    String id = ctx.attribute(REQUEST_ID);
    return id == null ? "unknown" : id;
  }

  private void error(Context ctx, ApiException e) {
    trace(ctx).error(e.code(), e.status());
    ObjectNode out = json.createObjectNode();
    ObjectNode error = out.putObject("error").put("message", e.getMessage()).put("type", e.type());
    if (e.param() == null) {
      error.putNull("param");
    } else {
      error.put("param", e.param());
    }
    if (e.code() == null) {
      error.putNull("code");
    } else {
      error.put("code", e.code());
    }
    ctx.status(e.status()).contentType("application/json");
    try {
      ctx.result(json.writeValueAsString(out));
    } catch (JsonProcessingException impossible) {
      ctx.result("{\"error\":{\"message\":\"error\",\"type\":\"server_error\",\"param\":null,\"code\":null}}");
    }
    if (ctx.path().equals("/v1/chat/completions")) { // a failed chat completion is in the ledger too
      chat.finished(ctx, requestId(ctx), ctx.attribute(CALLER), Optional.of(e.code() != null ? e.code() : e.type()));
    }
  }
}
