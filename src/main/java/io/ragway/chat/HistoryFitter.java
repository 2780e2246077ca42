package io.ragway.chat;

import com.fasterxml.jackson.databind.JsonNode;
import io.ragway.llm.ChatTokens;
import java.util.ArrayList;
import java.util.List;

/**
 * Fits a conversation into a token budget by dropping its oldest turns: system messages always
 * stay, and so does the newest user turn. A tool result never stays without the assistant turn
 * that called the tool (upstreams refuse an orphaned tool message), so turns are dropped up to
 * the next user message.
 */
public final class HistoryFitter {

  private HistoryFitter() {}

  /**
   * The messages that fit in {@code budget} prompt tokens, in their order.
   *
   * @return the fitted messages; may still be over budget when the system messages and the last
   *     turn alone are (the caller then refuses the request)
   */
  public static List<JsonNode> fit(List<JsonNode> messages, int budget) {
    List<JsonNode> kept = new ArrayList<>(messages);
    while (ChatTokens.prompt(array(kept), null) > budget) {
      int first = firstDroppable(kept);
      if (first < 0) {
        break;
      }
      kept.remove(first);
      // drop what only made sense with it: up to the next user turn
      while (first < kept.size() && !isRole(kept.get(first), "user") && !isRole(kept.get(first), "system")
          && first < lastUser(kept)) {
        kept.remove(first);
      }
    }
    return kept;
  }

  private static int firstDroppable(List<JsonNode> messages) {
    int last = lastUser(messages);
    for (int i = 0; i < last; i++) {
      if (!isRole(messages.get(i), "system") && !isRole(messages.get(i), "developer")) {
        return i;
      }
    }
    return -1;
  }

  private static int lastUser(List<JsonNode> messages) {
    for (int i = messages.size() - 1; i >= 0; i--) {
      if (isRole(messages.get(i), "user")) {
        return i;
      }
    }
    return messages.size();
  }

  private static boolean isRole(JsonNode m, String role) {
    return role.equals(m.path("role").asText());
  }

  private static com.fasterxml.jackson.databind.node.ArrayNode array(List<JsonNode> messages) {
    com.fasterxml.jackson.databind.node.ArrayNode a = com.fasterxml.jackson.databind.node.JsonNodeFactory.instance.arrayNode();
    messages.forEach(a::add);
    return a;
  }
}
