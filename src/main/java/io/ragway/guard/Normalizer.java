package io.ragway.guard;

import java.text.Normalizer.Form;
import java.util.regex.Pattern;

/**
 * Undoes the disguises attacks wear before rules and the model read a text: compatibility forms
 * (fullwidth letters, ligatures), invisible format characters (zero-width spaces, bidi controls),
 * Cyrillic and Greek look-alikes of Latin letters, l33t digits, and words spelt out with spaces
 * between their letters; then lower case and single spaces.
 */
final class Normalizer {

  private static final Pattern SPACED_LETTERS = Pattern.compile("\\b(?:\\p{L}[ ._-]){3,}\\p{L}\\b");
  private static final Pattern SPACES = Pattern.compile("\\s+");
  private static final Pattern LEET_WORD = Pattern.compile("\\b(?=\\w*\\p{L})(?=\\w*[0134579@$])[\\w@$]+");

  private static final Pattern WORD = Pattern.compile("\\b[a-z]{4,13}\\b");
  /** The words an override is made of, which attackers misspell to slip past exact matching. */
  private static final java.util.List<String> KEYWORDS = java.util.List.of("ignore", "disregard", "instructions",
      "previous", "everything");

  private Normalizer() {}

  /** The text as rules and the model read it: folded, lower case, single spaces. */
  static String normalize(String text) {
    String s = java.text.Normalizer.normalize(text, Form.NFKC);
    StringBuilder out = new StringBuilder(s.length());
    for (int i = 0; i < s.length(); ) {
      int c = s.codePointAt(i);
      i += Character.charCount(c);
      if (Character.getType(c) == Character.FORMAT) {
        continue; // zero-width and bidi characters hide words from plain matching
      }
      out.appendCodePoint(foldHomoglyph(Character.toLowerCase(c)));
    }
    s = SPACED_LETTERS.matcher(out).replaceAll(m -> m.group().replaceAll("[ ._-]", ""));
    return SPACES.matcher(s).replaceAll(" ").strip();
  }

  /**
   * The normalized text with digits and symbols inside words read as the letters they stand for
   * ({@code 1gn0r3} as {@code ignore}); only words that also hold a letter are touched, so
   * numbers stay numbers.
   */
  static String deLeet(String normalized) {
    return LEET_WORD.matcher(normalized).replaceAll(m -> {
      StringBuilder w = new StringBuilder(m.group().length());
      for (char c : m.group().toCharArray()) {
        w.append(switch (c) {
          case '0' -> 'o';
          case '1' -> 'i';
          case '3' -> 'e';
          case '4', '@' -> 'a';
          case '5', '$' -> 's';
          case '7' -> 't';
          case '9' -> 'g';
          default -> c;
        });
      }
      return java.util.regex.Matcher.quoteReplacement(w.toString());
    });
  }

  /**
   * The normalized text with near misses of the words overrides are made of read as those words
   * ({@code igmre} as {@code ignore}, {@code instrucitons} as {@code instructions}): a word within
   * two edits of one of them that starts with the same two letters. Only the rules read this; they
   * still need a whole override phrase to match. ("forget" is left out: "forgot", "format" and
   * "forest" are a step or two from it.)
   */
  static String deTypo(String normalized) {
    return WORD.matcher(normalized).replaceAll(m -> {
      String w = m.group();
      for (String k : KEYWORDS) {
        if (!w.equals(k) && w.charAt(0) == k.charAt(0) && w.charAt(1) == k.charAt(1)
            && Math.abs(w.length() - k.length()) <= 2 && editDistance(w, k, 2) <= 2) {
          return k;
        }
      }
      return w;
    });
  }

  /** Optimal string alignment distance (adjacent swaps count one), or {@code limit + 1} once it exceeds {@code limit}. */
  static int editDistance(String a, String b, int limit) {
    int[][] d = new int[a.length() + 1][b.length() + 1];
    for (int i = 0; i <= a.length(); i++) {
      d[i][0] = i;
    }
    for (int j = 0; j <= b.length(); j++) {
      d[0][j] = j;
    }
    for (int i = 1; i <= a.length(); i++) {
      int rowMin = Integer.MAX_VALUE;
      for (int j = 1; j <= b.length(); j++) {
        int cost = a.charAt(i - 1) == b.charAt(j - 1) ? 0 : 1;
        int v = Math.min(Math.min(d[i - 1][j] + 1, d[i][j - 1] + 1), d[i - 1][j - 1] + cost);
        if (i > 1 && j > 1 && a.charAt(i - 1) == b.charAt(j - 2) && a.charAt(i - 2) == b.charAt(j - 1)) {
          v = Math.min(v, d[i - 2][j - 2] + 1);
        }
        d[i][j] = v;
        rowMin = Math.min(rowMin, v);
      }
      if (rowMin > limit) {
        return limit + 1;
      }
    }
    return d[a.length()][b.length()];
  }

  /** Latin letters that Cyrillic and Greek ones are drawn like. */
  private static int foldHomoglyph(int c) {
    return switch (c) {
      case 'а' -> 'a';
      case 'в' -> 'b';
      case 'с', 'ϲ' -> 'c';
      case 'ԁ' -> 'd';
      case 'е', 'ё', 'ε' -> 'e';
      case 'һ' -> 'h';
      case 'і', 'ї', 'ι' -> 'i';
      case 'ј' -> 'j';
      case 'к', 'κ' -> 'k';
      case 'м' -> 'm';
      case 'п', 'η' -> 'n';
      case 'о', 'ο', 'σ' -> 'o';
      case 'р', 'ρ' -> 'p';
      case 'ԛ' -> 'q';
      case 'ѕ' -> 's';
      case 'т', 'τ' -> 't';
      case 'υ' -> 'u';
      case 'ν' -> 'v';
      case 'ԝ', 'ω' -> 'w';
      case 'х', 'χ' -> 'x';
      case 'у', 'γ' -> 'y';
      case 'ɡ' -> 'g';
      case 'α' -> 'a';
      default -> c;
    };
  }
}
