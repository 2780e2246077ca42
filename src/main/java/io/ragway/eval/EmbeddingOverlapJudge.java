package io.ragway.eval;

import io.ragway.embed.EmbeddingModel;
import io.ragway.embed.Vectors;
import io.ragway.index.ContentWords;
import io.ragway.ingest.Sentences;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Ragas' four RAG metrics without a language model. Texts are cut into statements (sentences; one
 * of fewer than {@value #MIN_WORDS} content words, such as "Yes." or "1863.", is read after its
 * question, since alone it states nothing a passage could support). A statement's support by a
 * context is the larger of
 *
 * <ul>
 *   <li>the best cosine similarity between the statement and a sentence of the context, and
 *   <li>the share of the statement's content words (stemmed, stop words dropped) in the context;
 * </ul>
 *
 * and it is supported when that reaches the threshold. Then faithfulness is the share of the
 * answer's statements some context supports, context recall the share of the reference's, context
 * precision Ragas' rank-weighted average precision of the contexts that support some statement of
 * the reference, and answer relevancy the cosine similarity of question and answer (0 for an
 * abstention, which Ragas calls noncommittal).
 */
final class EmbeddingOverlapJudge implements Judge {

  static final int MIN_WORDS = 3;

  private final CachingEmbedder embedder;
  private final double threshold;

  EmbeddingOverlapJudge(EmbeddingModel embedder, double threshold) {
    if (!(threshold > 0 && threshold <= 1)) {
      throw new IllegalArgumentException("the support threshold must be in (0, 1], not " + threshold);
    }
    this.embedder = new CachingEmbedder(embedder, 50_000);
    this.threshold = threshold;
  }

  @Override
  public String name() {
    return "embeddings";
  }

  @Override
  public Verdicts judge(Sample s) {
    Map<String, Double> scores = new HashMap<>();
    List<Context> contexts = s.contexts().stream().map(this::context).toList();
    List<String> answerStatements = statements(s.answer(), s.question());
    if (!s.abstained() && !answerStatements.isEmpty() && !contexts.isEmpty()) {
      scores.put(FAITHFULNESS, supportedShare(answerStatements, contexts));
    }
    scores.put(ANSWER_RELEVANCY, s.abstained() || s.answer().isBlank() ? 0
        : Math.max(0, Vectors.dot(embedder.query(s.question()), embedder.document(s.answer()))));
    List<String> referenceStatements = statements(s.reference(), s.question());
    if (!referenceStatements.isEmpty()) {
      scores.put(CONTEXT_RECALL, contexts.isEmpty() ? 0 : supportedShare(referenceStatements, contexts));
      List<Boolean> useful = new ArrayList<>();
      for (Context c : contexts) {
        useful.add(referenceStatements.stream().anyMatch(st -> support(st, c) >= threshold));
      }
      scores.put(CONTEXT_PRECISION, averagePrecision(useful));
    }
    return new Verdicts(scores, List.of());
  }

  /**
   * Ragas' context precision: the mean of precision@k over the ranks k that hold a useful context;
   * 0 when none is useful.
   */
  static double averagePrecision(List<Boolean> useful) {
    double sum = 0;
    int hits = 0;
    for (int k = 0; k < useful.size(); k++) {
      if (useful.get(k)) {
        hits++;
        sum += (double) hits / (k + 1);
      }
    }
    return hits == 0 ? 0 : sum / hits;
  }

  /** The statements of {@code text}: its sentences, a short one read after the question. */
  static List<String> statements(String text, String question) {
    List<String> out = new ArrayList<>();
    for (Sentences.Span span : Sentences.split(text)) {
      String sentence = span.text().strip();
      if (sentence.isEmpty()) {
        continue;
      }
      out.add(ContentWords.of(sentence).size() < MIN_WORDS ? question.strip() + " " + sentence : sentence);
    }
    return out;
  }

  private record Context(List<String> sentences, Set<String> words) {}

  private Context context(String text) {
    List<String> sentences = Sentences.split(text).stream().map(sp -> sp.text().strip()).filter(t -> !t.isEmpty()).toList();
    return new Context(sentences, new HashSet<>(ContentWords.of(text)));
  }

  private double supportedShare(List<String> statements, List<Context> contexts) {
    long supported = statements.stream().filter(st -> contexts.stream().anyMatch(c -> support(st, c) >= threshold)).count();
    return (double) supported / statements.size();
  }

  /** max(best cosine with one of the context's sentences, share of the statement's content words in the context). */
  double support(String statement, Context context) {
    Set<String> words = new HashSet<>(ContentWords.of(statement));
    double lexical = words.isEmpty() ? 0 : (double) words.stream().filter(context.words()::contains).count() / words.size();
    if (lexical >= threshold || context.sentences().isEmpty()) {
      return lexical;
    }
    float[] v = embedder.document(statement);
    double semantic = 0;
    for (float[] c : embedder.documents(context.sentences())) {
      semantic = Math.max(semantic, Vectors.dot(v, c));
    }
    return Math.max(lexical, semantic);
  }
}
