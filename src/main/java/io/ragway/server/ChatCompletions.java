package io.ragway.server;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.javalin.http.Context;
import io.ragway.cache.ResponseCache;
import io.ragway.cache.ResponseCaches;
import io.ragway.chat.Answer;
import io.ragway.chat.Citation;
import io.ragway.chat.RagPipeline;
import io.ragway.index.Filter;
import io.ragway.llm.ChatMessage;
import io.ragway.llm.Router;
import io.ragway.llm.UpstreamException;
import io.ragway.retrieve.SearchMode;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.function.LongSupplier;
import java.util.function.Consumer;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * {@code POST /v1/chat/completions} for ragway's own models ({@code rag}, {@code extractive}):
 *
 * <ol>
 *   <li>validate the request as OpenAI does (model, messages, roles, stream, limits);
 *   <li>answer the last user message from the documents;
 *   <li>reply with a {@code chat.completion}, or stream {@code chat.completion.chunk}s over SSE,
 *       the last content chunk carrying the citations, then {@code [DONE]}.
 * </ol>
 */
final class ChatCompletions {

  static final Set<String> MODELS = Set.of("rag", "extractive");
  static final String CACHE_HEADER = "x-ragway-cache";
  private static final Set<String> ROLES = Set.of("system", "user", "assistant", "tool", "developer");
  private static final Pattern PIECE = Pattern.compile("\\S+\\s*");

  private final ObjectMapper json;
  private final RagPipeline pipeline;
  private final RagPipeline extractive;
  private final String tenant;
  private final SearchMode mode;
  private final int k;

  private final Router router;

  private final ResponseCache cache;
  private final boolean cacheAnyTemperature;
  private final LongSupplier generation;

  ChatCompletions(ObjectMapper json, RagPipeline pipeline, RagPipeline extractive, String tenant, SearchMode mode, int k,
      Router router, ResponseCache cache, boolean cacheAnyTemperature, LongSupplier generation) {
    this.router = router;
    this.cache = cache;
    this.cacheAnyTemperature = cacheAnyTemperature;
    this.generation = generation;
    this.json = json;
    this.pipeline = pipeline;
    this.extractive = extractive;
    this.tenant = tenant;
    this.mode = mode;
    this.k = k;
  }

  void handle(Context ctx, JsonNode body, String requestId) throws IOException {
    String model = requireText(body, "model");
    if (router.serves(model)) {
      lastUserMessage(body.get("messages")); // the same validation as for ragway's own models
      optionalBoolean(body, "stream");
      optionalTemperature(body);
      proxy(ctx, (ObjectNode) body, model);
      return;
    }
    if (!MODELS.contains(model)) {
      throw ApiException.modelNotFound(model);
    }
    List<ChatMessage> conversation = conversation(body.get("messages"));
    boolean stream = optionalBoolean(body, "stream");
    long maxTokens = optionalNonNegative(body, "max_completion_tokens", optionalNonNegative(body, "max_tokens", 0));
    optionalTemperature(body);
    RagPipeline chosen = model.equals("extractive") ? extractive : pipeline;
    long created = System.currentTimeMillis() / 1000;
    String id = "chatcmpl-" + requestId;

    if (!stream) {
      // answers from the documents depend on them: the index generation retires older entries
      Optional<String> key = ResponseCaches.exactKey(body, "docs|" + tenant + "|" + generation.getAsLong(),
          chosen.modelName().equals("extractive"), cacheAnyTemperature);
      if (serveCached(ctx, key)) {
        return;
      }
      Answer answer = ask(chosen, conversation, maxTokens, null);
      String content = maxTokens > 0 ? truncate(answer.text(), maxTokens) : answer.text();
      String finish = content.length() < answer.text().length() ? "length" : "stop";
      ObjectNode out = json.createObjectNode().put("id", id).put("object", "chat.completion").put("created", created)
          .put("model", model);
      ObjectNode choice = out.putArray("choices").addObject().put("index", 0);
      ObjectNode message = choice.putObject("message").put("role", "assistant").put("content", content);
      message.putNull("refusal");
      message.set("citations", citations(answer.citations()));
      choice.putNull("logprobs");
      choice.put("finish_reason", finish);
      out.set("usage", usage(answer, content));
      String text = json.writeValueAsString(out);
      key.ifPresent(k -> cache.put(k, text));
      ctx.contentType("application/json").result(text);
      return;
    }
    ctx.header(CACHE_HEADER, "miss"); // streams are not cached yet

    // Text goes out as it is produced; the citations follow in a last content chunk, since only
    // the whole answer shows which sources it cites.
    boolean includeUsage = body.path("stream_options").path("include_usage").asBoolean(false);
    OutputStream[] out = {null};
    Consumer<String> onText = text -> {
      try {
        if (out[0] == null) {
          out[0] = openStream(ctx, id, created, model);
        }
        send(out[0], chunk(id, created, model, json.createObjectNode().put("content", text), null));
      } catch (IOException e) {
        throw new java.io.UncheckedIOException(e);
      }
    };
    Answer answer;
    try {
      answer = ask(chosen, conversation, maxTokens, onText);
    } catch (UpstreamException e) {
      if (out[0] == null) {
        throw e; // nothing sent yet: the server answers with the mapped HTTP error
      }
      sendError(out[0], e);
      return;
    }
    if (out[0] == null) {
      out[0] = openStream(ctx, id, created, model);
    }
    ObjectNode last = json.createObjectNode().put("content", "");
    last.set("citations", citations(answer.citations()));
    send(out[0], chunk(id, created, model, last, null));
    send(out[0], chunk(id, created, model, json.createObjectNode(), "stop"));
    if (includeUsage) {
      ObjectNode u = json.createObjectNode().put("id", id).put("object", "chat.completion.chunk")
          .put("created", created).put("model", model);
      u.putArray("choices");
      u.set("usage", usage(answer, answer.text()));
      send(out[0], u);
    }
    out[0].write("data: [DONE]\n\n".getBytes(StandardCharsets.UTF_8));
    out[0].flush();
  }

