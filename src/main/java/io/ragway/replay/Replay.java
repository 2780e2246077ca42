package io.ragway.replay;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.opentelemetry.context.Scope;
import io.ragway.chat.Answer;
import io.ragway.chat.Citation;
import io.ragway.chat.RagPipeline;
import io.ragway.config.JsonMappers;
import io.ragway.guard.Groundedness;
import io.ragway.guard.Guard;
import io.ragway.guard.GuardBlocked;
import io.ragway.guard.Pseudonyms;
import io.ragway.index.Filter;
import io.ragway.index.Index;
import io.ragway.index.Reader;
import io.ragway.llm.ChatMessage;
import io.ragway.llm.ChatModel;
import io.ragway.llm.Router;
import io.ragway.replay.ReplayDiff.Ranked;
import io.ragway.replay.ReplayDiff.Settings;
import io.ragway.replay.ReplayDiff.Side;
import io.ragway.retrieve.RetrieveConfig;
import io.ragway.retrieve.Retrieval;
import io.ragway.retrieve.Retriever;
import io.ragway.retrieve.SearchMode;
import io.ragway.store.AnswerRecords;
import io.ragway.telemetry.RequestTrace;
import io.ragway.telemetry.Stages;
import io.ragway.telemetry.Tracing;
import java.io.IOException;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.stream.Collectors;

/**
 * Runs a recorded answer again and compares (docs/feedback.md, "Replay"), in the order of the
 * request path for ragway's own models:
 *
 * <ol>
 *   <li>refuse a record whose question was not kept ({@link NotReplayable});
 *   <li>guard the question as the tenant's policy says now;
 *   <li>answer it through a {@link RagPipeline} with the recorded retrieval settings, reader, writer
 *       and prompt version ({@link With#RECORDED}) or the current configuration's ({@link With#CURRENT}),
 *       the retrieved passages passing the guard;
 *   <li>check the answer's groundedness, cut it to the recorded {@code max_tokens}, check the output;
 *   <li>compare with the record ({@link ReplayDiff}).
 * </ol>
 *
 * An upstream model's answer is asked again of the same model, with the question alone and the
 * recorded parameters (temperature, seed...): the earlier turns of the conversation are not kept.
 * The replay runs under a trace of its own, so stages and guard decisions are measured as the
 * request's were; the guard of {@link Parts} must note its decisions on the current trace.
 */
public final class Replay {

  /** Whose settings a replay runs with. */
  public enum With {
    RECORDED, CURRENT;

    /** {@code recorded} or {@code current}. */
    public static With parse(String s) {
      return switch (s.strip().toLowerCase(Locale.ROOT)) {
        case "recorded" -> RECORDED;
        case "current" -> CURRENT;
        default -> throw new IllegalArgumentException("--with must be recorded or current, got '" + s + "'");
      };
    }

    public String label() {
      return name().toLowerCase(Locale.ROOT);
    }
  }

  /** What a replay answers with now: the parts of the current configuration. */
  public interface Parts {
    Index index();

    /** The embedding model's id. */
    String embeddingModel();

    /** A retriever over {@link #index()} with {@code settings}, reranking when {@code rerank} (and {@link #reranks()}). */
    Retriever retriever(RetrieveConfig settings, boolean rerank);

    /** Whether a reranker is configured now. */
    boolean reranks();

    /** The configuration's retrieval settings. */
    RetrieveConfig retrieval();

    /**
     * The model that writes as {@code writer} ({@code extractive} or an upstream model) with the prompt {@code promptVersion}.
     *
     * @throws NotReplayable when the configuration has no such model or prompt version
     */
    ChatModel writer(String writer, String promptVersion);

    /** The configuration's writer for {@code rag}: {@code extractive} or an upstream model. */
    String writer();

    /** The configuration's prompt version for {@code rag}. */
    String promptVersion();

    /** The guard; its decision log notes each decision on the current trace ({@code Tracing.noting}). */
    Guard guard();

    Router router();
  }

  private static final Set<String> OWN_MODELS = Set.of("rag", "extractive");
  private final Parts parts;
  private final ObjectMapper json = JsonMappers.create();

  public Replay(Parts parts) {
    this.parts = Objects.requireNonNull(parts, "parts");
  }

