package io.ragway.server;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.javalin.http.Context;
import io.ragway.chat.Citation;
import io.ragway.retrieve.RetrieveConfig;
import io.ragway.retrieve.Retrieval;
import io.ragway.retrieve.Retrieved;
import io.ragway.rollout.Ticket;
import io.ragway.store.AnswerRecords;
import io.ragway.telemetry.RequestTrace;
import java.io.IOException;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Notes what a chat completion's path learns (the upstream's {@code model} and
 * {@code system_fingerprint}, the cited chunks) on its request, then turns them, with the request,
 * into its {@link AnswerRecords.Answer}. Recording never fails the answer: a failure is logged.
 */
final class AnswerNotes {

  private static final Logger LOG = LoggerFactory.getLogger(AnswerNotes.class);
  private static final String UPSTREAM_MODEL = "ragway.answer.upstream-model";
  private static final String FINGERPRINT = "ragway.answer.fingerprint";
  private static final String CITED = "ragway.answer.cited";
  private static final String RETRIEVAL = "ragway.answer.retrieval";
  private static final String PROMPT = "ragway.answer.prompt";
  /** The request fields that change an answer, kept as its parameters. */
  private static final List<String> PARAMETERS = List.of("temperature", "top_p", "max_tokens", "max_completion_tokens",
      "seed", "presence_penalty", "frequency_penalty", "stop", "n", "reasoning_effort");

  private AnswerNotes() {}

  /** Notes the {@code model} and {@code system_fingerprint} an upstream response (or streamed chunk) names. */
  static void upstream(Context ctx, JsonNode response) {
    if (ctx.attribute(UPSTREAM_MODEL) == null && response.path("model").isTextual()) {
      ctx.attribute(UPSTREAM_MODEL, response.get("model").asText());
    }
    if (ctx.attribute(FINGERPRINT) == null && response.path("system_fingerprint").isTextual()) {
      ctx.attribute(FINGERPRINT, response.get("system_fingerprint").asText());
    }
  }

  /** Notes the chunks an answer from the documents cites. */
  static void cited(Context ctx, List<Citation> citations) {
    ctx.attribute(CITED, citations);
  }

  /** Notes what retrieval returned and ranked, and the prompt version the answer was written with. */
  static void retrieved(Context ctx, Retrieval retrieval, String promptVersion) {
    ctx.attribute(RETRIEVAL, retrieval);
    ctx.attribute(PROMPT, promptVersion);
  }

  /** A completion's JSON with {@code id} as its id (a shared upstream call answered with another request's). */
  static String withId(ObjectMapper json, String completion, String id) {
    try {
      JsonNode n = json.readTree(completion);
      return n.isObject() ? json.writeValueAsString(((ObjectNode) n).put("id", id)) : completion;
    } catch (IOException e) {
      return completion;
    }
  }