  /** Answers from the cache on a hit (with a fresh id and time); sets the cache header either way. */
  private boolean serveCached(Context ctx, Optional<String> key) throws IOException {
    Optional<String> hit = key.flatMap(cache::get);
    ctx.header(CACHE_HEADER, hit.isPresent() ? "hit" : "miss");
    if (hit.isEmpty()) {
      return false;
    }
    ObjectNode cached = (ObjectNode) json.readTree(hit.get());
    cached.put("id", "chatcmpl-" + ctx.res().getHeader("x-request-id")).put("created", System.currentTimeMillis() / 1000);
    ctx.contentType("application/json").result(json.writeValueAsString(cached));
    return true;
  }

  private Answer ask(RagPipeline chosen, List<ChatMessage> conversation, long maxTokens, Consumer<String> onText) {
    try {
      return chosen.answer(conversation, mode, k, Filter.tenant(tenant), false, (int) Math.min(Integer.MAX_VALUE, maxTokens),
          onText);
    } catch (IllegalArgumentException e) {
      throw ApiException.invalid("messages", e.getMessage());
    }
  }

  private OutputStream openStream(Context ctx, String id, long created, String model) throws IOException {
    ctx.status(200).contentType("text/event-stream").header("Cache-Control", "no-cache");
    OutputStream out = ctx.res().getOutputStream();
    send(out, chunk(id, created, model, json.createObjectNode().put("role", "assistant").put("content", ""), null));
    return out;
  }

  private void sendError(OutputStream out, UpstreamException e) throws IOException {
    ObjectNode error = json.createObjectNode();
    ApiException api = UpstreamErrors.toApi(e);
    error.putObject("error").put("message", api.getMessage()).put("type", api.type()).put("code", api.code());
    send(out, error);
  }

