package io.ragway.llm;

import java.util.Locale;
import java.util.Objects;

/** One turn of a conversation. */
public record ChatMessage(Role role, String content) {

  public enum Role {
    SYSTEM,
    USER,
    ASSISTANT,
    TOOL;

    public String wire() {
      return name().toLowerCase(Locale.ROOT);
    }
  }

  public ChatMessage {
    Objects.requireNonNull(role, "role");
    content = content == null ? "" : content;
  }

  public static ChatMessage user(String content) {
    return new ChatMessage(Role.USER, content);
  }

  public static ChatMessage system(String content) {
    return new ChatMessage(Role.SYSTEM, content);
  }
}
