package io.ragway.eval;

import java.text.Normalizer;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.regex.Pattern;

/**
 * Answer-against-reference metrics that compare words: exact match and token F1 as the SQuAD
 * evaluation script computes them, ROUGE-L's F-measure as Google's rouge_score does (no stemming),
 * and sentence BLEU as sacrebleu's {@code sentence_bleu} does (up to 4-grams, effective order,
 * "exp" smoothing). Every score is in [0, 1].
 */
public final class TextMetrics {

  private static final Pattern ARTICLES = Pattern.compile("\\b(a|an|the)\\b");
  private static final Pattern NON_WORD = Pattern.compile("[^\\p{L}\\p{N}]+");

  private TextMetrics() {}

  /**
   * SQuAD's normalisation: lower case, punctuation removed, the articles a/an/the removed, runs of
   * white space made one space.
   */
  public static String normalize(String text) {
    String s = text.toLowerCase(Locale.ROOT);
    StringBuilder b = new StringBuilder(s.length());
    s.codePoints().forEach(c -> {
      int type = Character.getType(c);
      boolean punctuation = type == Character.CONNECTOR_PUNCTUATION || type == Character.DASH_PUNCTUATION
          || type == Character.START_PUNCTUATION || type == Character.END_PUNCTUATION
          || type == Character.INITIAL_QUOTE_PUNCTUATION || type == Character.FINAL_QUOTE_PUNCTUATION
          || type == Character.OTHER_PUNCTUATION || type == Character.MATH_SYMBOL || type == Character.CURRENCY_SYMBOL
          || type == Character.MODIFIER_SYMBOL;
      if (!punctuation) {
        b.appendCodePoint(c);
      }
    });
    s = ARTICLES.matcher(b).replaceAll(" ");
    return String.join(" ", s.strip().split("\\s+")).strip();
  }

  /** 1 when the normalised texts are equal, else 0. */
  public static double exactMatch(String answer, String reference) {
    return normalize(answer).equals(normalize(reference)) ? 1 : 0;
  }

  /** Harmonic mean of token precision and recall over the normalised texts' words (a multiset). */
  public static double f1(String answer, String reference) {
    List<String> a = words(normalize(answer));
    List<String> r = words(normalize(reference));
    if (a.isEmpty() || r.isEmpty()) {
      return a.equals(r) ? 1 : 0; // SQuAD: both empty agree, one empty scores 0
    }
    Map<String, Integer> counts = counts(r);
    int common = 0;
    for (String w : a) {
      Integer c = counts.get(w);
      if (c != null && c > 0) {
        common++;
        counts.put(w, c - 1);
      }
    }
    return harmonic(common, a.size(), r.size());
  }

  /** ROUGE-L F1: the longest common subsequence of the tokens over their lengths. */
  public static double rougeL(String answer, String reference) {
    List<String> a = tokens(answer);
    List<String> r = tokens(reference);
    if (a.isEmpty() || r.isEmpty()) {
      return 0;
    }
    return harmonic(lcs(a, r), a.size(), r.size());
  }

  /** F1 of {@code matched} tokens out of an answer's {@code answerSize} and a reference's {@code referenceSize}. */
  private static double harmonic(int matched, int answerSize, int referenceSize) {
    if (matched == 0) {
      return 0;
    }
    double p = (double) matched / answerSize;
    double r = (double) matched / referenceSize;
    return 2 * p * r / (p + r);
  }

  /**
   * Sentence BLEU with one reference: geometric mean of modified n-gram precisions for n = 1..4
   * (only up to the longest n the answer has, "effective order"), times the brevity penalty. An
   * order with no match gets precision 1 / (2^k * total), k counting such orders so far
   * (sacrebleu's "exp" smoothing, Chen and Cherry 2014 method 3).
   */
  public static double bleu(String answer, String reference) {
    List<String> a = tokens(answer);
    List<String> r = tokens(reference);
    if (a.isEmpty() || r.isEmpty()) {
      return 0;
    }
    double logSum = 0;
    int order = 0;
    double smooth = 1;
    for (int n = 1; n <= 4; n++) {
      int total = Math.max(0, a.size() - n + 1);
      if (total == 0) {
        break;
      }
      order = n;
      Map<String, Integer> ref = counts(ngrams(r, n));
      int correct = 0;
      for (Map.Entry<String, Integer> e : counts(ngrams(a, n)).entrySet()) {
        correct += Math.min(e.getValue(), ref.getOrDefault(e.getKey(), 0));
      }
      double precision;
      if (correct == 0) {
        smooth *= 2;
        precision = 1 / (smooth * total);
      } else {
        precision = (double) correct / total;
      }
      logSum += Math.log(precision);
    }
    double bp = a.size() < r.size() ? Math.exp(1 - (double) r.size() / a.size()) : 1;
    return bp * Math.exp(logSum / order);
  }

  /** Lower-cased runs of letters and digits (accents folded): the tokens of ROUGE-L and BLEU. */
  static List<String> tokens(String text) {
    String folded = Normalizer.normalize(text, Normalizer.Form.NFKD).replaceAll("\\p{M}+", "").toLowerCase(Locale.ROOT);
    List<String> out = new ArrayList<>();
    for (String t : NON_WORD.split(folded)) {
      if (!t.isEmpty()) {
        out.add(t);
      }
    }
    return out;
  }

  private static List<String> words(String normalized) {
    return normalized.isEmpty() ? List.of() : Arrays.asList(normalized.split(" "));
  }

  private static List<String> ngrams(List<String> tokens, int n) {
    List<String> out = new ArrayList<>();
    for (int i = 0; i + n <= tokens.size(); i++) {
      out.add(String.join("\u0000", tokens.subList(i, i + n)));
    }
    return out;
  }

  private static Map<String, Integer> counts(List<String> items) {
    Map<String, Integer> m = new HashMap<>();
    items.forEach(t -> m.merge(t, 1, Integer::sum));
    return m;
  }

  private static int lcs(List<String> a, List<String> b) {
    int[] prev = new int[b.size() + 1];
    int[] cur = new int[b.size() + 1];
    for (int i = 1; i <= a.size(); i++) {
      for (int j = 1; j <= b.size(); j++) {
        cur[j] = a.get(i - 1).equals(b.get(j - 1)) ? prev[j - 1] + 1 : Math.max(prev[j], cur[j - 1]);
      }
      int[] t = prev;
      prev = cur;
      cur = t;
    }
    return prev[b.size()];
  }
}
