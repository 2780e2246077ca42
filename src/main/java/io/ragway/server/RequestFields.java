package io.ragway.server;

import com.fasterxml.jackson.databind.JsonNode;
import io.ragway.guard.InvalidResponseFormat;
import io.ragway.guard.JsonOutputCheck;
import io.ragway.llm.ChatMessage;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.Set;

/** Reads and checks the fields of an OpenAI-shaped request body, failing as OpenAI does (400, in its words). */
final class RequestFields {

  private static final Set<String> ROLES = Set.of("system", "user", "assistant", "tool", "developer");

  private RequestFields() {}


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

  static List<ChatMessage> conversation(JsonNode messages) {
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

  static String lastUserMessage(JsonNode messages) {
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
  static String contentText(JsonNode content, String where, String role) {
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

  static boolean optionalBoolean(JsonNode body, String field) {
    JsonNode v = body.get(field);
    if (v == null || v.isNull()) {
      return false;
    }
    if (!v.isBoolean()) {
      throw ApiException.invalid(field, "Invalid type for '" + field + "': expected a boolean.");
    }
    return v.asBoolean();
  }

  static long optionalNonNegative(JsonNode body, String field, long fallback) {
    JsonNode v = body.get(field);
    if (v == null || v.isNull()) {
      return fallback;
    }
    if (!v.isIntegralNumber() || v.asLong() < 1) {
      throw ApiException.invalid(field, "Invalid '" + field + "': expected an integer >= 1.");
    }
    return v.asLong();
  }

  /**
   * The JSON a request's {@code response_format} asks for; refused for ragway's own models, whose
   * answers are prose with citations.
   */
  static Optional<JsonOutputCheck> responseFormat(JsonNode body, String model, boolean upstream) {
    Optional<JsonOutputCheck> format;
    try {
      format = JsonOutputCheck.of(body.get("response_format"));
    } catch (InvalidResponseFormat e) {
      throw ApiException.invalid(e.param(), e.getMessage());
    }
    if (format.isPresent() && !upstream) {
      throw ApiException.invalid("response_format", "The model '" + model + "' answers in prose with citations and "
          + "cannot produce JSON (response_format " + format.get().format() + "). Only the upstream models listed by "
          + "GET /v1/models can; 'text' or no response_format works with every model.");
    }
    return format;
  }

  static void optionalTemperature(JsonNode body) {
    JsonNode v = body.get("temperature");
    if (v != null && !v.isNull() && (!v.isNumber() || v.asDouble() < 0 || v.asDouble() > 2)) {
      throw ApiException.invalid("temperature", "Invalid 'temperature': expected a number between 0 and 2.");
    }
  }
}
