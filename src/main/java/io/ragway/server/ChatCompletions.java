package io.ragway.server;

import static io.ragway.server.RequestFields.requireText;
import static io.ragway.server.RequestFields.conversation;
import static io.ragway.server.RequestFields.lastUserMessage;
import static io.ragway.server.RequestFields.optionalBoolean;
import static io.ragway.server.RequestFields.optionalNonNegative;
import static io.ragway.server.RequestFields.responseFormat;
import static io.ragway.server.RequestFields.optionalTemperature;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.javalin.http.Context;
import io.ragway.cache.Caches;
import io.ragway.cache.InFlight;
import io.ragway.cache.ResponseCaches;
import io.ragway.chat.Answer;
import io.ragway.chat.Citation;
import io.ragway.chat.HistoryFitter;
import io.ragway.chat.RagPipeline;
import io.ragway.chat.Sessions;
import io.ragway.guard.Groundedness;
import io.ragway.guard.Guard;
import io.ragway.guard.GuardBlocked;
import io.ragway.guard.GuardDecision;
import io.ragway.guard.GuardPolicy;
import io.ragway.guard.InvalidJsonOutput;
import io.ragway.guard.JsonOutputCheck;
import io.ragway.guard.JsonStreamCheck;
import io.ragway.guard.Pseudonyms;
import io.ragway.guard.SentenceGate;
import io.ragway.guard.StreamCheck;
import io.ragway.index.Filter;
import io.ragway.llm.ChatMessage;
import io.ragway.llm.ChatTokens;
import io.ragway.llm.Router;
import io.ragway.llm.Source;
import io.ragway.llm.UpstreamException;
import io.ragway.rollout.Rollouts;
import io.ragway.rollout.Ticket;
import io.ragway.store.UsageEvent;
import io.ragway.telemetry.RequestTrace;
import io.ragway.telemetry.Stages;
import io.ragway.telemetry.Telemetry;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import io.ragway.store.Uuid7;
import java.util.function.Consumer;
import java.util.function.Supplier;
import java.util.stream.Collectors;

/**
 * {@code POST /v1/chat/completions}, in the order of a request's path:
 *
 * <ol>
 *   <li>pick the arm that answers when the model is under a rollout (docs/rollout.md), then
 *       validate the request as OpenAI does (model, messages, roles, stream, limits,
 *       {@code response_format}: a JSON schema is compiled here, and JSON is refused for ragway's
 *       own models, which answer in prose);
 *   <li>guard the user's messages: refuse injections (400 {@code content_policy_violation}),
 *       treat personal data (redact, mask, pseudonymise or refuse) as the tenant's policy says;
 *   <li>with a session id, put the session's earlier turns before the new ones, dropping the
 *       oldest until the prompt and {@code max_tokens} fit the model's context window;
 *   <li>count the prompt's tokens and take them, with {@code max_tokens}, from the caller's
 *       tokens-per-minute limit;
 *   <li>answer from the exact-match cache when it can; else refuse a paid answer once the key's or
 *       tenant's monthly budget is spent (429 {@code insufficient_quota}); else
 *   <li>for ragway's own models ({@code rag}, {@code extractive}) answer the last user message
 *       from the documents, and for upstream models send the request through the router
 *       (identical deterministic requests in flight share one upstream call); {@code model: "agent"}
 *       or {@code agent: true} runs the tool loop instead ({@link AgentCompletions});
 *   <li>reply with a {@code chat.completion}, or stream {@code chat.completion.chunk}s over SSE
 *       (for {@code rag} the last content chunk carries the citations), then {@code [DONE]}; when
 *       the policy checks answers, their text passes the guard first (pseudonyms restored, PII
 *       treated, denied terms withheld), a stream through a sliding window, and the caches are
 *       bypassed; an upstream answer to a JSON {@code response_format} is checked against it
 *       (502 {@code invalid_json_output}, or an error event ending the stream, unless the policy
 *       flags or ignores it);
 *   <li>settle the token limit with the real usage, store the answer in the cache and the turns
 *       in the session; record the usage in the ledger (failed upstream attempts and failed
 *       requests too), queue the answer's record for feedback and replay, and count it in the
 *       metrics and the request's trace.
 * </ol>
 *
 * <p>Each step is also a stage of the request's trace ({@link Stages}): a span when tracing is on,
 * a timing in the request log either way.
 */
final class ChatCompletions {

  static final Set<String> MODELS = Set.of("rag", "extractive");
  static final String CACHE_HEADER = "x-ragway-cache";
  static final String GUARD_HEADER = "x-ragway-guard";
  static final String ROLLOUT_HEADER = "x-ragway-rollout";
  /** The request attribute holding its rollout {@link Ticket}, settled once the response is sent. */
  static final String TICKET = "ragway.rollout.ticket";

  /**
   * What a reply used and said, for the token limit, the ledger and the session.
   *
   * @param promptTokens the prompt tokens the client is told of (its {@code usage})
   * @param backend what answered: an upstream model, {@code extractive}, or {@code cache}
   * @param cache {@code hit}, {@code semantic}, {@code coalesced} or {@code miss}
   * @param attempts upstream calls made (0 when none was)
   * @param stream the open event stream, still waiting for its {@code [DONE]}; null for JSON
   * @param cost what the answer cost when the reply priced it itself (the agent's steps), else -1
   * @param cachedTokens of the prompt tokens, those the upstream says it read from its prompt cache
   */
  private record Reply(long promptTokens, long completionTokens, JsonNode message, String backend, String cache,
      int attempts, OutputStream stream, double cost, long cachedTokens) {

    /** A reply whose cost the router prices from {@code backend} and the tokens, none of them cached. */
    Reply(long promptTokens, long completionTokens, JsonNode message, String backend, String cache, int attempts,
        OutputStream stream) {
      this(promptTokens, completionTokens, message, backend, cache, attempts, stream, -1, 0);
    }

    /** Whether this reply made an upstream call of its own (not a cache hit, not a shared call). */
    boolean called() {
      return cache.equals("miss");
    }
  }

  private final ObjectMapper json;
  private final CompletionEvents events;
  private final RagwayServer.Services services;
  private static final org.slf4j.Logger LOG = org.slf4j.LoggerFactory.getLogger(ChatCompletions.class);
  private final InFlight inFlight = new InFlight();
  private final AgentCompletions agents;
  private final AttemptTrail trails = new AttemptTrail();
  private static final String TRAIL = "ragway.attempts";
  private static final String RECORDED = "ragway.recorded";
  private static final String FINISHED = "ragway.finished";
  private static final String STREAM = "ragway.stream";

