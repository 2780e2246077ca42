package io.ragway.llm;

import java.util.List;

/**
 * A model's answer.
 *
 * @param content the answer text, with {@code [n]} markers where it cites source n
 * @param cited the source numbers the answer cites, in order of first appearance
 * @param abstained true when the model found no sufficient evidence and said so
 */
public record ChatResponse(String content, List<Integer> cited, boolean abstained, String finishReason, Usage usage) {

  /** Token counts of one call. */
  public record Usage(int promptTokens, int completionTokens) {
    public int totalTokens() {
      return promptTokens + completionTokens;
    }
  }

  public ChatResponse {
    cited = List.copyOf(cited);
  }
}
