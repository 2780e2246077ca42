package io.ragway.cache;

import io.ragway.config.Hashes;
import io.ragway.config.JsonMappers;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.github.benmanes.caffeine.cache.Ticker;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/** Creates response caches and the keys they are looked up by. */
public final class ResponseCaches {

  /** The request fields that change a chat completion's answer; anything else does not. */
  private static final List<String> KEY_FIELDS = List.of("model", "messages", "tools", "tool_choice", "temperature",
      "top_p", "max_tokens", "max_completion_tokens", "response_format", "seed", "stop", "n", "presence_penalty",
      "frequency_penalty", "logit_bias", "logprobs", "top_logprobs", "parallel_tool_calls");

  private static final ObjectMapper CANONICAL = JsonMappers.create();

  private ResponseCaches() {}

  /** A Caffeine cache; {@code ticker} is the clock its TTL reads ({@code Ticker.systemTicker()}). */
  public static ResponseCache inProcess(CacheConfig config, Ticker ticker) {
    return config.enabled() ? new CaffeineResponseCache(config, ticker) : ResponseCache.none();
  }

  /**
   * The exact-match key of a chat completion request, or empty when it must not be cached: a
   * sampled request (temperature other than 0, OpenAI's default being 1) of a non-deterministic
   * model, unless {@code anyTemperature}.
   *
   * @param scope what else the answer depends on: the tenant, and for answers from the documents
   *     the index generation, so a change to the documents retires earlier answers
   */
  public static Optional<String> exactKey(JsonNode request, String scope, boolean deterministic, boolean anyTemperature) {
    if (!cacheable(request, deterministic, anyTemperature)) {
      return Optional.empty();
    }
    ObjectNode key = CANONICAL.createObjectNode().put("scope", scope);
    for (String field : KEY_FIELDS) {
      if (request.has(field)) {
        key.set(field, request.get(field));
      }
    }
    try {
      return Optional.of(Hashes.sha256(CANONICAL.writeValueAsString(canonical(key))));
    } catch (JsonProcessingException e) {
      throw new IllegalStateException("a parsed request always serialises", e);
    }
  }

  /**
   * Whether a cache may answer {@code request} at all: when its answer is deterministic (ragway's
   * own answerers), its temperature is 0, or caching is on for {@code anyTemperature}. A request
   * with no temperature samples at 1, as OpenAI's API does.
   */
  public static boolean cacheable(JsonNode request, boolean deterministic, boolean anyTemperature) {
    double temperature = request.path("temperature").isNumber() ? request.get("temperature").asDouble() : 1.0;
    return deterministic || anyTemperature || temperature == 0.0;
  }

  /**
   * The semantic cache's scope of a request: everything {@link #exactKey} hashes except the last
   * user turn, whose text is returned to be embedded. Empty when the request must not be cached.
   */
  public static Optional<Map.Entry<String, String>> semanticScope(JsonNode request, String scope, boolean deterministic,
      boolean anyTemperature) {
    JsonNode messages = request.path("messages");
    int last = -1;
    for (int i = 0; i < messages.size(); i++) {
      if ("user".equals(messages.get(i).path("role").asText())) {
        last = i;
      }
    }
    if (last < 0 || !messages.get(last).path("content").isTextual()) {
      return Optional.empty();
    }
    ObjectNode rest = ((ObjectNode) request).deepCopy();
    ((com.fasterxml.jackson.databind.node.ArrayNode) rest.get("messages")).remove(last);
    String text = messages.get(last).get("content").asText();
    return exactKey(rest, "semantic|" + scope, deterministic, anyTemperature).map(k -> Map.entry(k, text));
  }

  /** Sorted maps, and numbers by value (0 and 0.0 are the same temperature). */
  private static Object canonical(JsonNode node) {
    if (node.isObject()) {
      java.util.TreeMap<String, Object> map = new java.util.TreeMap<>();
      node.properties().forEach(e -> map.put(e.getKey(), canonical(e.getValue())));
      return map;
    }
    if (node.isArray()) {
      List<Object> list = new java.util.ArrayList<>();
      node.forEach(n -> list.add(canonical(n)));
      return list;
    }
    if (node.isNumber()) {
      return java.util.Map.of("#", node.decimalValue().stripTrailingZeros().toPlainString());
    }
    return node.isNull() ? null : node.isBoolean() ? node.asBoolean() : node.asText();
  }
}