  ChatCompletions(ObjectMapper json, RagwayServer.Services services) {
    this.json = json;
    this.events = new CompletionEvents(json);
    this.services = services;
    this.agents = new AgentCompletions(json, services);
  }

  /** Hears the router's failed attempts for the ledger; the server adds it to the router's listeners. */
  Router.Listener attemptListener() {
    return trails;
  }

  void handle(Context ctx, JsonNode body, String requestId, Caller caller) throws IOException {
    ctx.attribute(TRAIL, trails.open());
    ctx.attribute(STREAM, body.path("stream").asBoolean(false));
    try {
      serve(ctx, body, requestId, caller);
    } finally {
      trails.close();
    }
    finished(ctx, requestId, caller, Optional.empty()); // an error instead is the server's to map, then record
    JsonReply.send(ctx); // recorded: the answer may go
  }

  /**
   * After a chat completion, answered or not: its failed upstream attempts go to the ledger, and
   * so does the request itself when it ended in an error (an HTTP error, or a stream that ended with
   * an error event). Requests without an authenticated caller are not recorded.
   *
   * @param errorCode the code (or type) of the error the client was sent, when it was one
   */
  void finished(Context ctx, String requestId, Caller caller, Optional<String> errorCode) {
    AttemptTrail.Trail trail = ctx.attribute(TRAIL);
    if (caller == null || ctx.attribute(FINISHED) != null) {
      return;
    }
    ctx.attribute(FINISHED, true);
    boolean answered = Boolean.TRUE.equals(ctx.attribute(RECORDED));
    String model = Optional.ofNullable(ctx.<String>attribute(RagwayServer.MODEL)).orElse(Telemetry.UNKNOWN);
    List<AttemptTrail.Failed> failed = trail == null ? List.of()
        : trail.finish(answered ? Optional.ofNullable(ctx.<String>attribute(RagwayServer.BACKEND)) : Optional.empty());
    boolean stream = Boolean.TRUE.equals(ctx.attribute(STREAM));
    try {
      for (AttemptTrail.Failed f : failed) {
        services.ledger().record(new UsageEvent(Uuid7.next().toString(), requestId, f.at(), caller.key(), caller.tenant(),
            model, f.deployment(), 0, 0, 0, "miss", stream, f.status(), f.latencyMs(), 1, 0, UsageEvent.ATTEMPT, f.error(),
            f.followedBy()));
      }
      if (!answered) {
        int status = ctx.statusCode();
        services.ledger().record(new UsageEvent(Uuid7.next().toString(), requestId, Instant.now(), caller.key(),
            caller.tenant(), model, "", 0, 0, 0, "miss", stream, status, trail == null ? 0 : trail.elapsedMs(), failed.size(), 0,
            UsageEvent.FAILED, errorCode.orElse(status < 400 ? "stream_error" : "error"), ""));
      }
    } catch (RuntimeException e) {
      LOG.warn("request {}: the usage ledger cannot record its failures: {}", requestId, e.getMessage());
    }
  }

  private void serve(Context ctx, JsonNode body, String requestId, Caller caller) throws IOException {
    long started = System.nanoTime();
    services.ledger().ensureCapacity(); // refuse now rather than answer what cannot be recorded
    // 1. validate; a model under rollout is answered by the arm the caller is on
    Ticket ticket = services.rollouts().route(new Rollouts.Request(requireText(body, "model"), body, caller.key(),
        Optional.ofNullable(ctx.header("x-session-id")).orElse(""), Filter.of(caller.reader()), requestId));
    ctx.attribute(TICKET, ticket);
    ticket.label().ifPresent(l -> ctx.header(ROLLOUT_HEADER, l));
    String model = ticket.model();
    boolean agent = AgentCompletions.wanted(body, model);
    boolean upstream = services.router().serves(model);
    if (!upstream && !MODELS.contains(model) && !agent) {
      throw ApiException.modelNotFound(model);
    }
    ctx.attribute(RagwayServer.MODEL, model);
    String question = lastUserMessage(body.get("messages"));
    boolean stream = optionalBoolean(body, "stream");
    long maxTokens = optionalNonNegative(body, "max_completion_tokens", optionalNonNegative(body, "max_tokens", 0));
    optionalTemperature(body);
    RequestTrace trace = RequestTrace.current();
    trace.request(model, maxTokens, body.path("temperature").isNumber() ? Optional.of(body.get("temperature").asDouble())
        : Optional.empty(), stream, question);
    Optional<JsonOutputCheck> jsonFormat = responseFormat(body, model, upstream);
    ObjectNode request = ((ObjectNode) body).deepCopy().put("model", model);
    request.remove("agent"); // ragway's own field: never sent upstream

    // 1b. guard: injection and personal data in the user's messages (a block is a 400)
    Guard.Input guarded = services.guard().checksInput() // with the guard off there is no stage to time
        ? trace.call(Stages.GUARD_INPUT, () -> guardInput(ctx, request, requestId, caller)) : guardInput(ctx, request, requestId, caller);
    Pseudonyms pseudonyms = guarded.pseudonyms();

    // 2. session history, fitted to the context window
    Optional<String> sessionId = sessionId(ctx, request);
    List<JsonNode> newTurns = new ArrayList<>();
    request.get("messages").forEach(m -> {
      if (!isSystem(m)) {
        newTurns.add(m);
      }
    });
    // 3. tokens per minute: the prompt and the completion's budget now, settled after
    int promptTokens = trace.call(Stages.PROMPT, () -> {
      if (sessionId.isPresent()) {
        withHistory(request, sessionId.get(), caller, model, maxTokens);
      }
      return ChatTokens.prompt(request.get("messages"), request.get("tools"));
    });
    long reserved = promptTokens + maxTokens;
    trace.call(Stages.LIMIT, () -> services.access().limiter().acquireTokens(caller.key(), caller.limits(), reserved))
        .ifPresent(state -> RagwayServer.rateLimitHeaders(ctx, "tokens", state));

    // 4-6. cache, answer, reply
    Telemetry.Generation generation = services.telemetry().generation(model, started);
    Reply reply = null;
    try {
      reply = agent ? agentReply(ctx, request, model, maxTokens, requestId, caller, pseudonyms, generation)
          : upstream ? proxy(ctx, request, model, promptTokens, requestId, caller, pseudonyms,
          jsonFormat.filter(f -> services.guard().checksJson(caller.tenant())), generation)
          : answer(ctx, request, model, maxTokens, requestId, caller, pseudonyms, generation, ticket);
    } finally {
      // 7. settle: a failed call gives back what it reserved; a hit or a shared call used nothing
      services.access().limiter().reconcile(caller.key(), caller.limits(), reserved,
          reply == null || !reply.called() ? 0 : reply.promptTokens() + reply.completionTokens());
    }
    if (reply == null) {
      ticket.endedEarly();
      return; // a stream that failed midway has ended with an error event
    }
    ticket.answered(request, reply.message());
    ctx.attribute(RagwayServer.BACKEND, reply.backend());
    double cost = reply.cost() >= 0 ? reply.cost() : reply.called()
        ? services.router().cost(reply.backend(), reply.promptTokens(), reply.cachedTokens(), reply.completionTokens()) : 0;
    // 8. the ledger has the answer (written, or on disk with ledger.sync: fsync) before the client has all of it
    try {
      services.ledger().record(new UsageEvent(Uuid7.next().toString(), requestId, Instant.now(), caller.key(),
          caller.tenant(), model, reply.backend(), reply.promptTokens(), reply.completionTokens(), cost,
          reply.cache(), reply.stream() != null, 200, (System.nanoTime() - started) / 1_000_000, reply.attempts(),
          reply.called() ? reply.cachedTokens() : 0));
      ctx.attribute(RECORDED, true);
    } catch (RuntimeException e) {
      if (reply.stream() == null) {
        throw e; // the JSON answer is replaced by the error
      }
      sendError(reply.stream(), new UpstreamException("ledger", 503, null, "the usage ledger cannot record this answer: "
          + e.getMessage(), e));
      return;
    }
    AnswerNotes.record(ctx, services, json, request, requestId, caller, model, reply.backend(), reply.cache(),
        reply.stream() != null, reply.message(), question, ticket, started); // queued: written off the request path
    services.telemetry().answered(model, services.promptVersions().of(model, ticket.label().orElse("")),
        ticket.arm().orElse(Telemetry.NONE), ticket.didAbstain(), trace.guardDecisions().stream()
            .anyMatch(d -> !d.endsWith("=allow")));
    services.telemetry().completion(model, reply.backend(), caller.tenant(), reply.cache(), reply.promptTokens(),
        reply.completionTokens(), cost);
    trace.answered(reply.backend(), reply.cache(), reply.promptTokens(), reply.completionTokens(), cost, "chatcmpl-" + requestId,
        reply.message() == null ? "" : reply.message().path("content").asText(""));
    if (reply.called()) {
      generation.done(reply.completionTokens());
    }
    if (reply.stream() != null) {
      reply.stream().write("data: [DONE]\n\n".getBytes(StandardCharsets.UTF_8));
      reply.stream().flush();
    }
    if (sessionId.isPresent() && reply.message() != null) {
      newTurns.add(reply.message());
      services.sessions().append(caller.sessionOwner(), sessionId.get(), newTurns);
    }
  }

