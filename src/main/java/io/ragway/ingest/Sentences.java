package io.ragway.ingest;

import java.text.BreakIterator;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/** Splits text into sentences, keeping each sentence's character offsets into the text. */
public final class Sentences {

  /** One sentence: {@code text.substring(start, end)} with surrounding whitespace trimmed. */
  public record Span(int start, int end, String text) {}

  private Sentences() {}

  /**
   * Returns the sentences of {@code text} in order. Line breaks that end a paragraph (a blank line)
   * or a list item also end a sentence, since documents often omit the final period there.
   */
  public static List<Span> split(String text) {
    List<Span> out = new ArrayList<>();
    int paragraphStart = 0;
    for (int i = 0; i <= text.length(); i++) {
      boolean end = i == text.length();
      if (!end && text.charAt(i) == '\n' && isBlockBreak(text, i)) {
        end = true;
      }
      if (end) {
        splitParagraph(text, paragraphStart, i, out);
        paragraphStart = i + 1;
      }
    }
    return out;
  }

  private static boolean isBlockBreak(String text, int newline) {
    int j = newline + 1;
    while (j < text.length() && (text.charAt(j) == ' ' || text.charAt(j) == '\t' || text.charAt(j) == '\r')) {
      j++;
    }
    if (j >= text.length() || text.charAt(j) == '\n') {
      return true;
    }
    char c = text.charAt(j);
    return c == '-' || c == '*' || c == '#' || c == '|' || c == '>' || c == '•'
        || (Character.isDigit(c) && j + 1 < text.length() && (text.charAt(j + 1) == '.' || text.charAt(j + 1) == ')'));
  }

  private static void splitParagraph(String text, int from, int to, List<Span> out) {
    if (from >= to) {
      return;
    }
    BreakIterator it = BreakIterator.getSentenceInstance(Locale.ROOT);
    it.setText(text.substring(from, to));
    int s = it.first();
    for (int e = it.next(); e != BreakIterator.DONE; e = it.next()) {
      // a real sentence end is followed by white space; BreakIterator also breaks inside
      // "./path" or "e.g.x", which would cut a sentence in two
      if (from + e < to && !Character.isWhitespace(text.charAt(from + e - 1))) {
        continue;
      }
      add(text, from + s, from + e, out);
      s = e;
    }
  }

  private static void add(String text, int a, int b, List<Span> out) {
    while (a < b && Character.isWhitespace(text.charAt(a))) {
      a++;
    }
    while (b > a && Character.isWhitespace(text.charAt(b - 1))) {
      b--;
    }
    if (b > a) {
      out.add(new Span(a, b, text.substring(a, b)));
    }
  }
}
