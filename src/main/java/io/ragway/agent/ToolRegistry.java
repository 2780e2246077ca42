package io.ragway.agent;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.json.JsonMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/** The tools the loop may run, by name, each with its compiled argument schema. */
final class ToolRegistry {

  /** Arguments that cannot be given to a tool; the message says why. */
  static final class InvalidArguments extends Exception {
    private static final long serialVersionUID = 1L;

    InvalidArguments(String message) {
      super(message);
    }
  }

  private record Entry(Tool tool, ToolSchema schema) {}

  private static final ObjectMapper STRICT = JsonMapper.builder().enable(DeserializationFeature.FAIL_ON_TRAILING_TOKENS)
      .build();

  private final Map<String, Entry> tools = new LinkedHashMap<>();

  ToolRegistry(List<Tool> tools) {
    for (Tool t : tools) {
      if (this.tools.putIfAbsent(t.name(), new Entry(t, ToolSchema.of(t.parameters()))) != null) {
        throw new IllegalArgumentException("two tools are named '" + t.name() + "'");
      }
    }
  }

  Set<String> names() {
    return tools.keySet();
  }

  Optional<Tool> tool(String name) {
    return Optional.ofNullable(tools.get(name)).map(Entry::tool);
  }

  /** The tools as OpenAI's {@code tools} array. */
  ArrayNode definitions() {
    ArrayNode out = JsonNodeFactory.instance.arrayNode();
    for (Entry e : tools.values()) {
      ObjectNode f = out.addObject().put("type", "function").putObject("function").put("name", e.tool().name())
          .put("description", e.tool().description());
      f.set("parameters", e.tool().parameters());
    }
    return out;
  }

  /**
   * The arguments of a call to {@code name}, parsed and checked against its schema.
   *
   * @throws InvalidArguments when they are not one JSON object that fits the schema
   */
  JsonNode arguments(String name, String text) throws InvalidArguments {
    Entry e = tools.get(name);
    if (e == null) {
      throw new IllegalArgumentException("no tool " + name);
    }
    JsonNode args;
    try {
      args = text == null || text.isBlank() ? JsonNodeFactory.instance.objectNode() : STRICT.readTree(text);
    } catch (JsonProcessingException ex) {
      throw new InvalidArguments("the arguments are not valid JSON: " + ex.getOriginalMessage());
    }
    if (!args.isObject()) {
      throw new InvalidArguments("the arguments must be a JSON object, got " + args.getNodeType().name().toLowerCase(
          java.util.Locale.ROOT));
    }
    List<String> errors = e.schema().errors(args);
    if (!errors.isEmpty()) {
      throw new InvalidArguments("the arguments do not fit the tool's schema: " + ToolSchema.shown(errors));
    }
    return args;
  }
}