  /**
   * An upstream model: the request goes through the router (retries, fallbacks) as the client sent
   * it; the response, or each streamed chunk, comes back with the model name the client used.
   */
  private void proxy(Context ctx, ObjectNode body, String model) throws IOException {
    try {
      if (!body.path("stream").asBoolean(false)) {
        Optional<String> key = ResponseCaches.exactKey(body, "upstream|" + tenant, false, cacheAnyTemperature);
        if (serveCached(ctx, key)) {
          return;
        }
        Router.Served served = router.complete(model, body);
        JsonNode response = served.response();
        if (response.isObject()) {
          ((ObjectNode) response).put("model", model);
        }
        String text = json.writeValueAsString(response);
        key.ifPresent(k -> cache.put(k, text));
        ctx.header("x-ragway-model", served.model()).contentType("application/json").result(text);
        return;
      }
      ctx.header(CACHE_HEADER, "miss");
      OutputStream[] out = {null};
      router.stream(model, body, data -> {
        try {
          if (out[0] == null) { // headers go out with the first event, so earlier failures can still be HTTP errors
            ctx.status(200).contentType("text/event-stream").header("Cache-Control", "no-cache");
            out[0] = ctx.res().getOutputStream();
          }
          out[0].write(("data: " + withModel(data, model) + "\n\n").getBytes(StandardCharsets.UTF_8));
          out[0].flush();
        } catch (IOException e) {
          throw new java.io.UncheckedIOException(e);
        }
      });
      if (out[0] == null) {
        ctx.status(200).contentType("text/event-stream");
        out[0] = ctx.res().getOutputStream();
      }
      out[0].write("data: [DONE]\n\n".getBytes(StandardCharsets.UTF_8));
      out[0].flush();
    } catch (UpstreamException e) {
      if (ctx.res().isCommitted()) {
        // part of the answer is out: end the stream with an error event instead of retrying
        sendError(ctx.res().getOutputStream(), e);
        return;
      }
      throw e; // nothing sent yet: the server answers with the mapped HTTP error
    }
  }

  private String withModel(String data, String model) {
    try {
      JsonNode n = json.readTree(data);
      if (n.isObject() && n.has("model")) {
        ((ObjectNode) n).put("model", model);
        return json.writeValueAsString(n);
      }
    } catch (IOException e) {
      // not JSON: relay it unchanged
    }
    return data;
  }

  private ObjectNode chunk(String id, long created, String model, ObjectNode delta, String finish) {
    ObjectNode c = json.createObjectNode().put("id", id).put("object", "chat.completion.chunk").put("created", created)
        .put("model", model);
    ObjectNode choice = c.putArray("choices").addObject().put("index", 0);
    choice.set("delta", delta);
    choice.putNull("logprobs");
    if (finish == null) {
      choice.putNull("finish_reason");
    } else {
      choice.put("finish_reason", finish);
    }
    return c;
  }

  private void send(OutputStream out, ObjectNode event) throws IOException {
    out.write(("data: " + json.writeValueAsString(event) + "\n\n").getBytes(StandardCharsets.UTF_8));
    out.flush();
  }

  private ArrayNode citations(List<Citation> citations) {
    ArrayNode arr = json.createArrayNode();
    for (Citation c : citations) {
      arr.addObject().put("index", c.number()).put("id", c.id()).put("source", c.source()).put("title", c.title())
          .put("heading", c.heading()).put("chunk", c.chunk()).put("start", c.start()).put("end", c.end())
          .put("score", c.score());
    }
    return arr;
  }

  private ObjectNode usage(Answer answer, String content) {
    int prompt = answer.usage().promptTokens();
    int completion = content.equals(answer.text()) ? answer.usage().completionTokens()
        : (int) Math.ceil(answer.usage().completionTokens() * (double) content.length() / Math.max(1, answer.text().length()));
    return json.createObjectNode().put("prompt_tokens", prompt).put("completion_tokens", completion)
        .put("total_tokens", prompt + completion);
  }

  /** Cuts the answer to about {@code maxTokens} words-or-punctuation, as a model would stop. */
  private static String truncate(String text, long maxTokens) {
    Matcher m = PIECE.matcher(text);
    int end = 0;
    long n = 0;
    while (m.find() && n < maxTokens) {
      end = m.end();
      n++;
    }
    return n < maxTokens ? text : text.substring(0, end).stripTrailing();
  }

  // ---- validation, in OpenAI's words where it has them ----

  static String requireText(JsonNode body, String field) {
    JsonNode v = body.get(field);
    if (v == null || v.isNull()) {
      throw ApiException.invalid(field, "Missing required parameter: '" + field + "'.");
    }
    if (!v.isTextual()) {
      throw ApiException.invalid(field, "Invalid type for '" + field + "': expected a string.");
    }
    return v.asText();
  }

