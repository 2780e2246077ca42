package io.ragway.agent;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;

/** {@code calculator}: arithmetic by {@link Arithmetic}'s parser; a bad expression is a tool error saying why. */
final class Calculator implements Tool {

  static final String NAME = "calculator";
  private static final JsonNode PARAMETERS = schema();

  private static JsonNode schema() {
    ObjectNode p = JsonNodeFactory.instance.objectNode().put("type", "object").put("additionalProperties", false);
    p.putObject("properties").putObject("expression").put("type", "string").put("minLength", 1)
        .put("maxLength", Arithmetic.MAX_LENGTH).put("description", "e.g. (17.5 * 12) / 3 ^ 2 or sqrt(2)");
    p.putArray("required").add("expression");
    return p;
  }

  @Override
  public String name() {
    return NAME;
  }

  @Override
  public String description() {
    return "Evaluates an arithmetic expression exactly: + - * / % ^, parentheses, sqrt, abs, round, floor, ceil.";
  }

  @Override
  public JsonNode parameters() {
    return PARAMETERS;
  }

  @Override
  public String call(JsonNode arguments, Scope scope) throws ToolFailure {
    try {
      return Arithmetic.evaluate(arguments.get("expression").asText());
    } catch (ArithmeticException e) {
      throw new ToolFailure(e.getMessage());
    }
  }
}