  /** The agent's tool loop: every step's tokens, cost and upstream calls in one reply. */
  private Reply agentReply(Context ctx, ObjectNode request, String model, long maxTokens, String requestId, Caller caller,
      Pseudonyms pseudonyms, Telemetry.Generation generation) throws IOException {
    if (!agents.planner(model).isEmpty()) {
      services.ledger().ensureBudget(caller.key(), caller.tenant()); // the loop calls a paid model; the fallback is free
    }
    AgentCompletions.Sent sent = agents.reply(ctx, request, model, maxTokens, requestId, caller, pseudonyms, generation);
    return sent == null ? null : new Reply(sent.promptTokens(), sent.completionTokens(), sent.message(), sent.backend(),
        "miss", sent.attempts(), sent.stream(), sent.costUsd(), 0);
  }

  /** The session id of a request: the {@code session_id} field (removed before going upstream) or header. */
  private Optional<String> sessionId(Context ctx, ObjectNode request) {
    JsonNode field = request.remove("session_id");
    if (field != null && !field.isNull() && !field.isTextual()) {
      throw ApiException.invalid("session_id", "Invalid type for 'session_id': expected a string.");
    }
    String id = field != null && field.isTextual() ? field.asText() : ctx.header("x-session-id");
    return id == null || id.isBlank() ? Optional.empty() : Optional.of(id);
  }

  /** Puts the session's turns after the request's system messages and before its new turns, then fits them. */
  private void withHistory(ObjectNode request, String id, Caller caller, String model, long maxTokens) {
    Sessions.Session session = services.sessions().get(caller.sessionOwner(), id)
        .orElseThrow(() -> new ApiException(404, "invalid_request_error", "session_not_found", "session_id",
            "No session '" + id + "'. Create one with POST /v1/sessions; sessions are forgotten after a while unused."));
    List<JsonNode> all = new ArrayList<>();
    request.get("messages").forEach(m -> {
      if (isSystem(m)) {
        all.add(m);
      }
    });
    all.addAll(session.messages());
    request.get("messages").forEach(m -> {
      if (!isSystem(m)) {
        all.add(m);
      }
    });
    int window = services.router().contextWindow(model);
    long budget = window > 0 ? window - maxTokens : services.historyTokens();
    ArrayNode fitted = request.putArray("messages");
    HistoryFitter.fit(all, (int) Math.max(0, budget)).forEach(fitted::add);
  }

  private static boolean isSystem(JsonNode m) {
    String role = m.path("role").asText();
    return role.equals("system") || role.equals("developer");
  }

