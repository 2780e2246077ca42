package io.ragway.eval;

import io.ragway.embed.EmbeddingModel;
import io.ragway.llm.Router;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * Scores how an answer relates to its question, contexts and reference: faithfulness, answer
 * relevancy, context precision and context recall, each in [0, 1]. A score a judge could not give
 * (nothing to judge, or a judge model that answered nonsense) is left out and its failure listed.
 */
public interface Judge {

  String FAITHFULNESS = "faithfulness";
  String ANSWER_RELEVANCY = "answer_relevancy";
  String CONTEXT_PRECISION = "context_precision";
  String CONTEXT_RECALL = "context_recall";

  /** What scores them ("embeddings", or "llm:" and the judge model). */
  String name();

  Verdicts judge(Sample sample);

  /**
   * One answer to judge.
   *
   * @param answer the answer without its citation markers
   * @param abstained whether the answer says the documents do not hold one
   * @param contexts the passages the answer came from (or that were retrieved for it), best first
   */
  record Sample(String question, String answer, boolean abstained, String reference, List<String> contexts) {
    public Sample {
      Objects.requireNonNull(question, "question");
      Objects.requireNonNull(answer, "answer");
      Objects.requireNonNull(reference, "reference");
      contexts = List.copyOf(contexts);
    }
  }

  /** A judge could not score {@code metric}: {@code kind} is "parse" (a malformed judge answer) or "upstream". */
  record Failure(String metric, String kind, String message) {}

  /** The scores given, by metric name, and the failures. */
  record Verdicts(Map<String, Double> scores, List<Failure> failures) {
    public Verdicts {
      scores = Map.copyOf(scores);
      failures = List.copyOf(failures);
    }
  }

  /**
   * Judges with embeddings and word overlap, no language model.
   *
   * @param threshold the support a statement needs to count as supported, in (0, 1]
   */
  static Judge embeddings(EmbeddingModel embedder, double threshold) {
    return new EmbeddingOverlapJudge(embedder, threshold);
  }

  /** Judges with an upstream model of the router, Ragas-style prompts; answer relevancy also uses the embedder. */
  static Judge llm(Router router, String model, EmbeddingModel embedder) {
    return new PromptedJudge(router, model, embedder);
  }
}
