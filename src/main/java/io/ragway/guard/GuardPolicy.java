package io.ragway.guard;

import java.util.EnumSet;
import java.util.List;
import java.util.Locale;
import java.util.Objects;
import java.util.Set;

/**
 * What the guard does for one tenant. Policies carry a version, written into every decision so a
 * logged decision can be traced to the rules that made it.
 *
 * @param version the policy's version, as the operator names it
 * @param injection what a user message that scores {@code injectionThreshold} or more gets
 * @param vectors when the injection model's vector half is asked
 * @param pii what personal data in user messages gets
 * @param piiTypes the kinds of personal data looked for
 * @param outputPii what personal data in answers gets (OFF, REDACT, MASK or BLOCK)
 * @param deniedTerms words or phrases an answer must not contain (case-insensitive, whole words);
 *     an answer that does is withheld with {@code finish_reason: content_filter}
 * @param json what an answer that is not the JSON its request's {@code response_format} asks for gets
 * @param retrieved what a retrieved passage that reads as an injection (scored by the rules at
 *     {@code injectionThreshold} or more) gets before it reaches a model
 * @param groundedness what an answer sentence its cited sources do not support gets
 * @param groundednessThreshold the share of a sentence's content words its sources must hold
 */
public record GuardPolicy(String version, Action injection, double injectionThreshold, InjectionDetector.Vectors vectors,
    PiiMode pii, Set<PiiType> piiTypes, PiiMode outputPii, List<String> deniedTerms, JsonMode json, Passages retrieved,
    Grounding groundedness, double groundednessThreshold) {

  /** What a check's finding leads to. */
  public enum Action {
    /** The request is refused: 400 {@code content_policy_violation}. */
    BLOCK,
    /** The request goes on; the finding is logged and named in {@code x-ragway-guard}. */
    FLAG,
    /** The check runs and is logged, nothing else. */
    ALLOW;

    public static Action parse(String s) {
      return valueOf(s.strip().toUpperCase(Locale.ROOT));
    }
  }

  /** What a retrieved passage that reads as an injection gets. */
  public enum Passages {
    /** Left out of the sources the model sees. */
    DROP,
    /** Kept; the finding is logged. */
    FLAG,
    /** Not checked. */
    OFF;

    public static Passages parse(String s) {
      return valueOf(s.strip().toUpperCase(Locale.ROOT));
    }
  }

  /** What an answer sentence its sources do not support gets (answers of the {@code rag} models). */
  public enum Grounding {
    /** Not checked. */
    OFF,
    /** Kept; logged, named in {@code x-ragway-guard} and listed in the message's {@code unsupported}. */
    FLAG,
    /** Removed from the answer (a stream holds each sentence back until it is judged). */
    REMOVE;

    public static Grounding parse(String s) {
      return valueOf(s.strip().toUpperCase(Locale.ROOT));
    }
  }

  /** What an answer that is not the JSON its request asked for gets ({@link JsonOutputCheck}). */
  public enum JsonMode {
    /** Not checked. */
    OFF,
    /** Returned as it is, the finding logged and named in {@code x-ragway-guard}. */
    FLAG,
    /** Replaced by an error: 502 {@code invalid_json_output}, or an error event ending a stream. */
    BLOCK;

    public static JsonMode parse(String s) {
      return valueOf(s.strip().toUpperCase(Locale.ROOT));
    }
  }

  public GuardPolicy {
    if (version == null || version.isBlank()) {
      throw new IllegalArgumentException("a guard policy needs a version");
    }
    Objects.requireNonNull(injection, "injection");
    if (!(injectionThreshold > 0 && injectionThreshold <= 1)) {
      throw new IllegalArgumentException("injection threshold must be in (0, 1], not " + injectionThreshold);
    }
    Objects.requireNonNull(vectors, "vectors");
    Objects.requireNonNull(pii, "pii");
    piiTypes = piiTypes == null || piiTypes.isEmpty() ? PiiType.patterns() : EnumSet.copyOf(piiTypes);
    Objects.requireNonNull(outputPii, "outputPii");
    if ((pii != PiiMode.OFF || outputPii != PiiMode.OFF) && NamedEntities.needed(piiTypes)
        && !NamedEntities.available()) {
      throw new IllegalArgumentException(NamedEntities.MISSING);
    }
    if (outputPii == PiiMode.PSEUDONYMISE) {
      throw new IllegalArgumentException("output PII can be off, redact, mask or block; pseudonymise applies to input");
    }
    deniedTerms = deniedTerms == null ? List.of() : List.copyOf(deniedTerms);
    Objects.requireNonNull(json, "json");
    Objects.requireNonNull(retrieved, "retrieved");
    Objects.requireNonNull(groundedness, "groundedness");
    if (!(groundednessThreshold > 0 && groundednessThreshold <= 1)) {
      throw new IllegalArgumentException("groundedness threshold must be in (0, 1], not " + groundednessThreshold);
    }
  }

  /**
   * The default: block likely injections and answers that are not the JSON asked for, drop
   * retrieved passages that read as an injection, flag answer sentences their sources do not
   * support, leave PII alone.
   */
  public static GuardPolicy defaults() {
    return new GuardPolicy("default-1", Action.BLOCK, 0.5, InjectionDetector.Vectors.NEVER, PiiMode.OFF,
        PiiType.patterns(), PiiMode.OFF, List.of(), JsonMode.BLOCK, Passages.DROP,
        Grounding.FLAG, 0.5);
  }
}
