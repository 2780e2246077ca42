package io.ragway.feedback;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.knuddels.jtokkit.Encodings;
import com.knuddels.jtokkit.api.Encoding;
import com.knuddels.jtokkit.api.EncodingType;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Set;

/**
 * A reader of OpenAI fine-tuning files written from OpenAI's published rules, independent of the
 * exporter: the chat format checks of OpenAI's data preparation cookbook (each line an object with
 * a {@code messages} list; each message only {@code role}, {@code content}, {@code name},
 * {@code weight}; roles system, user, assistant; string content; at least one assistant message;
 * tokens per example counted as 3 per message, its values, and 3 more) and the preference (DPO)
 * layout ({@code input.messages}, and {@code preferred_output} / {@code non_preferred_output} each
 * exactly one assistant message). Throws on the first line that breaks a rule.
 */
final class OpenAiFineTuningFile {

  private static final ObjectMapper JSON = new ObjectMapper();
  private static final Encoding CL100K = Encodings.newDefaultEncodingRegistry().getEncoding(EncodingType.CL100K_BASE);
  private static final Set<String> MESSAGE_KEYS = Set.of("role", "content", "name", "weight");
  private static final Set<String> ROLES = Set.of("system", "user", "assistant");

  private OpenAiFineTuningFile() {}

  /** The rows of a chat fine-tuning file. */
  static List<JsonNode> readChat(Path file, int maxTokens) throws IOException {
    List<JsonNode> rows = new ArrayList<>();
    int n = 0;
    for (String line : Files.readAllLines(file, StandardCharsets.UTF_8)) {
      n++;
      JsonNode row = object(line, n);
      expectKeys(row, Set.of("messages"), n);
      JsonNode messages = messages(row.get("messages"), n);
      checkOrder(messages, true, n);
      checkTokens(messages, maxTokens, n);
      rows.add(row);
    }
    return rows;
  }

  /** The rows of a preference (DPO) fine-tuning file. */
  static List<JsonNode> readPreference(Path file, int maxTokens) throws IOException {
    List<JsonNode> rows = new ArrayList<>();
    int n = 0;
    for (String line : Files.readAllLines(file, StandardCharsets.UTF_8)) {
      n++;
      JsonNode row = object(line, n);
      expectKeys(row, Set.of("input", "preferred_output", "non_preferred_output"), n);
      if (!row.get("input").isObject()) {
        throw bad(n, "input is not an object");
      }
      JsonNode input = messages(row.get("input").get("messages"), n);
      checkOrder(input, false, n);
      for (String side : List.of("preferred_output", "non_preferred_output")) {
        JsonNode out = messages(row.get(side), n);
        if (out.size() != 1 || !out.get(0).get("role").asText().equals("assistant")) {
          throw bad(n, side + " must be exactly one assistant message");
        }
        List<JsonNode> whole = new ArrayList<>();
        input.forEach(whole::add);
        whole.add(out.get(0));
        checkTokens(JSON.valueToTree(whole), maxTokens, n);
      }
      if (row.get("preferred_output").get(0).get("content").equals(row.get("non_preferred_output").get(0).get("content"))) {
        throw bad(n, "preferred and non-preferred outputs are the same");
      }
      rows.add(row);
    }
    return rows;
  }

  private static JsonNode object(String line, int n) throws IOException {
    JsonNode row = JSON.readTree(line);
    if (row == null || !row.isObject()) {
      throw bad(n, "not a JSON object");
    }
    return row;
  }

  private static void expectKeys(JsonNode row, Set<String> keys, int n) {
    for (Iterator<String> it = row.fieldNames(); it.hasNext();) {
      String k = it.next();
      if (!keys.contains(k)) {
        throw bad(n, "unexpected key " + k);
      }
    }
    for (String k : keys) {
      if (!row.has(k)) {
        throw bad(n, "missing " + k);
      }
    }
  }

  private static JsonNode messages(JsonNode messages, int n) {
    if (messages == null || !messages.isArray() || messages.isEmpty()) {
      throw bad(n, "missing or empty messages list");
    }
    for (JsonNode m : messages) {
      for (Iterator<String> it = m.fieldNames(); it.hasNext();) {
        String k = it.next();
        if (!MESSAGE_KEYS.contains(k)) {
          throw bad(n, "message with unrecognized key " + k);
        }
      }
      if (!m.has("role") || !ROLES.contains(m.get("role").asText())) {
        throw bad(n, "unrecognized role " + m.get("role"));
      }
      if (!m.path("content").isTextual() || m.get("content").asText().isBlank()) {
        throw bad(n, "missing or empty content");
      }
    }
    return messages;
  }

  /* an optional system message first, then user and assistant alternating from user; a chat example ends with assistant */
  private static void checkOrder(JsonNode messages, boolean endsWithAssistant, int n) {
    int i = messages.get(0).get("role").asText().equals("system") ? 1 : 0;
    String expected = "user";
    for (; i < messages.size(); i++) {
      String role = messages.get(i).get("role").asText();
      if (!role.equals(expected)) {
        throw bad(n, "message " + i + " is " + role + ", expected " + expected);
      }
      expected = expected.equals("user") ? "assistant" : "user";
    }
    String last = messages.get(messages.size() - 1).get("role").asText();
    if (endsWithAssistant ? !last.equals("assistant") : !last.equals("user")) {
      throw bad(n, "the example ends with " + last);
    }
  }

  private static void checkTokens(JsonNode messages, int maxTokens, int n) {
    int tokens = 3;
    for (JsonNode m : messages) {
      tokens += 3;
      for (Iterator<JsonNode> it = m.elements(); it.hasNext();) {
        tokens += CL100K.countTokens(it.next().asText());
      }
    }
    if (tokens > maxTokens) {
      throw bad(n, tokens + " tokens, over " + maxTokens);
    }
  }

  private static IllegalArgumentException bad(int line, String why) {
    return new IllegalArgumentException("line " + line + ": " + why);
  }
}
