package io.ragway.rollout;

import java.util.HashMap;
import java.util.Locale;
import java.util.Map;

/** Token F1 of two answers: lower-cased words, citation markers left out, as SQuAD scores answers. */
final class TokenOverlap {

  private TokenOverlap() {}

  static double f1(String a, String b) {
    Map<String, Integer> left = tokens(a);
    Map<String, Integer> right = tokens(b);
    int na = left.values().stream().mapToInt(Integer::intValue).sum();
    int nb = right.values().stream().mapToInt(Integer::intValue).sum();
    if (na == 0 || nb == 0) {
      return na == nb ? 1 : 0;
    }
    int common = 0;
    for (var e : left.entrySet()) {
      common += Math.min(e.getValue(), right.getOrDefault(e.getKey(), 0));
    }
    if (common == 0) {
      return 0;
    }
    double precision = (double) common / na;
    double recall = (double) common / nb;
    return 2 * precision * recall / (precision + recall);
  }

  private static Map<String, Integer> tokens(String s) {
    Map<String, Integer> out = new HashMap<>();
    for (String t : s.replaceAll("\\[\\d+]", " ").toLowerCase(Locale.ROOT).split("[^\\p{L}\\p{N}]+")) {
      if (!t.isEmpty()) {
        out.merge(t, 1, Integer::sum);
      }
    }
    return out;
  }
}