  /** Queues the record of an answered request; returns at once. */
  static void record(Context ctx, RagwayServer.Services services, ObjectMapper json, JsonNode request, String requestId,
      Caller caller, String model, String backend, String cache, boolean stream, JsonNode message, String question,
      Ticket ticket, long startedNanos) {
    if (!services.answers().enabled()) {
      return;
    }
    try {
      ObjectNode parameters = json.createObjectNode();
      for (String p : PARAMETERS) {
        if (request.hasNonNull(p)) {
          parameters.set(p, request.get(p));
        }
      }
      if (request.path("response_format").has("type")) {
        parameters.set("response_format", request.get("response_format").get("type"));
      }
      ObjectNode retrieval = json.createObjectNode();
      List<Citation> cited = ctx.attribute(CITED);
      JsonNode cachedCitations = message == null ? null : message.get("citations");
      if (cited != null || cachedCitations != null || ChatCompletions.MODELS.contains(model)) {
        retrieval.put("mode", ticket.mode().orElse(services.mode()).label()).put("k", ticket.k().orElse(services.k()));
        Retrieval ran = ctx.attribute(RETRIEVAL);
        if (ran != null) {
          settings(retrieval, ran, caller, ctx.attribute(PROMPT));
        }
        ArrayNode chunks = retrieval.putArray("chunks");
        if (cited != null) {
          for (Citation c : cited) {
            chunks.addObject().put("id", c.id()).put("score", c.score()).put("rank", c.number());
          }
        } else if (cachedCitations != null && cachedCitations.isArray()) {
          for (JsonNode c : cachedCitations) {
            chunks.addObject().put("id", c.path("id").asText()).put("score", c.path("score").asDouble())
                .put("rank", c.path("index").asInt());
          }
        }
      }
      ArrayNode guard = json.createArrayNode();
      RequestTrace trace = RequestTrace.current();
      trace.guardDecisions().forEach(guard::add);
      ObjectNode stages = json.createObjectNode();
      for (Map.Entry<String, Double> s : trace.stageMillis().entrySet()) {
        stages.put(s.getKey(), Math.round(s.getValue() * 1000) / 1000.0);
      }
      String answer = message == null ? "" : message.path("content").asText("");
      services.answers().record(new AnswerRecords.Answer(AnswerRecords.ID_PREFIX + requestId, requestId, Instant.now(),
          caller.tenant(), caller.key(), model, backend, Optional.ofNullable(ctx.<String>attribute(UPSTREAM_MODEL)).orElse(""),
          Optional.ofNullable(ctx.<String>attribute(FINGERPRINT)).orElse(""), cache, stream, json.writeValueAsString(parameters),
          services.guard().policy(caller.tenant()).version(), json.writeValueAsString(guard), ticket.label().orElse(""),
          json.writeValueAsString(retrieval), services.index().generation(), services.embedder().id(),
          (System.nanoTime() - startedNanos) / 1_000_000, json.writeValueAsString(stages),
          Optional.of(question), answer.isEmpty() ? Optional.empty() : Optional.of(answer)));
    } catch (IOException | RuntimeException e) {
      LOG.warn("request {}: its answer record was not kept: {}", requestId, e.getMessage());
    }
  }

  /*
   * What a replay runs again: the settings retrieval ran with (mode and k as run, not as asked),
   * the reader it ran for, the prompt version, and every chunk it returned and each step ranked
   * (its best k), with score and rank. Chunk texts are not kept: ids name them in the index, and a
   * short hash of each returned chunk's text shows a replay when a re-ingest changed it.
   */
  private static void settings(ObjectNode out, Retrieval ran, Caller caller, String promptVersion) {
    RetrieveConfig s = ran.settings();
    out.put("mode", s.mode().label()).put("k", s.k()).put("mmr", s.mmr());
    out.putObject("settings").put("candidates", s.candidates()).put("rrf_k", s.rrfK()).put("mmr_lambda", s.mmrLambda())
        .put("rerank", ran.reranked()).put("rerank_top_n", s.rerankTopN());
    ObjectNode filter = out.putObject("filter").put("tenant", caller.reader().tenant())
        .put("every_group", caller.reader().everyGroup());
    ArrayNode groups = filter.putArray("groups");
    caller.reader().groups().forEach(groups::add);
    out.put("prompt_version", promptVersion == null ? "" : promptVersion);
    ArrayNode retrieved = out.putArray("retrieved");
    for (Retrieved r : ran.results()) {
      retrieved.addObject().put("id", r.chunk().id()).put("score", r.score()).put("rank", r.rank())
          .put("text_sha", Retrieval.textHash(r.chunk().text()));
    }
    ObjectNode steps = out.putObject("steps");
    ran.steps().forEach((name, ranked) -> {
      ArrayNode step = steps.putArray(name);
      for (int i = 0; i < ranked.size(); i++) {
        step.addObject().put("id", ranked.get(i).id()).put("score", ranked.get(i).score()).put("rank", i + 1);
      }
    });
  }
}