  /** ragway's own models: the answer from the documents, from the cache when it has it. */
  private Reply answer(Context ctx, ObjectNode body, String model, long maxTokens, String requestId, Caller caller,
      Pseudonyms pseudonyms, Telemetry.Generation generation, Ticket ticket) throws IOException {
    boolean checked = services.guard().checksOutput(caller.tenant(), pseudonyms);
    boolean stream = body.path("stream").asBoolean(false);
    RagPipeline chosen = model.equals("extractive") ? services.extractive() : ticket.pipeline().orElse(services.pipeline());
    // placeholders stand in for personal data on its way to an upstream model only: the built-in
    // answerer reads, and retrieval searches for, the question as the client wrote it
    List<ChatMessage> conversation = conversation(body.get("messages"));
    if (chosen.modelName().equals("extractive")) {
      conversation = conversation.stream().map(m -> new ChatMessage(m.role(), pseudonyms.restore(m.content()))).toList();
    }
    long created = System.currentTimeMillis() / 1000;
    String id = "chatcmpl-" + requestId;

    // answers from the documents depend on them: on what the caller may read (its tenant and
    // groups), and on the index generation, which retires older entries
    boolean includeUsage = body.path("stream_options").path("include_usage").asBoolean(false);
    ArrayNode scope = json.createArrayNode().add("docs").add(caller.tenant());
    ArrayNode groups = scope.addArray();
    caller.reader().groups().forEach(groups::add);
    scope.add(services.index().generation());
    if (!ticket.cacheScope().isEmpty()) {
      scope.add(ticket.cacheScope()); // each arm's answers are its own
    }
    Lookup lookup = lookup(ctx, caller.tenant(), body, json.writeValueAsString(scope), chosen.modelName().equals("extractive"), checked);
    if (lookup.hit().isPresent()) {
      return replay(ctx, lookup, id, created, model, stream, includeUsage);
    }
    if (!chosen.modelName().equals("extractive")) {
      services.ledger().ensureBudget(caller.key(), caller.tenant()); // a paid answer: refused once the budget is spent
    }
    if (!stream) {
      Answer answer = ask(chosen, conversation, maxTokens, hooks(null, requestId, caller, pseudonyms, s -> {}), caller, ticket);
      ticket.abstained(answer.abstained());
      // groundedness: each sentence against the sources it cites
      Guard.Grounded grounded = answer.abstained() ? new Guard.Grounded(answer.text(), List.of())
          : RequestTrace.current().call(Stages.GUARD_OUTPUT,
              () -> services.guard().ground(requestId, caller.tenant(), answer.text(), citedTexts(answer.citations())));
      String text = grounded.text();
      List<Citation> cited = stillCited(answer.citations(), text);
      AnswerNotes.cited(ctx, cited);
      AnswerNotes.retrieved(ctx, answer.retrieval(), chosen.promptVersion());
      String content = maxTokens > 0 ? Answer.cut(text, maxTokens) : text;
      String finish = content.length() < text.length() ? "length" : "stop";
      if (checked) {
        String unchecked = content;
        Guard.Output o = RequestTrace.current().call(Stages.GUARD_OUTPUT,
            () -> services.guard().checkOutput(requestId, caller.tenant(), unchecked, pseudonyms));
        content = o.text();
        finish = o.withheld() ? "content_filter" : finish;
      }
      RequestTrace.current().finish(finish);
      ObjectNode out = completion(id, created, model, content, cited, finish, usage(answer, content));
      if (!grounded.unsupported().isEmpty()) {
        addGuardHeader(ctx, "groundedness=" + services.guard().grounding(caller.tenant()).name().toLowerCase(Locale.ROOT)
            + " (" + grounded.unsupported().size() + " sentences)");
        unsupported((ObjectNode) out.at("/choices/0/message"), grounded.unsupported(), caller.tenant());
      }
      String reply = json.writeValueAsString(out);
      store(lookup, reply);
      JsonReply.hold(ctx, reply);
      return new Reply(out.at("/usage/prompt_tokens").asLong(), out.at("/usage/completion_tokens").asLong(),
          json.createObjectNode().put("role", "assistant").put("content", content), chosen.modelName(), "miss",
          chosen.modelName().equals("extractive") ? 0 : 1, null);
    }

    // Text goes out as it is produced; the citations follow in a last content chunk, since only
    // the whole answer shows which sources it cites.
    // Each piece passes the sentence gate (when the policy removes unsupported sentences), then the
    // output check (PII, denied terms), then goes out.
    OutputStream[] out = {null};
    StreamCheck check = checked ? services.guard().streamCheck(requestId, caller.tenant(), pseudonyms) : null;
    SentenceGate[] gate = {null};
    StringBuilder kept = new StringBuilder(); // what passed the gate: the answer as cached and remembered
    Consumer<String> emit = text -> {
      try {
        if (out[0] == null) {
          out[0] = openStream(ctx, id, created, model);
        }
        String checkedText = check == null ? text : check.accept(text);
        if (!checkedText.isEmpty()) {
          events.send(out[0], events.chunk(id, created, model, json.createObjectNode().put("content", checkedText), null));
        }
      } catch (IOException e) {
        throw new java.io.UncheckedIOException(e);
      }
    };
    Consumer<String> onText = piece -> {
      if (!piece.isEmpty()) {
        generation.token();
      }
      String text = gate[0] == null ? piece : gate[0].accept(piece);
      kept.append(text);
      emit.accept(text);
    };
    Answer answer;
    try {
      answer = ask(chosen, conversation, maxTokens, hooks(onText, requestId, caller, pseudonyms, sources -> gate[0] = services.guard()
          .sentenceGate(requestId, caller.tenant(), sourceTexts(sources)).orElse(null)), caller, ticket);
      ticket.abstained(answer.abstained());
      String rest = gate[0] == null ? "" : gate[0].finish();
      kept.append(rest);
      emit.accept(rest); // opens the stream if nothing has yet
      if (check != null) {
        String held = check.finish();
        if (!held.isEmpty()) {
          events.send(out[0], events.chunk(id, created, model, json.createObjectNode().put("content", held), null));
        }
      }
    } catch (UpstreamException e) {
      if (out[0] == null) {
        throw e; // nothing sent yet: the server answers with the mapped HTTP error
      }
      sendError(out[0], e);
      return null;
    } catch (GuardBlocked e) {
      if (out[0] == null) {
        out[0] = openStream(ctx, id, created, model);
      }
      sendPolicyError(out[0], e);
      return null;
    }
    if (out[0] == null) {
      out[0] = openStream(ctx, id, created, model);
    }
    String text = gate[0] == null ? answer.text() : kept.toString().strip();
    List<Citation> cited = stillCited(answer.citations(), text);
    AnswerNotes.cited(ctx, cited);
    AnswerNotes.retrieved(ctx, answer.retrieval(), chosen.promptVersion());
    ObjectNode last = json.createObjectNode().put("content", "");
    last.set("citations", events.citations(cited));
    if (gate[0] == null && !answer.abstained() && services.guard().grounding(caller.tenant()) == GuardPolicy.Grounding.FLAG) {
      unsupported(last, services.guard().ground(requestId, caller.tenant(), text, citedTexts(cited)).unsupported(),
          caller.tenant());
    }
    events.send(out[0], events.chunk(id, created, model, last, null));
    events.send(out[0], events.chunk(id, created, model, json.createObjectNode(), "stop"));
    RequestTrace.current().finish("stop");
    ObjectNode usage = usage(answer, answer.text());
    if (includeUsage) {
      ObjectNode u = json.createObjectNode().put("id", id).put("object", "chat.completion.chunk")
          .put("created", created).put("model", model);
      u.putArray("choices");
      u.set("usage", usage);
      events.send(out[0], u);
    }
    ObjectNode whole = completion(id, created, model, text, cited, "stop", usage);
    if (last.has("unsupported")) {
      ((ObjectNode) whole.at("/choices/0/message")).set("unsupported", last.get("unsupported"));
    }
    store(lookup, json.writeValueAsString(whole));
    return new Reply(usage.get("prompt_tokens").asLong(), usage.get("completion_tokens").asLong(),
        json.createObjectNode().put("role", "assistant").put("content", text), chosen.modelName(), "miss",
        chosen.modelName().equals("extractive") ? 0 : 1, out[0]);
  }

