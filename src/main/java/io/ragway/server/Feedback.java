package io.ragway.server;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.javalin.http.Context;
import io.ragway.rollout.Rollouts;
import io.ragway.store.AnswerRecords;
import io.ragway.store.DatabaseException;
import io.ragway.telemetry.PromptVersions;
import io.ragway.telemetry.Telemetry;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.function.Function;

/**
 * {@code POST /v1/feedback} rates an answer of the caller's tenant ({@code {id, rating, comment?,
 * correction?, tags?}}); {@code GET /v1/feedback?id=} lists the feedback on one. Every rating is
 * kept. Another tenant's answer is not found, with the same words as an unknown id.
 */
final class Feedback {

  static final int MAX_ID = 100;
  static final int MAX_COMMENT = 4_000;
  static final int MAX_CORRECTION = 16_000;
  static final int MAX_TAGS = 20;
  static final int MAX_TAG = 50;
  private static final org.slf4j.Logger LOG = org.slf4j.LoggerFactory.getLogger(Feedback.class);

  private final ObjectMapper json;
  private final AnswerRecords answers;
  private final Telemetry telemetry;
  private final Function<Context, Caller> caller;
  private final Function<Context, JsonNode> body;
  private final Rollouts rollouts;
  private final PromptVersions prompts;

  Feedback(ObjectMapper json, AnswerRecords answers, Telemetry telemetry, Function<Context, Caller> caller,
      Function<Context, JsonNode> body, Rollouts rollouts, PromptVersions prompts) {
    this.rollouts = rollouts;
    this.prompts = prompts;
    this.json = json;
    this.answers = answers;
    this.telemetry = telemetry;
    this.caller = caller;
    this.body = body;
  }

  void post(Context ctx) {
    JsonNode in = body.apply(ctx);
    String id = id(in.get("id"));
    AnswerRecords.Rating rating = new AnswerRecords.Rating(rating(in.get("rating")), text(in, "comment", MAX_COMMENT),
        text(in, "correction", MAX_CORRECTION), tags(in.get("tags")));
    Caller who = caller.apply(ctx);
    AnswerRecords.Feedback stored;
    try {
      stored = answers.rate(who.tenant(), who.key(), id, rating).orElseThrow(() -> notFound(id));
    } catch (DatabaseException e) {
      throw new ApiException(503, "server_error", "records_unavailable", null, "The feedback cannot be stored right now "
          + "(the records database: " + e.getMessage() + "); send it again later.");
    }
    signal(who, stored);
    ctx.status(201).json(toJson(stored));
  }

  /**
   * Counts the feedback by the model, prompt version and rollout arm of the answer it rates, and
   * hands it to that rollout's thumbs-down rule; feedback that is stored is never refused for this.
   */
  private void signal(Caller who, AnswerRecords.Feedback stored) {
    String label = "";
    try {
      label = answers.find(who.tenant(), stored.answerId()).map(AnswerRecords.Answer::rollout).orElse("");
      if (!label.isEmpty()) {
        rollouts.feedback(label, stored.rating());
      }
    } catch (RuntimeException e) {
      LOG.warn("feedback {}: not counted towards its rollout: {}", stored.id(), e.getMessage());
    }
    telemetry.feedback(stored.model(), prompts.of(stored.model(), label), PromptVersions.arm(label), stored.rating(),
        stored.correction().isPresent());
  }

  void get(Context ctx) {
    String id = ctx.queryParam("id");
    if (id == null || id.isBlank()) {
      throw ApiException.invalid("id", "Missing required query parameter: 'id' (the answer's id, chatcmpl-...).");
    }
    Caller who = caller.apply(ctx);
    AnswerRecords.Answer answer = answers.find(who.tenant(), id).orElseThrow(() -> notFound(id));
    ObjectNode out = json.createObjectNode().put("object", "list").put("answer_id", answer.id());
    ArrayNode data = out.putArray("data");
    answers.feedback(who.tenant(), answer.id()).forEach(f -> data.add(toJson(f)));
    ctx.json(out);
  }

  private static ApiException notFound(String id) {
    return new ApiException(404, "invalid_request_error", "answer_not_found", "id", "No answer with id '" + id
        + "' for this API key's tenant. Use the 'id' of a chat completion (or its x-request-id) answered on this server.");
  }

  private ObjectNode toJson(AnswerRecords.Feedback f) {
    ObjectNode out = json.createObjectNode().put("id", f.id()).put("object", "feedback").put("answer_id", f.answerId())
        .put("created_at", f.at().getEpochSecond()).put("model", f.model());
    if (f.rating().matches("[1-5]")) {
      out.put("rating", Integer.parseInt(f.rating()));
    } else {
      out.put("rating", f.rating());
    }
    f.comment().ifPresentOrElse(c -> out.put("comment", c), () -> out.putNull("comment"));
    f.correction().ifPresentOrElse(c -> out.put("correction", c), () -> out.putNull("correction"));
    ArrayNode tags = out.putArray("tags");
    f.tags().forEach(tags::add);
    return out;
  }

  private static String id(JsonNode v) {
    if (v == null || v.isNull()) {
      throw ApiException.invalid("id", "Missing required parameter: 'id' (the answer's id, chatcmpl-...).");
    }
    if (!v.isTextual() || v.asText().isBlank() || v.asText().length() > MAX_ID) {
      throw ApiException.invalid("id", "Invalid 'id': expected the answer's id, a string of at most " + MAX_ID
          + " characters.");
    }
    return v.asText().strip();
  }

  private static String rating(JsonNode v) {
    if (v == null || v.isNull()) {
      throw ApiException.invalid("rating", "Missing required parameter: 'rating' (\"up\", \"down\" or 1 to 5).");
    }
    if (v.isTextual()) {
      String r = v.asText().strip().toLowerCase(Locale.ROOT);
      if (AnswerRecords.Feedback.validRating(r)) {
        return r;
      }
    } else if (v.isIntegralNumber() && v.asLong() >= 1 && v.asLong() <= 5) {
      return Long.toString(v.asLong());
    }
    throw ApiException.invalid("rating", "Invalid 'rating': expected \"up\", \"down\" or an integer from 1 to 5, got "
        + abbreviate(v.toString()) + ".");
  }

  private static Optional<String> text(JsonNode in, String field, int max) {
    JsonNode v = in.get(field);
    if (v == null || v.isNull()) {
      return Optional.empty();
    }
    if (!v.isTextual()) {
      throw ApiException.invalid(field, "Invalid type for '" + field + "': expected a string.");
    }
    if (v.asText().length() > max) {
      throw ApiException.invalid(field, "Invalid '" + field + "': at most " + max + " characters, got "
          + v.asText().length() + ".");
    }
    return v.asText().isBlank() ? Optional.empty() : Optional.of(v.asText());
  }

  private static List<String> tags(JsonNode v) {
    List<String> out = new ArrayList<>();
    if (v == null || v.isNull()) {
      return out;
    }
    if (!v.isArray() || v.size() > MAX_TAGS) {
      throw ApiException.invalid("tags", "Invalid 'tags': expected an array of at most " + MAX_TAGS + " strings.");
    }
    for (JsonNode t : v) {
      if (!t.isTextual() || t.asText().isBlank() || t.asText().length() > MAX_TAG) {
        throw ApiException.invalid("tags", "Invalid 'tags': each tag is a non-empty string of at most " + MAX_TAG
            + " characters.");
      }
      out.add(t.asText().strip());
    }
    return out;
  }

  private static String abbreviate(String s) {
    return s.length() <= 40 ? s : s.substring(0, 40) + "...";
  }
}
