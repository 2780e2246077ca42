package io.ragway.llm;

import java.util.List;

/**
 * What a chat model is asked: the conversation, the numbered sources it may cite, and limits.
 *
 * @param maxTokens upper bound on generated tokens; 0 means the model's default
 */
public record ChatRequest(List<ChatMessage> messages, List<Source> sources, int maxTokens, double temperature) {

  public ChatRequest {
    messages = List.copyOf(messages);
    sources = sources == null ? List.of() : List.copyOf(sources);
    if (messages.isEmpty()) {
      throw new IllegalArgumentException("a chat request needs at least one message");
    }
    if (maxTokens < 0) {
      throw new IllegalArgumentException("maxTokens must be >= 0, got " + maxTokens);
    }
  }

  /** The content of the last user message: the question being answered. */
  public String question() {
    for (int i = messages.size() - 1; i >= 0; i--) {
      if (messages.get(i).role() == ChatMessage.Role.USER) {
        return messages.get(i).content();
      }
    }
    throw new IllegalArgumentException("a chat request needs a user message");
  }
}
