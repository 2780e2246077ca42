package io.ragway.guard;

import io.ragway.embed.EmbeddingModel;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;

/**
 * Scores how likely a text is a prompt injection or jailbreak, from 0 to 1: the higher of the
 * known-pattern rules ({@link InjectionRules}) and the learned model ({@link InjectionModel}).
 * The model ships in the jar (trained by {@code ragway guard train}); the vector half is used
 * when the local embedding model it was trained with is at hand.
 */
public final class InjectionDetector {

  /** The bundled model, as {@code ragway guard train} writes it into the source tree. */
  public static final String BUNDLED = "/io/ragway/guard/injection-model.bin.gz";
  /** Texts longer than this are embedded by their head and tail only, to bound the check's time. */
  static final int EMBED_CHARS = 1000;
  /** Below this n-gram probability a text is benign without asking the embedding. */
  static final double UNSURE_BELOW = 0.15;
  /** Above this n-gram probability, or rule score, a text is an attack without asking the embedding. */
  static final double UNSURE_ABOVE = 0.85;

  /**
   * A score and what gave it.
   *
   * @param score the higher of the rule's and the model's score
   * @param rule the family of the rule that matched ({@code override}, {@code base64:jailbreak}...)
   * @param match the text the rule matched
   * @param model the model's probability
   */
  public record Detection(double score, Optional<String> rule, Optional<String> match, double model) {

    /** What decided the score: the rule's family, or {@code model}. */
    public String reason() {
      return rule.filter(r -> score > model).orElse("model");
    }
  }

  /** When the vector half is asked. */
  public enum Vectors {
    /** For every text: the best scores, milliseconds per check. */
    ALWAYS,
    /** Only when the rules and the n-gram half are unsure (the default). */
    UNSURE,
    /** Never: the rules and the n-gram half alone, no embedding model needed. */
    NEVER
  }

  private final InjectionModel model;
  private final EmbeddingModel embedder; // null: the n-gram half decides alone
  private final Vectors vectors;

  private InjectionDetector(InjectionModel model, EmbeddingModel embedder, Vectors vectors) {
    this.model = model;
    this.embedder = vectors == Vectors.NEVER ? null : embedder;
    this.vectors = embedder == null ? Vectors.NEVER : vectors;
  }

  /** This detector asking the vector half as {@code vectors} says. */
  public InjectionDetector withVectors(Vectors vectors) {
    return new InjectionDetector(model, embedder, Objects.requireNonNull(vectors, "vectors"));
  }

  /** The bundled model; {@code embedder} feeds its vector half when it is the model it was trained with. */
  public static InjectionDetector bundled(Optional<EmbeddingModel> embedder) {
    try (InputStream in = InjectionDetector.class.getResourceAsStream(BUNDLED)) {
      if (in == null) {
        throw new IllegalStateException("the injection model " + BUNDLED + " is not in the jar; run ragway guard train");
      }
      return of(InjectionModel.read(in, BUNDLED), embedder);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /** A model file written by {@link #train}. */
  public static InjectionDetector load(Path file, Optional<EmbeddingModel> embedder) throws IOException {
    try (InputStream in = Files.newInputStream(file)) {
      return of(InjectionModel.read(in, file.toString()), embedder);
    }
  }

  private static InjectionDetector of(InjectionModel model, Optional<EmbeddingModel> embedder) {
    EmbeddingModel e = embedder.filter(m -> model.readsVectorsOf(m.id(), m.dimension())).orElse(null);
    return new InjectionDetector(model, e, Vectors.UNSURE);
  }

  /**
   * Trains a model on {@code rows} (with vectors from {@code embedder} when given) and writes it to
   * {@code out}; returns the detector that uses it.
   */
  public static InjectionDetector train(List<LabelledText> rows, Optional<EmbeddingModel> embedder, OutputStream out)
      throws IOException {
    List<float[]> vectors = null;
    if (embedder.isPresent()) {
      List<String> texts = new ArrayList<>(rows.size());
      rows.forEach(r -> texts.add(embeddable(r.text())));
      vectors = embedder.get().embedDocuments(texts);
    }
    InjectionModel model = InjectionTrainer.fit(rows, vectors, embedder.map(EmbeddingModel::id).orElse(""));
    model.write(out);
    return new InjectionDetector(model, embedder.orElse(null), Vectors.UNSURE);
  }

  /** Whether the vector half is in use. */
  public boolean usesVectors() {
    return embedder != null;
  }

  /**
   * Scores one text. A cascade keeps the check fast: the rules and the n-gram half run on every
   * text (well under a millisecond for a question); the embedding, which costs milliseconds, only
   * when neither is sure: no rule decided and the n-gram probability lies between
   * {@link #UNSURE_BELOW} and {@link #UNSURE_ABOVE}.
   */
  public Detection scan(String text) {
    Objects.requireNonNull(text, "text");
    String normalized = Normalizer.normalize(text); // once, for both the rules and the model
    Optional<InjectionRules.Hit> hit = InjectionRules.scan(text, normalized);
    double rule = hit.map(InjectionRules.Hit::score).orElse(0.0);
    Map<Integer, Float> features = InjectionModel.normalizedFeatures(normalized);
    double p = model.probability(features, null);
    boolean unsure = rule < UNSURE_ABOVE && p > UNSURE_BELOW && p < UNSURE_ABOVE;
    if (embedder != null && !text.isBlank() && (vectors == Vectors.ALWAYS || unsure)) {
      p = model.probability(features, embedder.embedDocuments(List.of(embeddable(text))).get(0));
    }
    double score = Math.max(p, rule);
    return new Detection(score, hit.map(InjectionRules.Hit::family), hit.map(InjectionRules.Hit::match), p);
  }

  /**
   * Scores a passage of a document (a retrieved chunk) with the rules alone. The learned model was
   * trained on chat messages and reads ordinary prose as instructions: it flags about half of the
   * SciFact and Wikipedia passages, where the rules flag fewer than one in a thousand.
   */
  public Detection scanPassage(String text) {
    return InjectionRules.scanPassage(Objects.requireNonNull(text, "text"));
  }

  /** The head and tail of a long text: attacks sit at either end of what they ride on. */
  private static String embeddable(String text) {
    if (text.length() <= EMBED_CHARS) {
      return text;
    }
    return text.substring(0, EMBED_CHARS / 2) + " … " + text.substring(text.length() - EMBED_CHARS / 2);
  }

  @Override
  public String toString() {
    return model + (embedder == null ? " (rules and n-grams only)" : " (rules, n-grams and, " + (vectors == Vectors.ALWAYS
        ? "always" : "when unsure") + ", vectors)");
  }
}