  private static List<ChatMessage> conversation(JsonNode messages) {
    lastUserMessage(messages);
    List<ChatMessage> out = new ArrayList<>();
    for (int i = 0; i < messages.size(); i++) {
      JsonNode msg = messages.get(i);
      String role = msg.get("role").asText();
      ChatMessage.Role r = switch (role) {
        case "system", "developer" -> ChatMessage.Role.SYSTEM;
        case "assistant" -> ChatMessage.Role.ASSISTANT;
        case "tool" -> ChatMessage.Role.TOOL;
        default -> ChatMessage.Role.USER;
      };
      out.add(new ChatMessage(r, contentText(msg.get("content"), "messages[" + i + "].content", role)));
    }
    return out;
  }

  private static String lastUserMessage(JsonNode messages) {
    if (messages == null || messages.isNull()) {
      throw ApiException.invalid("messages", "Missing required parameter: 'messages'.");
    }
    if (!messages.isArray()) {
      throw ApiException.invalid("messages", "Invalid type for 'messages': expected an array.");
    }
    if (messages.isEmpty()) {
      throw ApiException.invalid("messages", "Invalid 'messages': empty array. Expected an array with minimum length 1.");
    }
    String last = null;
    for (int i = 0; i < messages.size(); i++) {
      JsonNode msg = messages.get(i);
      String where = "messages[" + i + "]";
      if (!msg.isObject()) {
        throw ApiException.invalid(where, "Invalid type for '" + where + "': expected an object.");
      }
      JsonNode role = msg.get("role");
      if (role == null || !role.isTextual() || !ROLES.contains(role.asText())) {
        throw ApiException.invalid(where + ".role", "Invalid value for '" + where + ".role': expected one of "
            + "system, developer, user, assistant, tool.");
      }
      String text = contentText(msg.get("content"), where + ".content", role.asText());
      if (role.asText().equals("user")) {
        last = text;
      }
    }
    if (last == null) {
      throw ApiException.invalid("messages", "The messages contain no user message to answer.");
    }
    return last;
  }

  /** A message's text: a string, or the text parts of a content array. */
  private static String contentText(JsonNode content, String where, String role) {
    if (content == null || content.isNull()) {
      if (role.equals("assistant")) {
        return ""; // assistant turns with only tool calls have no content
      }
      throw ApiException.invalid(where, "Missing required parameter: '" + where + "'.");
    }
    if (content.isTextual()) {
      return content.asText();
    }
    if (content.isArray()) {
      StringBuilder b = new StringBuilder();
      for (JsonNode part : content) {
        if ("text".equals(part.path("type").asText()) && part.path("text").isTextual()) {
          b.append(b.isEmpty() ? "" : "\n").append(part.get("text").asText());
        } else {
          throw ApiException.invalid(where, "Only text content parts are supported by ragway's own models.");
        }
      }
      return b.toString();
    }
    throw ApiException.invalid(where, "Invalid type for '" + where + "': expected a string or an array of content parts.");
  }

  private static boolean optionalBoolean(JsonNode body, String field) {
    JsonNode v = body.get(field);
    if (v == null || v.isNull()) {
      return false;
    }
    if (!v.isBoolean()) {
      throw ApiException.invalid(field, "Invalid type for '" + field + "': expected a boolean.");
    }
    return v.asBoolean();
  }

  private static long optionalNonNegative(JsonNode body, String field, long fallback) {
    JsonNode v = body.get(field);
    if (v == null || v.isNull()) {
      return fallback;
    }
    if (!v.isIntegralNumber() || v.asLong() < 1) {
      throw ApiException.invalid(field, "Invalid '" + field + "': expected an integer >= 1.");
    }
    return v.asLong();
  }

  private static void optionalTemperature(JsonNode body) {
    JsonNode v = body.get("temperature");
    if (v != null && !v.isNull() && (!v.isNumber() || v.asDouble() < 0 || v.asDouble() > 2)) {
      throw ApiException.invalid("temperature", "Invalid 'temperature': expected a number between 0 and 2.");
    }
  }
}