  private ObjectNode completion(String id, long created, String model, String content, List<Citation> citations,
      String finish, ObjectNode usage) {
    ObjectNode out = json.createObjectNode().put("id", id).put("object", "chat.completion").put("created", created)
        .put("model", model);
    ObjectNode choice = out.putArray("choices").addObject().put("index", 0);
    ObjectNode message = choice.putObject("message").put("role", "assistant").put("content", content);
    message.putNull("refusal");
    if (citations != null) {
      message.set("citations", events.citations(citations));
    }
    choice.putNull("logprobs");
    choice.put("finish_reason", finish);
    out.set("usage", usage);
    return out;
  }

  // ---- caches ----

  /**
   * Where a request's answer is, or would be, cached.
   *
   * @param vector the last user turn's embedding, when the semantic cache was asked
   * @param kind {@code hit}, {@code semantic} or {@code miss}, as {@code x-ragway-cache} says
   */
  private record Lookup(String tenant, Optional<String> exactKey, Optional<String> semanticScope, float[] vector,
      Optional<ObjectNode> hit, String kind) {}

  /** The cached answer to this request: exact match first, then by meaning; sets {@code x-ragway-cache}. */
  @SuppressWarnings("try") // the stage is closed, not read
  private Lookup lookup(Context ctx, String tenant, ObjectNode body, String scope, boolean deterministic, boolean guarded)
      throws IOException {
    // an answer the guard rewrites for its request (pseudonyms restored, PII treated) is not shared
    // and a request no cache may answer (sampled at a temperature above 0) is not looked up: no cache stage
    Lookup found = new Lookup(tenant, Optional.empty(), Optional.empty(), null, Optional.empty(), "miss");
    if (!guarded && ResponseCaches.cacheable(body, deterministic, services.caches().anyTemperature())) {
      try (Stages.Stage cache = RequestTrace.current().start(Stages.CACHE)) {
        found = find(tenant, body, scope, deterministic);
      }
    }
    ctx.header(CACHE_HEADER, found.kind());
    return found;
  }

  private Lookup find(String tenant, ObjectNode body, String scope, boolean deterministic) throws IOException {
    Caches caches = services.caches();
    Optional<String> key = ResponseCaches.exactKey(body, scope, deterministic, caches.anyTemperature());
    Optional<String> hit = key.flatMap(k -> caches.exact().get(tenant, k));
    if (hit.isPresent()) {
      return new Lookup(tenant, key, Optional.empty(), null, Optional.of((ObjectNode) json.readTree(hit.get())), "hit");
    }
    if (key.isPresent() && caches.semantic().enabled()) {
      Optional<Map.Entry<String, String>> semantic = ResponseCaches.semanticScope(body, scope, deterministic, caches.anyTemperature());
      if (semantic.isPresent()) {
        float[] vector = services.embedder().embedDocuments(List.of(semantic.get().getValue())).get(0);
        Optional<String> near = caches.semantic().get(tenant, semantic.get().getKey(), vector);
        return new Lookup(tenant, key, Optional.of(semantic.get().getKey()), vector, near.map(this::readObject),
            near.isPresent() ? "semantic" : "miss");
      }
    }
    return new Lookup(tenant, key, Optional.empty(), null, Optional.empty(), "miss");
  }

  private void store(Lookup lookup, String completion) {
    lookup.exactKey().ifPresent(k -> services.caches().exact().put(lookup.tenant(), k, completion));
    lookup.semanticScope().ifPresent(scope -> services.caches().semantic().put(lookup.tenant(), scope, lookup.vector(), completion));
  }

  private ObjectNode readObject(String text) {
    try {
      return (ObjectNode) json.readTree(text);
    } catch (IOException e) {
      throw new java.io.UncheckedIOException(e);
    }
  }

  /**
   * A cached completion as this request wants it, with a fresh id and time: as JSON, or as the
   * chunks of a stream (role, the whole content with its citations or tool calls, finish, usage).
   */
  private Reply replay(Context ctx, Lookup lookup, String id, long created, String model, boolean stream,
      boolean includeUsage) throws IOException {
    ObjectNode cached = lookup.hit().orElseThrow();
    cached.put("id", id).put("created", created).put("model", model);
    JsonNode message = cached.path("choices").path(0).path("message");
    RequestTrace.current().finish(cached.path("choices").path(0).path("finish_reason").asText(""));
    long prompt = cached.path("usage").path("prompt_tokens").asLong(0);
    long completion = cached.path("usage").path("completion_tokens").asLong(0);
    if (!stream) {
      JsonReply.hold(ctx, json.writeValueAsString(cached));
      return new Reply(prompt, completion, message, "cache", lookup.kind(), 0, null);
    }
    OutputStream out = openStream(ctx, id, created, model);
    ObjectNode delta = json.createObjectNode().put("content", message.path("content").asText(""));
    if (message.has("citations")) {
      delta.set("citations", message.get("citations"));
    }
    if (message.has("tool_calls")) {
      ArrayNode calls = delta.putArray("tool_calls");
      for (int i = 0; i < message.get("tool_calls").size(); i++) {
        calls.add(((ObjectNode) message.get("tool_calls").get(i).deepCopy()).put("index", i));
      }
    }
    events.send(out, events.chunk(id, created, model, delta, null));
    events.send(out, events.chunk(id, created, model, json.createObjectNode(), cached.path("choices").path(0).path("finish_reason").asText("stop")));
    if (includeUsage && cached.has("usage")) {
      ObjectNode u = json.createObjectNode().put("id", id).put("object", "chat.completion.chunk").put("created", created)
          .put("model", model);
      u.putArray("choices");
      u.set("usage", cached.get("usage"));
      events.send(out, u);
    }
    return new Reply(prompt, completion, message, "cache", lookup.kind(), 0, out);
  }

