package io.ragway.embed;

/** Counts the tokens of a text, as one model's tokenizer would. */
@FunctionalInterface
public interface TokenCounter {

  int count(String text);

  /**
   * A cheap approximation (about four characters or one word-piece per token) for tests and for
   * embedding backends whose tokenizer is not available locally.
   */
  static TokenCounter approximate() {
    return text -> {
      int words = 0;
      boolean inWord = false;
      for (int i = 0; i < text.length(); i++) {
        char c = text.charAt(i);
        if (Character.isLetterOrDigit(c)) {
          if (!inWord) {
            words++;
            inWord = true;
          }
        } else {
          inWord = false;
          if (!Character.isWhitespace(c)) {
            words++; // punctuation is a token of its own in word-piece tokenizers
          }
        }
      }
      return Math.max(words, (text.length() + 3) / 4);
    };
  }
}
