package io.ragway.chat;

import io.ragway.llm.ChatResponse.Usage;
import java.util.List;
import java.util.Map;

/**
 * A grounded answer.
 *
 * @param text the answer, whose sentences carry {@code [n]} markers
 * @param citations the sources the text cites, by number
 * @param abstained true when the documents did not contain an answer
 * @param stageMillis time spent per stage (retrieve, generate), for logs and benchmarks
 */
public record Answer(String question, String text, List<Citation> citations, boolean abstained, String model,
    Usage usage, Map<String, Double> stageMillis) {

  public Answer {
    citations = List.copyOf(citations);
    stageMillis = Map.copyOf(stageMillis);
  }
}