  private Answer ask(RagPipeline chosen, List<ChatMessage> conversation, long maxTokens, RagPipeline.Hooks hooks,
      Caller caller, Ticket ticket) {
    try {
      return chosen.answer(conversation, ticket.mode().orElse(services.mode()), ticket.k().orElse(services.k()),
          Filter.of(caller.reader()), false,
          (int) Math.min(Integer.MAX_VALUE, maxTokens), hooks);
    } catch (IllegalArgumentException e) {
      throw ApiException.invalid("messages", e.getMessage());
    }
  }

  /**
   * The pipeline's hooks for one request: retrieved passages pass the guard's injection scan, and
   * retrieval searches for the question with its placeholders put back.
   */
  private RagPipeline.Hooks hooks(Consumer<String> onText, String requestId, Caller caller, Pseudonyms pseudonyms,
      Consumer<List<Source>> onSources) {
    return new RagPipeline.Hooks(onText, c -> services.guard().admitsPassage(requestId, caller.tenant(), c.id(), c.text()),
        onSources, pseudonyms::restore);
  }

  /** The text of each source offered to the model, by its number. */
  private static Map<Integer, String> sourceTexts(List<Source> sources) {
    return sources.stream().collect(Collectors.toMap(Source::number, s -> s.chunk().text()));
  }

  /** The text of each source an answer cites, by its number. */
  private static Map<Integer, String> citedTexts(List<Citation> citations) {
    return citations.stream().collect(Collectors.toMap(Citation::number, Citation::text));
  }

  /** The citations {@code text} still cites once unsupported sentences are removed. */
  private static List<Citation> stillCited(List<Citation> citations, String text) {
    Set<Integer> cited = Groundedness.cites(text);
    return citations.stream().filter(c -> cited.contains(c.number())).toList();
  }

  /** Lists the unsupported sentences on the message when the tenant's policy flags them. */
  private void unsupported(ObjectNode message, List<Groundedness.Verdict> verdicts, String tenant) {
    if (verdicts.isEmpty() || services.guard().grounding(tenant) != GuardPolicy.Grounding.FLAG) {
      return;
    }
    ArrayNode arr = message.putArray("unsupported");
    for (Groundedness.Verdict v : verdicts) {
      arr.addObject().put("sentence", v.sentence()).put("support", Math.round(v.support() * 1000) / 1000.0);
    }
  }

  private static void addGuardHeader(Context ctx, String finding) {
    String before = ctx.res().getHeader(GUARD_HEADER);
    ctx.header(GUARD_HEADER, before == null ? finding : before + ", " + finding);
  }

  private OutputStream openStream(Context ctx, String id, long created, String model) throws IOException {
    ctx.status(200).contentType("text/event-stream").header("Cache-Control", "no-cache");
    OutputStream out = ctx.res().getOutputStream();
    events.send(out, events.chunk(id, created, model, json.createObjectNode().put("role", "assistant").put("content", ""), null));
    return out;
  }

  private void sendError(OutputStream out, UpstreamException e) throws IOException {
    ObjectNode error = json.createObjectNode();
    ApiException api = UpstreamErrors.toApi(e);
    error.putObject("error").put("message", api.getMessage()).put("type", api.type()).put("code", api.code());
    events.send(out, error);
  }

