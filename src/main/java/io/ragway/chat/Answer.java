package io.ragway.chat;

import com.fasterxml.jackson.annotation.JsonIgnore;
import io.ragway.llm.ChatResponse.Usage;
import io.ragway.retrieve.Retrieval;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * A grounded answer.
 *
 * @param text the answer, whose sentences carry {@code [n]} markers
 * @param citations the sources the text cites, by number
 * @param abstained true when the documents did not contain an answer
 * @param stageMillis time spent per stage (retrieve, generate), for logs and benchmarks
 * @param retrieval what retrieval returned and how each of its steps ranked (for answer records
 *     and replay; not part of the answer's JSON)
 */
public record Answer(String question, String text, List<Citation> citations, boolean abstained, String model,
    Usage usage, Map<String, Double> stageMillis, @JsonIgnore Retrieval retrieval) {

  public Answer {
    citations = List.copyOf(citations);
    stageMillis = Map.copyOf(stageMillis);
    retrieval = retrieval == null ? Retrieval.none() : retrieval;
  }

  /** An answer that says nothing of its retrieval. */
  public Answer(String question, String text, List<Citation> citations, boolean abstained, String model, Usage usage,
      Map<String, Double> stageMillis) {
    this(question, text, citations, abstained, model, usage, stageMillis, Retrieval.none());
  }

  private static final Pattern PIECE = Pattern.compile("\\S+\\s*");

  /**
   * {@code text} cut to about {@code maxTokens} words-or-punctuation, as a model stops at
   * {@code max_tokens}; the request path and replay cut the same way.
   */
  public static String cut(String text, long maxTokens) {
    Matcher m = PIECE.matcher(text);
    int end = 0;
    long n = 0;
    while (m.find() && n < maxTokens) {
      end = m.end();
      n++;
    }
    return n < maxTokens ? text : text.substring(0, end).stripTrailing();
  }
}