  /**
   * Runs {@code record} again with {@code with}'s settings and compares.
   *
   * @throws NotReplayable when it cannot be run again, saying why
   */
  @SuppressWarnings("try") // the scope makes the trace current; it is closed, not read
  public ReplayDiff run(AnswerRecords.Answer record, With with) {
    String question = record.question().filter(q -> !q.isBlank()).orElseThrow(() -> new NotReplayable("answer "
        + record.id() + " was recorded without its question (records.content was off for tenant " + record.tenant()
        + "): it cannot be replayed"));
    JsonNode retrieval = read(record.retrieval(), "retrieval");
    JsonNode parameters = read(record.parameters(), "parameters");
    boolean documents = OWN_MODELS.contains(record.model());
    if (!documents && !parts.router().serves(record.model())) {
      throw new NotReplayable("answer " + record.id() + " was written by model '" + record.model() + "', which the "
          + "configuration does not serve" + (record.model().equals("agent") ? " (agent answers are not replayed)" : ""));
    }
    List<String> notes = new ArrayList<>();
    Side then = recorded(record, retrieval);
    RequestTrace trace = Tracing.off().start("replay-" + record.requestId(), "REPLAY", "replay", h -> null);
    Side now;
    try (Scope scope = trace.open()) {
      now = documents ? fromDocuments(record, with, question, retrieval, parameters, trace, notes)
          : upstream(record, question, parameters, trace, notes);
    }
    return ReplayDiff.compare(record.id(), record.tenant(), with.label(), then, now, notes);
  }

  /** The record's side. */
  private Side recorded(AnswerRecords.Answer r, JsonNode retrieval) {
    Map<String, Double> stages = new LinkedHashMap<>();
    read(r.stages(), "stages").properties().forEach(e -> stages.put(e.getKey(), e.getValue().asDouble()));
    List<String> guard = new ArrayList<>();
    read(r.guard(), "guard").forEach(g -> guard.add(g.asText()));
    Map<String, List<Ranked>> steps = new LinkedHashMap<>();
    retrieval.path("steps").properties().forEach(e -> steps.put(e.getKey(), ranked(e.getValue())));
    List<String> cited = new ArrayList<>();
    retrieval.path("chunks").forEach(c -> cited.add(c.path("id").asText()));
    return new Side(r.backend(), retrieval.path("prompt_version").asText(""), r.upstreamModel(), r.systemFingerprint(),
        retrieval.has("mode") ? Optional.of(settings(retrieval)) : Optional.empty(), r.indexGeneration(), r.embeddingModel(),
        r.guardPolicy(), ranked(retrieval.path("retrieved")), steps, cited, r.answer(), guard, stages, r.latencyMs());
  }

  private static Settings settings(JsonNode r) {
    RetrieveConfig d = RetrieveConfig.defaults();
    JsonNode s = r.path("settings");
    return new Settings(r.path("mode").asText(d.mode().label()), r.path("k").asInt(d.k()), r.path("mmr").asBoolean(false),
        s.path("candidates").asInt(d.candidates()), s.path("rrf_k").asInt(d.rrfK()), s.path("mmr_lambda").asDouble(d.mmrLambda()),
        s.path("rerank").asBoolean(false), s.path("rerank_top_n").asInt(d.rerankTopN()), s.isObject());
  }

  private static List<Ranked> ranked(JsonNode list) {
    List<Ranked> out = new ArrayList<>();
    list.forEach(c -> out.add(new Ranked(c.path("id").asText(), c.path("score").asDouble(), c.path("rank").asInt(),
        c.path("text_sha").asText(""))));
    return out;
  }

