package io.ragway.llm;

/**
 * Settings of the built-in extractive answerer.
 *
 * @param maxSentences most sentences in an answer
 * @param abstainThreshold the answerer abstains when its best sentence scores below this
 * @param semanticWeight weight of the sentence's embedding similarity to the question
 * @param lexicalWeight weight of the share of the question's (IDF-weighted) content words it contains
 * @param rankPenalty subtracted per rank of the sentence's source below the first
 * @param margin sentences scoring more than this below the best one are left out
 */
public record ExtractiveConfig(int maxSentences, double abstainThreshold, double semanticWeight, double lexicalWeight,
    double rankPenalty, double margin) {

  /*
   * Calibrated on the CMU Wikipedia QA set: 200 questions, each paired with the three best
   * paragraphs of its own article (should answer) and of another article (should abstain); the
   * threshold maximising balanced accuracy on half the cases scored 0.929 on the other half
   * (abstains on 3.9% of answerable, answers 10.3% of unanswerable). Reproduce with
   *   mvn -q test-compile && java -cp "target/classes:target/test-classes:target/lib/*" \
   *     io.ragway.llm.CalibrateExtractive ../shared/data/cmu-wikipedia-qa 200 7
   */
  static final double CALIBRATED_THRESHOLD = 0.46;

  public ExtractiveConfig {
    if (maxSentences < 1 || maxSentences > 20) {
      throw new IllegalArgumentException("answer.max_sentences must be in [1, 20], got " + maxSentences);
    }
    if (semanticWeight < 0 || lexicalWeight < 0 || semanticWeight + lexicalWeight == 0) {
      throw new IllegalArgumentException("answer weights must be >= 0 and not both 0");
    }
    if (rankPenalty < 0 || margin < 0) {
      throw new IllegalArgumentException("rank penalty and margin must be >= 0");
    }
  }

  public static ExtractiveConfig defaults() {
    return new ExtractiveConfig(3, CALIBRATED_THRESHOLD, 0.7, 0.3, 0.01, 0.08);
  }

  public ExtractiveConfig withMaxSentences(int n) {
    return new ExtractiveConfig(n, abstainThreshold, semanticWeight, lexicalWeight, rankPenalty, margin);
  }

  public ExtractiveConfig withAbstainThreshold(double t) {
    return new ExtractiveConfig(maxSentences, t, semanticWeight, lexicalWeight, rankPenalty, margin);
  }
}
