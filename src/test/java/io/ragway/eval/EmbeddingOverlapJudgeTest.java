package io.ragway.eval;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.util.List;
import org.junit.jupiter.api.Test;

class EmbeddingOverlapJudgeTest {

  private static final double EPS = 1e-6;
  private static final String CONTEXT = "Paris is the capital of France. The Seine flows through it.";

  @Test
  void faithfulnessIsTheShareOfAnswerStatementsAContextSupports() {
    FixedVectors v = new FixedVectors();
    Judge judge = Judge.embeddings(v, 0.8);
    // statement 1: all its content words (pari, capit, franc) are in the context; statement 2: none, and its vector is its own
    var verdicts = judge.judge(new Judge.Sample("Where is Paris?", "Paris is the capital of France. The moon is made of cheese.", false,
        "Paris is in France.", List.of(CONTEXT)));
    assertEquals(0.5, verdicts.scores().get(Judge.FAITHFULNESS), EPS);
  }

  @Test
  void aParaphraseIsSupportedThroughItsEmbedding() {
    // content words french, capit, pari: 2 of 3 in the context (0.67 < 0.8); cosine with the first sentence 0.9
    FixedVectors v = new FixedVectors().document("Paris is the capital of France.", 1, 0)
        .document("The French capital is Paris.", 0.9f, (float) Math.sqrt(1 - 0.81));
    Judge judge = Judge.embeddings(v, 0.8);
    var s = new Judge.Sample("What is the capital of France?", "The French capital is Paris.", false,
        "The French capital is Paris.", List.of(CONTEXT));
    assertEquals(1, judge.judge(s).scores().get(Judge.FAITHFULNESS), EPS);
    assertEquals(1, judge.judge(s).scores().get(Judge.CONTEXT_RECALL), EPS);
    // below the threshold the same paraphrase is not supported
    FixedVectors weak = new FixedVectors().document("Paris is the capital of France.", 1, 0)
        .document("The French capital is Paris.", 0.7f, (float) Math.sqrt(1 - 0.49));
    assertEquals(0, Judge.embeddings(weak, 0.8).judge(s).scores().get(Judge.FAITHFULNESS), EPS);
  }

  @Test
  void answerRelevancyIsTheCosineOfQuestionAndAnswerAndZeroForAnAbstention() {
    FixedVectors v = new FixedVectors().query("Where is Paris?", 0.6f, 0.8f).document("Paris is in France.", 1, 0);
    Judge judge = Judge.embeddings(v, 0.8);
    assertEquals(0.6, judge.judge(new Judge.Sample("Where is Paris?", "Paris is in France.", false, "France",
        List.of(CONTEXT))).scores().get(Judge.ANSWER_RELEVANCY), EPS);
    var abstained = judge.judge(new Judge.Sample("Where is Paris?", "I could not find this in the documents.", true, "France",
        List.of(CONTEXT)));
    assertEquals(0, abstained.scores().get(Judge.ANSWER_RELEVANCY), EPS);
    assertFalse(abstained.scores().containsKey(Judge.FAITHFULNESS), "an abstention claims nothing to be faithful to");
  }

  @Test
  void contextPrecisionWeighsUsefulContextsByRank() {
    // reference "yes" is read with its question: pari, capit, franc, ye -> 3 of 4 words in the Paris context only
    Judge judge = Judge.embeddings(new FixedVectors(), 0.75);
    var verdicts = judge.judge(new Judge.Sample("Is Paris the capital of France?", "Yes.", false, "yes",
        List.of("Berlin is in Germany.", CONTEXT, "Rome is in Italy.", CONTEXT + " Also the Louvre.")));
    // useful at ranks 2 and 4: (1/2 + 2/4) / 2
    assertEquals(0.5, verdicts.scores().get(Judge.CONTEXT_PRECISION), EPS);
    assertEquals(1, verdicts.scores().get(Judge.CONTEXT_RECALL), EPS);
    assertEquals(1, verdicts.scores().get(Judge.FAITHFULNESS), EPS);
  }

  @Test
  void contextRecallIsTheShareOfReferenceStatementsSupported() {
    Judge judge = Judge.embeddings(new FixedVectors(), 0.8);
    var verdicts = judge.judge(new Judge.Sample("Tell me about Paris.", "Paris.", false,
        "Paris is the capital of France. Paris hosts the Olympic games in 2024.", List.of(CONTEXT)));
    assertEquals(0.5, verdicts.scores().get(Judge.CONTEXT_RECALL), EPS);
    assertEquals(1, verdicts.scores().get(Judge.CONTEXT_PRECISION), EPS);
  }

  @Test
  void averagePrecisionFollowsRagas() {
    assertEquals((1 + 2.0 / 3) / 2, EmbeddingOverlapJudge.averagePrecision(List.of(true, false, true)), EPS);
    assertEquals(0, EmbeddingOverlapJudge.averagePrecision(List.of(false, false)), EPS);
    assertEquals(1.0 / 3, EmbeddingOverlapJudge.averagePrecision(List.of(false, false, true)), EPS);
  }

  @Test
  void shortSentencesAreReadAfterTheirQuestion() {
    assertEquals(List.of("Brazil grows most of the coffee.", "Is coffee grown there? Yes."),
        EmbeddingOverlapJudge.statements("Brazil grows most of the coffee. Yes.", "Is coffee grown there?"));
  }

  @Test
  void noContextsMeanNothingRecalled() {
    var verdicts = Judge.embeddings(new FixedVectors(), 0.8).judge(new Judge.Sample("q?", "An answer here.", false,
        "The reference says something.", List.of()));
    assertEquals(0, verdicts.scores().get(Judge.CONTEXT_RECALL), EPS);
    assertEquals(0, verdicts.scores().get(Judge.CONTEXT_PRECISION), EPS);
    assertFalse(verdicts.scores().containsKey(Judge.FAITHFULNESS));
  }

  @Test
  void refusesAThresholdOutsideTheUnitInterval() {
    assertThrows(IllegalArgumentException.class, () -> Judge.embeddings(new FixedVectors(), 0));
    assertThrows(IllegalArgumentException.class, () -> Judge.embeddings(new FixedVectors(), 1.5));
  }
}