  private Side fromDocuments(AnswerRecords.Answer record, With with, String question, JsonNode retrieval,
      JsonNode parameters, RequestTrace trace, List<String> notes) {
    String tenant = record.tenant();
    String requestId = "replay-" + record.requestId();
    // 1. settings: the record's, or the configuration's
    Settings s;
    if (with == With.RECORDED) {
      s = settings(retrieval);
      if (!retrieval.has("mode")) {
        notes.add("the record keeps no retrieval settings (a cached answer): replayed with the defaults");
      } else if (!s.recorded()) {
        notes.add("the record keeps only mode and k: the other retrieval settings are the defaults");
      }
    } else {
      RetrieveConfig c = parts.retrieval();
      s = new Settings(c.mode().label(), c.k(), c.mmr(), c.candidates(), c.rrfK(), c.mmrLambda(), parts.reranks(),
          c.rerankTopN(), true);
    }
    if (s.rerank() && !parts.reranks()) {
      notes.add("recorded with a reranker; none is configured now: replayed without");
      s = new Settings(s.mode(), s.k(), s.mmr(), s.candidates(), s.rrfK(), s.mmrLambda(), false, s.rerankTopN(), s.recorded());
    }
    JsonNode f = retrieval.path("filter");
    Reader reader;
    if (f.isObject() && f.path("tenant").asText().equals(tenant)) {
      List<String> groups = new ArrayList<>();
      f.path("groups").forEach(g -> groups.add(g.asText()));
      reader = f.path("every_group").asBoolean(false) ? Reader.owner(tenant) : Reader.member(tenant, groups);
    } else {
      reader = Reader.member(tenant, List.of());
      notes.add("the record does not say which groups the caller read: replayed for public documents of the tenant only");
    }
    // 2. the writer and its prompt: the record's, or the configuration's
    String writer;
    String prompt;
    if (record.model().equals("extractive")) {
      writer = "extractive";
      prompt = "";
    } else if (with == With.CURRENT) {
      writer = parts.writer();
      prompt = parts.promptVersion();
    } else if (!record.backend().equals("cache")) {
      writer = record.backend();
      prompt = retrieval.path("prompt_version").asText("");
      if (prompt.isEmpty() && !writer.equals("extractive")) {
        prompt = parts.promptVersion();
        notes.add("the record does not name its prompt version: replayed with " + prompt);
      }
    } else {
      writer = parts.writer();
      prompt = parts.promptVersion();
      notes.add("the answer came from the cache, which does not say what wrote it: replayed with the configuration's "
          + "writer (" + writer + ")");
    }
    ChatModel model = parts.writer(writer, prompt);
    boolean extractive = model.name().equals("extractive");
    long maxTokens = parameters.path("max_completion_tokens").asLong(parameters.path("max_tokens").asLong(0));
    RetrieveConfig config = new RetrieveConfig(SearchMode.parse(s.mode()), s.k(), s.candidates(), s.rrfK(), s.mmr(),
        s.mmrLambda(), s.rerankTopN());
    Guard guard = parts.guard();
    long started = System.nanoTime();
    Index index = parts.index();
    // 3. the question through the guard, then the pipeline, as the request path does
    Guard.Input input;
    try {
      input = trace.call(Stages.GUARD_INPUT, () -> guard.checkInput(requestId, tenant, List.of(question)));
    } catch (GuardBlocked e) {
      notes.add("the guard blocks the question now: " + e.getMessage());
      return new Side(writer, extractive ? "" : prompt, "", "", Optional.of(s), index.generation(), parts.embeddingModel(),
          guard.policy(tenant).version(), List.of(), Map.of(), List.of(), Optional.of(""), trace.guardDecisions(),
          trace.stageMillis(), millisSince(started));
    }
    Pseudonyms pseudonyms = input.pseudonyms();
    String asked = input.texts().getFirst();
    RagPipeline pipeline = new RagPipeline(parts.retriever(config, s.rerank()), model, prompt.isEmpty() ? "v1" : prompt);
    Answer answer = pipeline.answer(List.of(ChatMessage.user(extractive ? pseudonyms.restore(asked) : asked)),
        config.mode(), config.k(), Filter.of(reader), config.mmr(), (int) Math.min(Integer.MAX_VALUE, maxTokens),
        new RagPipeline.Hooks(null, c -> guard.admitsPassage(requestId, tenant, c.id(), c.text()), x -> {},
            pseudonyms::restore));
    // 4. groundedness, max_tokens, the output check
    Map<Integer, String> sources = answer.citations().stream().collect(Collectors.toMap(Citation::number, Citation::text));
    Guard.Grounded grounded = answer.abstained() ? new Guard.Grounded(answer.text(), List.of())
        : trace.call(Stages.GUARD_OUTPUT, () -> guard.ground(requestId, tenant, answer.text(), sources));
    Set<Integer> stillCited = Groundedness.cites(grounded.text());
    List<String> cited = answer.citations().stream().filter(c -> stillCited.contains(c.number())).map(Citation::id).toList();
    String content = maxTokens > 0 ? Answer.cut(grounded.text(), maxTokens) : grounded.text();
    if (guard.checksOutput(tenant, pseudonyms)) {
      String unchecked = content;
      content = trace.call(Stages.GUARD_OUTPUT, () -> guard.checkOutput(requestId, tenant, unchecked, pseudonyms)).text();
    }
    Retrieval ran = answer.retrieval();
    List<Ranked> retrieved = ran.results().stream()
        .map(r -> new Ranked(r.chunk().id(), r.score(), r.rank(), Retrieval.textHash(r.chunk().text()))).toList();
    Map<String, List<Ranked>> steps = new LinkedHashMap<>();
    ran.steps().forEach((name, list) -> {
      List<Ranked> out = new ArrayList<>(list.size());
      for (int i = 0; i < list.size(); i++) {
        out.add(new Ranked(list.get(i).id(), list.get(i).score(), i + 1));
      }
      steps.put(name, out);
    });
    return new Side(model.name(), extractive ? "" : prompt, "", "", Optional.of(s), index.generation(),
        parts.embeddingModel(), guard.policy(tenant).version(), retrieved, steps, cited, Optional.of(content),
        trace.guardDecisions(), trace.stageMillis(), millisSince(started));
  }