  /**
   * An upstream model: the request goes through the router (retries, fallbacks) as the client sent
   * it; the response, or each streamed chunk, comes back with the model name the client used.
   */
  @SuppressWarnings("try") // the stage is closed, not read
  private Reply proxy(Context ctx, ObjectNode body, String model, int promptTokens, String requestId, Caller caller,
      Pseudonyms pseudonyms, Optional<JsonOutputCheck> jsonFormat, Telemetry.Generation generation) throws IOException {
    Router router = services.router();
    boolean checked = services.guard().checksOutput(caller.tenant(), pseudonyms);
    try {
      boolean stream = body.path("stream").asBoolean(false);
      String id = "chatcmpl-" + requestId;
      long created = System.currentTimeMillis() / 1000;
      Lookup lookup = lookup(ctx, caller.tenant(), body, "upstream|" + caller.tenant(), false, checked);
      if (lookup.hit().isPresent()) {
        return replay(ctx, lookup, id, created, model, stream,
            body.path("stream_options").path("include_usage").asBoolean(false));
      }
      services.ledger().ensureBudget(caller.key(), caller.tenant()); // before any upstream call; a cache hit is free
      if (!stream) {
        String[] servedBy = {model};
        int[] attempts = {0};
        JsonNode[] parsed = {null}; // the upstream's answer when this request made the call; not when it shared one
        Supplier<String> call = () -> {
          trails.calling();
          Router.Served served = RequestTrace.current().call(Stages.GENERATE, () -> router.complete(model, body, promptTokens));
          servedBy[0] = served.model();
          attempts[0] = served.attempts();
          JsonNode response = served.response();
          if (response.isObject()) {
            AnswerNotes.upstream(ctx, response);
            ((ObjectNode) response).put("model", model).put("id", id);
          }
          parsed[0] = response;
          try {
            return json.writeValueAsString(response);
          } catch (IOException e) {
            throw new java.io.UncheckedIOException(e);
          }
        };
        // identical deterministic requests in flight share one upstream call
        InFlight.Result result = lookup.exactKey().map(k -> inFlight.run(k, call))
            .orElseGet(() -> new InFlight.Result(call.get(), false));
        String text = result.coalesced() ? AnswerNotes.withId(json, result.value(), id) : result.value();
        String upstreamText = text;
        List<GuardDecision> jsonFlags;
        try (Stages.Stage guardOutput = checked || jsonFormat.isPresent() ? RequestTrace.current().start(Stages.GUARD_OUTPUT)
            : Stages.none().start(Stages.GUARD_OUTPUT)) {
          if (checked) {
            text = checkedCompletion(text, requestId, caller.tenant(), pseudonyms);
          }
          jsonFlags = jsonFormat.isEmpty() ? List.of() : checkedJson(text, jsonFormat.get(), requestId, caller.tenant());
        }
        flag(ctx, jsonFlags);
        if (!result.coalesced() && jsonFlags.isEmpty()) { // an answer that is not the JSON asked for is not kept
          store(lookup, upstreamText);
        }
        ctx.header("x-ragway-model", servedBy[0]);
        JsonReply.hold(ctx, text);
        JsonNode response = parsed[0] != null ? parsed[0] : json.readTree(text);
        JsonNode message = response.path("choices").path(0).path("message");
        RequestTrace.current().finish(response.path("choices").path(0).path("finish_reason").asText(""));
        long prompt = response.path("usage").path("prompt_tokens").asLong(promptTokens);
        long completion = response.path("usage").path("completion_tokens")
            .asLong(ChatTokens.count(message.path("content").asText("")));
        long cachedTokens = response.path("usage").path("prompt_tokens_details").path("cached_tokens").asLong(0);
        return new Reply(prompt, completion, message, servedBy[0], result.coalesced() ? "coalesced" : "miss", attempts[0], null,
            -1, cachedTokens);
      }
      OutputStream[] out = {null};
      StringBuilder content = new StringBuilder();
      long[] usage = {-1, -1, 0}; // prompt, completion and cached prompt tokens, when the upstream reports them
      String[] finish = {null};
      StreamCheck check = checked ? services.guard().streamCheck(requestId, caller.tenant(), pseudonyms) : null;
      JsonStreamCheck jsonCheck = jsonFormat.map(f -> services.guard().jsonStream(requestId, caller.tenant(), f)).orElse(null);
      boolean[] stopped = {false};
      trails.calling();
      String servedBy = RequestTrace.current().call(Stages.GENERATE, () -> router.stream(model, body, promptTokens, data -> {
        if (stopped[0]) {
          return; // the guard ended this answer: the rest of the upstream's events are dropped
        }
        try {
          if (out[0] == null) { // headers go out with the first event, so earlier failures can still be HTTP errors
            ctx.status(200).contentType("text/event-stream").header("Cache-Control", "no-cache");
            out[0] = ctx.res().getOutputStream();
          }
          int had = content.length();
          String event = relay(data, model, id, content, usage, finish, ctx);
          if (content.length() > had) {
            generation.token();
          }
          try {
            if (check != null) {
              event = checkedEvent(event, check);
            }
            if (jsonCheck != null && !"tool_calls".equals(finish[0])) { // an answer calling tools is not the JSON
              checkJsonEvent(event, jsonCheck);
            }
          } catch (GuardBlocked e) {
            stopped[0] = true;
            sendPolicyError(out[0], e);
            return;
          } catch (InvalidJsonOutput e) {
            stopped[0] = true; // the piece that showed it is not sent
            sendApiError(out[0], invalidJson(e));
            return;
          }
          out[0].write(("data: " + event + "\n\n").getBytes(StandardCharsets.UTF_8));
          out[0].flush();
        } catch (IOException e) {
          throw new java.io.UncheckedIOException(e);
        }
      }));
      RequestTrace.current().finish(finish[0] == null ? "stop" : finish[0]);
      if (stopped[0]) {
        return null; // the stream has ended with the guard's error event
      }
      if (check != null && out[0] != null) { // what the check still holds, when no finish_reason event took it
        try {
          String rest = check.finish();
          if (!rest.isEmpty()) {
            if (jsonCheck != null) {
              jsonCheck.accept(0, rest);
            }
            events.send(out[0], events.chunk(id, created, model, json.createObjectNode().put("content", rest), null));
          }
        } catch (GuardBlocked e) {
          sendPolicyError(out[0], e);
          return null;
        } catch (InvalidJsonOutput e) {
          sendApiError(out[0], invalidJson(e));
          return null;
        }
      }
      if (out[0] == null) {
        ctx.status(200).contentType("text/event-stream");
        out[0] = ctx.res().getOutputStream();
      }
      // The text is out already; a whole answer that is not the JSON asked for can only end without [DONE].
      if (jsonCheck != null && !"tool_calls".equals(finish[0]) && !"content_filter".equals(finish[0])) {
        try {
          jsonCheck.finish();
        } catch (InvalidJsonOutput e) {
          sendApiError(out[0], invalidJson(e));
          return null;
        }
      }
      long prompt = usage[0] >= 0 ? usage[0] : promptTokens;
      long completion = usage[1] >= 0 ? usage[1] : ChatTokens.count(content.toString());
      boolean jsonFlagged = jsonCheck != null && !jsonCheck.flags().isEmpty();
      if (!"tool_calls".equals(finish[0]) && !jsonFlagged) { // a finished stream of text only is kept, as a completion
        store(lookup, json.writeValueAsString(completion(id, created, model, content.toString(), null,
            finish[0] == null ? "stop" : finish[0],
            json.createObjectNode().put("prompt_tokens", prompt).put("completion_tokens", completion)
                .put("total_tokens", prompt + completion))));
      }
      return new Reply(prompt, completion, json.createObjectNode().put("role", "assistant").put("content", content.toString()),
          servedBy, "miss", 1, out[0], -1, usage[2]);
    } catch (UpstreamException e) {
      if (ctx.res().isCommitted()) {
        // part of the answer is out: end the stream with an error event instead of retrying
        sendError(ctx.res().getOutputStream(), e);
        return null;
      }
      throw e; // nothing sent yet: the server answers with the mapped HTTP error
    }
  }

  // ---- guard ----

  /**
   * Runs the input guard over the request's user messages and writes back what it changed
   * (redacted, masked or pseudonymised text); names non-blocking findings in {@code x-ragway-guard}.
   */
  private Guard.Input guardInput(Context ctx, ObjectNode request, String requestId, Caller caller) {
    List<ObjectNode> holders = new ArrayList<>(); // the message or content part holding each text
    List<String> texts = new ArrayList<>();
    for (JsonNode m : request.get("messages")) {
      if (!m.path("role").asText().equals("user")) {
        continue;
      }
      JsonNode content = m.get("content");
      if (content != null && content.isTextual()) {
        holders.add((ObjectNode) m);
        texts.add(content.asText());
      } else if (content != null && content.isArray()) {
        for (JsonNode part : content) {
          if (part.isObject() && part.path("text").isTextual()) {
            holders.add((ObjectNode) part);
            texts.add(part.get("text").asText());
          }
        }
      }
    }
    Guard.Input in = services.guard().checkInput(requestId, caller.tenant(), texts);
    for (int i = 0; i < holders.size(); i++) {
      if (!in.texts().get(i).equals(texts.get(i))) {
        holders.get(i).put(holders.get(i).has("role") ? "content" : "text", in.texts().get(i));
      }
    }
    flag(ctx, in.flags());
    return in;
  }

