package io.ragway.config;

import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.MapperFeature;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.PropertyNamingStrategies;
import com.fasterxml.jackson.databind.json.JsonMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.fasterxml.jackson.databind.node.TextNode;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import com.fasterxml.jackson.dataformat.yaml.YAMLParser;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.function.Function;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Reads {@code ragway.yaml}: the file's keys are laid over {@link RagwayConfig#defaults()}, so
 * every key is optional, a misspelt key is an error naming it, and {@code ${NAME}} or
 * {@code ${NAME:-fallback}} in any value is replaced from the environment.
 */
public final class ConfigLoader {

  private static final Pattern ENV = Pattern.compile("\\$\\{([A-Za-z_][A-Za-z0-9_]*)(?::-([^}]*))?}");

  private static final ObjectMapper MAPPER = JsonMapper.builder()
      .propertyNamingStrategy(PropertyNamingStrategies.SNAKE_CASE)
      .enable(MapperFeature.ACCEPT_CASE_INSENSITIVE_ENUMS)
      .enable(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES)
      .enable(DeserializationFeature.FAIL_ON_NULL_FOR_PRIMITIVES)
      .build();
  /** YAML 1.1 would read {@code off}, {@code on}, {@code yes} and {@code no} as booleans; ours are words ({@code pii: off}). */
  private static final ObjectMapper YAML = new ObjectMapper(YAMLFactory.builder()
      .enable(YAMLParser.Feature.PARSE_BOOLEAN_LIKE_WORDS_AS_STRINGS).build());

  private ConfigLoader() {}

  /** Loads {@code file} if it exists, else the defaults. */
  public static RagwayConfig load(Path file, Map<String, String> env) {
    if (!Files.exists(file)) {
      return RagwayConfig.defaults();
    }
    try {
      return parse(Files.readString(file), file.toString(), env::get);
    } catch (IOException e) {
      throw new ConfigException("cannot read " + file + ": " + e.getMessage(), e);
    }
  }

  /** Parses YAML text; {@code origin} names it in errors. */
  public static RagwayConfig parse(String yaml, String origin, Function<String, String> env) {
    JsonNode user;
    try {
      user = YAML.readTree(yaml);
    } catch (IOException e) {
      throw new ConfigException(origin + " is not valid YAML: " + e.getMessage().lines().findFirst().orElse(""), e);
    }
    ObjectNode merged = MAPPER.valueToTree(RagwayConfig.defaults());
    if (user != null && !user.isMissingNode() && !user.isNull()) {
      if (!user.isObject()) {
        throw new ConfigException(origin + " must be a mapping of keys to values");
      }
      merge(merged, (ObjectNode) user, "", origin, env);
    }
    try {
      return MAPPER.treeToValue(merged, RagwayConfig.class);
    } catch (IOException e) {
      Throwable cause = e.getCause() != null ? e.getCause() : e;
      String message = cause instanceof IllegalArgumentException ? cause.getMessage() : e.getMessage().lines().findFirst().orElse("");
      throw new ConfigException(origin + ": " + message, e);
    }
  }

  private static void merge(ObjectNode into, ObjectNode from, String path, String origin, Function<String, String> env) {
    for (Map.Entry<String, JsonNode> f : from.properties()) {
      String key = path + f.getKey();
      if (!into.has(f.getKey())) {
        List<String> known = new ArrayList<>();
        into.fieldNames().forEachRemaining(known::add);
        throw new ConfigException(origin + ": unknown key '" + key + "' (known here: " + String.join(", ", known) + ")");
      }
      JsonNode current = into.get(f.getKey());
      JsonNode value = f.getValue();
      if (current.isObject() && current.isEmpty() && value.isObject()) {
        into.set(f.getKey(), interpolateTree(value, key, origin, env)); // a map of names (guard.tenants): its keys are free
      } else if (current.isObject()) {
        if (value.isNull()) {
          continue;
        }
        if (!value.isObject()) {
          throw new ConfigException(origin + ": '" + key + "' must be a mapping");
        }
        merge((ObjectNode) current, (ObjectNode) value, key + ".", origin, env);
      } else if (!value.isNull()) {
        into.set(f.getKey(), interpolateTree(value, key, origin, env));
      }
    }
  }

  /** Interpolates every string inside a value (lists of models carry ${API_KEY}s too). */
  private static JsonNode interpolateTree(JsonNode value, String key, String origin, Function<String, String> env) {
    if (value.isTextual()) {
      return new TextNode(interpolate(value.asText(), key, origin, env));
    }
    if (value.isContainerNode()) {
      JsonNode copy = value.deepCopy();
      if (copy.isObject()) {
        ObjectNode o = (ObjectNode) copy;
        for (Map.Entry<String, JsonNode> e : value.properties()) {
          o.set(e.getKey(), interpolateTree(e.getValue(), key + "." + e.getKey(), origin, env));
        }
      } else {
        com.fasterxml.jackson.databind.node.ArrayNode a = (com.fasterxml.jackson.databind.node.ArrayNode) copy;
        for (int i = 0; i < a.size(); i++) {
          a.set(i, interpolateTree(value.get(i), key + "[" + i + "]", origin, env));
        }
      }
      return copy;
    }
    return value;
  }

  static String interpolate(String value, String key, String origin, Function<String, String> env) {
    Matcher m = ENV.matcher(value);
    StringBuilder out = new StringBuilder();
    while (m.find()) {
      String v = env.apply(m.group(1));
      if (v == null) {
        if (m.group(2) == null) {
          throw new ConfigException(origin + ": '" + key + "' uses ${" + m.group(1) + "}, which is not set "
              + "(set it, or write ${" + m.group(1) + ":-default})");
        }
        v = m.group(2);
      }
      m.appendReplacement(out, Matcher.quoteReplacement(v));
    }
    m.appendTail(out);
    return out.toString();
  }
}