  /** An upstream model asked again: the question alone, with the recorded parameters. */
  private Side upstream(AnswerRecords.Answer record, String question, JsonNode parameters, RequestTrace trace,
      List<String> notes) {
    String tenant = record.tenant();
    String requestId = "replay-" + record.requestId();
    Guard guard = parts.guard();
    long started = System.nanoTime();
    ObjectNode body = json.createObjectNode().put("model", record.model());
    Guard.Input input;
    try {
      input = trace.call(Stages.GUARD_INPUT, () -> guard.checkInput(requestId, tenant, List.of(question)));
    } catch (GuardBlocked e) {
      notes.add("the guard blocks the question now: " + e.getMessage());
      return new Side(record.model(), "", "", "", Optional.empty(), parts.index().generation(), parts.embeddingModel(),
          guard.policy(tenant).version(), List.of(), Map.of(), List.of(), Optional.of(""), trace.guardDecisions(),
          trace.stageMillis(), millisSince(started));
    }
    body.putArray("messages").addObject().put("role", "user").put("content", input.texts().getFirst());
    parameters.properties().forEach(e -> {
      if (!e.getKey().equals("response_format")) {
        body.set(e.getKey(), e.getValue());
      } else if (!e.getValue().asText().equals("json_schema")) {
        body.putObject("response_format").put("type", e.getValue().asText());
      } else {
        notes.add("the record keeps no JSON schema: asked without response_format");
      }
    });
    notes.add("an upstream model is asked the question alone (earlier turns and system messages are not recorded), "
        + "and may not answer the same twice: compare the system_fingerprint");
    Router.Served served = trace.call(Stages.GENERATE, () -> parts.router().complete(record.model(), body));
    JsonNode response = served.response();
    String content = response.at("/choices/0/message/content").asText("");
    if (guard.checksOutput(tenant, input.pseudonyms())) {
      String unchecked = content;
      content = trace.call(Stages.GUARD_OUTPUT, () -> guard.checkOutput(requestId, tenant, unchecked, input.pseudonyms()))
          .text();
    }
    return new Side(served.model(), "", response.path("model").asText(""), response.path("system_fingerprint").asText(""),
        Optional.empty(), parts.index().generation(), parts.embeddingModel(), guard.policy(tenant).version(), List.of(),
        Map.of(), List.of(), Optional.of(content), trace.guardDecisions(), trace.stageMillis(), millisSince(started));
  }

  private JsonNode read(String text, String what) {
    try {
      JsonNode n = json.readTree(text.isBlank() ? "{}" : text);
      return n == null ? json.createObjectNode() : n;
    } catch (IOException e) {
      throw new NotReplayable("the record's " + what + " is not readable JSON: " + e.getMessage());
    }
  }

  private static double millisSince(long start) {
    return (System.nanoTime() - start) / 1e6;
  }
}