  /** Names non-blocking findings in {@code x-ragway-guard}, after any named before. */
  private static void flag(Context ctx, List<GuardDecision> flags) {
    if (flags.isEmpty()) {
      return;
    }
    addGuardHeader(ctx, String.join(", ", flags.stream().map(d -> d.check() + "=" + d.action() + " (" + d.detail() + ")")
        .toList()));
  }

  /**
   * Checks each choice's content of a whole completion (one withheld or calling tools aside)
   * against the JSON the request asked for.
   *
   * @return the findings the policy flags
   * @throws ApiException 502 {@code invalid_json_output} when the policy blocks
   */
  private List<GuardDecision> checkedJson(String completion, JsonOutputCheck format, String requestId, String tenant)
      throws IOException {
    List<GuardDecision> flags = new ArrayList<>();
    for (JsonNode choice : json.readTree(completion).path("choices")) {
      JsonNode content = choice.path("message").path("content");
      if (content.isTextual() && !choice.path("message").has("tool_calls")
          && !"content_filter".equals(choice.path("finish_reason").asText())) {
        Optional<JsonOutputCheck.Violation> found = format.check(content.asText());
        try {
          found.ifPresent(v -> flags.add(services.guard().rejectJson(requestId, tenant, v)));
        } catch (InvalidJsonOutput e) {
          throw invalidJson(e);
        }
      }
    }
    return flags;
  }

  /** Feeds a streamed event's content, choice by choice, to the stream's JSON check. */
  private void checkJsonEvent(String event, JsonStreamCheck check) {
    JsonNode n;
    try {
      n = json.readTree(event);
    } catch (IOException e) {
      return;
    }
    for (JsonNode choice : n.path("choices")) {
      if (choice.path("delta").path("content").isTextual()) {
        check.accept(choice.path("index").asInt(0), choice.get("delta").get("content").asText());
      }
    }
  }

  private static ApiException invalidJson(InvalidJsonOutput e) {
    return new ApiException(502, "api_error", "invalid_json_output", null, e.getMessage());
  }

  private void sendApiError(OutputStream out, ApiException e) throws IOException {
    ObjectNode error = json.createObjectNode();
    error.putObject("error").put("message", e.getMessage()).put("type", e.type()).put("code", e.code());
    events.send(out, error);
  }

  /** A whole upstream completion with each choice's content checked; a withheld one ends as {@code content_filter}. */
  private String checkedCompletion(String text, String requestId, String tenant, Pseudonyms pseudonyms) throws IOException {
    JsonNode response = json.readTree(text);
    for (JsonNode choice : response.path("choices")) {
      JsonNode message = choice.path("message");
      if (message.path("content").isTextual()) {
        Guard.Output o = services.guard().checkOutput(requestId, tenant, message.get("content").asText(), pseudonyms);
        ((ObjectNode) message).put("content", o.text());
        if (o.withheld()) {
          ((ObjectNode) choice).put("finish_reason", "content_filter");
        }
      }
    }
    return json.writeValueAsString(response);
  }

  /** One streamed event with its content passed through the stream's check (held back, restored, treated). */
  private String checkedEvent(String event, StreamCheck check) throws IOException {
    JsonNode n;
    try {
      n = json.readTree(event);
    } catch (IOException e) {
      return event;
    }
    if (!n.isObject()) {
      return event;
    }
    for (JsonNode choice : n.path("choices")) {
      boolean last = choice.path("finish_reason").isTextual();
      if (!choice.path("delta").isObject() && !(last && choice.isObject())) {
        continue;
      }
      JsonNode delta = choice.path("delta").isObject() ? choice.get("delta") : ((ObjectNode) choice).putObject("delta");
      String text = delta.path("content").isTextual() ? check.accept(delta.get("content").asText()) : "";
      if (last) {
        text += check.finish();
      }
      if (delta.has("content") || !text.isEmpty()) {
        ((ObjectNode) delta).put("content", text);
      }
    }
    return json.writeValueAsString(n);
  }

  private void sendPolicyError(OutputStream out, GuardBlocked e) throws IOException {
    ObjectNode error = json.createObjectNode();
    error.putObject("error").put("message", e.getMessage()).put("type", "invalid_request_error")
        .put("code", "content_policy_violation");
    events.send(out, error);
  }

  /** One upstream event for the client: the model renamed to what the client asked for; notes text and usage. */
  private String relay(String data, String model, String id, StringBuilder content, long[] usage, String[] finish,
      Context ctx) {
    try {
      JsonNode n = json.readTree(data);
      if (n.isObject()) {
        AnswerNotes.upstream(ctx, n);
        n.path("choices").forEach(c -> {
          JsonNode text = c.path("delta").path("content");
          if (text.isTextual()) {
            content.append(text.asText());
          }
          if (c.path("delta").has("tool_calls")) {
            finish[0] = "tool_calls";
          } else if (c.path("finish_reason").isTextual() && !"tool_calls".equals(finish[0])) {
            finish[0] = c.get("finish_reason").asText();
          }
        });
        if (n.path("usage").has("prompt_tokens")) {
          usage[0] = n.get("usage").get("prompt_tokens").asLong();
          usage[1] = n.get("usage").path("completion_tokens").asLong(0);
          usage[2] = n.get("usage").path("prompt_tokens_details").path("cached_tokens").asLong(0);
        }
        if (n.has("model") || n.has("id")) { // the client's model name, and this request's id
          ((ObjectNode) n).put("model", model).put("id", id);
          return json.writeValueAsString(n);
        }
      }
    } catch (IOException e) {
      // not JSON: relay it unchanged
    }
    return data;
  }

  private ObjectNode usage(Answer answer, String content) {
    int prompt = answer.usage().promptTokens();
    int completion = content.equals(answer.text()) ? answer.usage().completionTokens()
        : (int) Math.ceil(answer.usage().completionTokens() * (double) content.length() / Math.max(1, answer.text().length()));
    return json.createObjectNode().put("prompt_tokens", prompt).put("completion_tokens", completion)
        .put("total_tokens", prompt + completion);
  }
}
