package io.ragway.ingest;

import io.ragway.embed.TokenCounter;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/** A span of document text with its token count: a sentence, or a window of a long one. */
record Unit(int start, int end, int tokens) {

  private static final Pattern WORD = Pattern.compile("\\S+");

  /**
   * Splits {@code text[start, end)} into windows of at most about {@code maxTokens} tokens on word
   * boundaries, estimating tokens per word from the whole span so the tokenizer runs once.
   */
  static List<Unit> windows(String text, int start, int end, int tokens, int maxTokens, int overlapTokens) {
    List<int[]> words = new ArrayList<>();
    Matcher m = WORD.matcher(text).region(start, end);
    while (m.find()) {
      words.add(new int[] {m.start(), m.end()});
    }
    if (words.isEmpty()) {
      return List.of();
    }
    double perWord = Math.max(1.0, (double) tokens / words.size());
    int size = Math.max(1, (int) Math.floor(maxTokens * 0.95 / perWord));
    int step = Math.max(1, size - (int) Math.floor(overlapTokens / perWord));
    List<Unit> out = new ArrayList<>();
    for (int from = 0; from < words.size(); from += step) {
      int to = Math.min(words.size(), from + size);
      out.add(new Unit(words.get(from)[0], words.get(to - 1)[1], (int) Math.ceil((to - from) * perWord)));
      if (to == words.size()) {
        break;
      }
    }
    return out;
  }

  static int count(TokenCounter counter, String text, int start, int end) {
    return counter.count(text.substring(start, end));
  }
}
