package io.ragway.eval;

import io.ragway.embed.EmbeddingModel;
import io.ragway.embed.Vectors;
import io.ragway.eval.AnswerDataset.AnswerRow;
import io.ragway.llm.ChatModels;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.OptionalDouble;
import java.util.function.Function;
import java.util.function.IntConsumer;
import java.util.function.LongSupplier;
import java.util.regex.Pattern;

/**
 * Answers and scores every row of a data set, in four steps per row:
 *
 * <ol>
 *   <li>take the row's recorded answer, or have the generator write one (timed);
 *   <li>take the contexts: those the generated answer came from, else the row's own, else those
 *       retrieved for the question;
 *   <li>score the answer against the reference with words ({@link TextMetrics}) and with
 *       embeddings (cosine similarity);
 *   <li>have the judge score faithfulness, answer relevancy and context precision and recall.
 * </ol>
 */
public final class AnswerEvaluation {

  public static final String EXACT_MATCH = "exact_match";
  public static final String F1 = "f1";
  public static final String ROUGE_L = "rouge_l";
  public static final String BLEU = "bleu";
  public static final String EMBEDDING_SIMILARITY = "embedding_similarity";

  /** Every metric, in the order reports show them. */
  public static final List<String> METRICS = List.of(EXACT_MATCH, F1, ROUGE_L, BLEU, EMBEDDING_SIMILARITY,
      Judge.FAITHFULNESS, Judge.ANSWER_RELEVANCY, Judge.CONTEXT_PRECISION, Judge.CONTEXT_RECALL);

  private static final Pattern CITATIONS = Pattern.compile("\\s*\\[\\d{1,3}(?:\\s*,\\s*\\d{1,3})*]");

  /** Writes the answer to a question. */
  @FunctionalInterface
  public interface Generator {
    Generated generate(String question);
  }

  /**
   * A written answer.
   *
   * @param contexts the texts of the passages it was written from, best first
   */
  public record Generated(String answer, List<String> contexts, boolean abstained) {
    public Generated {
      Objects.requireNonNull(answer, "answer");
      contexts = List.copyOf(contexts);
    }
  }

  /**
   * The scores of one row.
   *
   * @param answer the answer scored, citation markers removed
   * @param latencyMs how long writing the answer took; empty for a recorded answer
   * @param scores by metric name; a metric that could not be scored is absent
   */
  public record Result(AnswerRow row, String answer, List<String> contexts, boolean abstained, OptionalDouble latencyMs,
      Map<String, Double> scores, List<Judge.Failure> failures) {
    public Result {
      contexts = List.copyOf(contexts);
      scores = Map.copyOf(scores);
      failures = List.copyOf(failures);
    }
  }

  private final Generator generator;
  private final Function<String, List<String>> retrieve;
  private final CachingEmbedder embedder;
  private final Judge judge;
  private final LongSupplier nanoTime;

  /**
   * @param retrieve the context texts for a question, best first (for recorded answers without contexts)
   * @param nanoTime the clock that times answers ({@code System::nanoTime})
   */
  public AnswerEvaluation(Generator generator, Function<String, List<String>> retrieve, EmbeddingModel embedder,
      Judge judge, LongSupplier nanoTime) {
    this.generator = Objects.requireNonNull(generator, "generator");
    this.retrieve = Objects.requireNonNull(retrieve, "retrieve");
    this.embedder = new CachingEmbedder(embedder, 10_000);
    this.judge = Objects.requireNonNull(judge, "judge");
    this.nanoTime = Objects.requireNonNull(nanoTime, "nanoTime");
  }

  /** Scores every row; {@code progress} hears how many are done. */
  public List<Result> run(List<AnswerRow> rows, IntConsumer progress) {
    List<Result> out = new ArrayList<>(rows.size());
    for (AnswerRow row : rows) {
      out.add(score(row));
      progress.accept(out.size());
    }
    return out;
  }

  Result score(AnswerRow row) {
    String answer;
    List<String> contexts;
    boolean abstained;
    OptionalDouble latency = OptionalDouble.empty();
    if (row.recordedAnswer().isPresent()) {
      answer = row.recordedAnswer().get();
      abstained = answer.strip().startsWith(ChatModels.ABSTENTION);
      contexts = row.contexts().isEmpty() ? retrieve.apply(row.question()) : row.contexts();
    } else {
      long t0 = nanoTime.getAsLong();
      Generated g = generator.generate(row.question());
      latency = OptionalDouble.of((nanoTime.getAsLong() - t0) / 1e6);
      answer = g.answer();
      abstained = g.abstained();
      contexts = g.contexts();
    }
    String clean = withoutCitations(answer);
    Map<String, Double> scores = new LinkedHashMap<>();
    // an abstention answers nothing: 0 against the reference, not the overlap of "I could not find..." with it
    boolean none = abstained || clean.isBlank();
    scores.put(EXACT_MATCH, none ? 0 : TextMetrics.exactMatch(clean, row.reference()));
    scores.put(F1, none ? 0 : TextMetrics.f1(clean, row.reference()));
    scores.put(ROUGE_L, none ? 0 : TextMetrics.rougeL(clean, row.reference()));
    scores.put(BLEU, none ? 0 : TextMetrics.bleu(clean, row.reference()));
    scores.put(EMBEDDING_SIMILARITY, none ? 0
        : Math.max(0, Vectors.dot(embedder.document(clean), embedder.document(row.reference()))));
    Judge.Verdicts v = judge.judge(new Judge.Sample(row.question(), clean, abstained, row.reference(), contexts));
    scores.putAll(v.scores());
    return new Result(row, clean, contexts, abstained, latency, scores, v.failures());
  }

  /** The answer without its {@code [n]} citation markers. */
  static String withoutCitations(String answer) {
    return CITATIONS.matcher(answer).replaceAll("").strip();
  }
}
