package io.ragway.eval;

import static org.junit.jupiter.api.Assertions.assertEquals;

import org.junit.jupiter.api.Test;

class TextMetricsTest {

  private static final double EPS = 1e-6;

  @Test
  void normalizesAsSquadDoes() {
    assertEquals("brazil largest producer", TextMetrics.normalize("The  Brazil, the largest producer!"));
    assertEquals("rock n roll", TextMetrics.normalize("Rock 'n' Roll"));
  }

  @Test
  void exactMatchIgnoresCaseArticlesAndPunctuation() {
    assertEquals(1, TextMetrics.exactMatch("The Brazil!", "brazil"));
    assertEquals(0, TextMetrics.exactMatch("Brazil is", "Brazil"));
  }

  @Test
  void f1CountsCommonTokensAsAMultiset() {
    // "brazil is largest producer" vs "brazil": P = 1/4, R = 1 -> 2 * 0.25 / 1.25
    assertEquals(0.4, TextMetrics.f1("Brazil is the largest producer", "Brazil"), EPS);
    // cat, mat (the reference has one mat): P = 2/4, R = 2/3
    assertEquals(4.0 / 7, TextMetrics.f1("cat sat mat mat", "mat cat dog"), EPS);
    assertEquals(0, TextMetrics.f1("yes", "no"), EPS);
    assertEquals(0, TextMetrics.f1("", "no"), EPS);
  }

  @Test
  void rougeLIsTheF1OfTheLongestCommonSubsequence() {
    // LCS "the cat on the mat" = 5 of 6 both ways
    assertEquals(5.0 / 6, TextMetrics.rougeL("the cat sat on the mat", "The cat lay on the mat."), EPS);
    // police ... the gunman: 3 of 4
    assertEquals(0.75, TextMetrics.rougeL("police killed the gunman", "police kill the gunman"), EPS);
    assertEquals(0, TextMetrics.rougeL("", "x"), EPS);
  }

  @Test
  void bleuSmoothsAnOrderWithoutMatchesByHalving() {
    // p1 5/6, p2 3/5, p3 1/4, p4 no match of 3 -> 1 / (2 * 3); equal lengths, no brevity penalty
    double expected = Math.pow(5.0 / 6 * 3.0 / 5 * 1.0 / 4 * 1.0 / 6, 0.25);
    assertEquals(expected, TextMetrics.bleu("the cat sat on the mat", "the cat lay on the mat"), EPS);
    assertEquals(0.379918, expected, 1e-6);
  }

  @Test
  void bleuUsesTheEffectiveOrderAndTheBrevityPenalty() {
    // two tokens: orders 1 and 2 only; p1 = 2/2, p2 = 0/1 -> 1/2; BP = exp(1 - 3/2)
    assertEquals(Math.sqrt(0.5) * Math.exp(-0.5), TextMetrics.bleu("coffee Brazil", "Brazil coffee beans"), EPS);
    assertEquals(1, TextMetrics.bleu("Brazil", "brazil"), EPS);
    assertEquals(1, TextMetrics.bleu("the cat sat on the mat", "The cat sat on the mat."), EPS);
  }
}
