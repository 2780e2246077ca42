package io.ragway.guard;

import java.lang.reflect.Method;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;

/**
 * Person names and locations, found by Stanford NER's English CRF model (three classes, trained
 * on CoNLL, MUC and ACE news text). Stanford CoreNLP is GPL-3.0, so it is not in ragway's default
 * build: it is on the class path only in a build made with the {@code ner} Maven profile
 * ({@code RAGWAY_NER=on ./ragway ...}), and it is reached by reflection so that the default build
 * neither compiles nor links against it.
 */
public final class NamedEntities {

  static final String CLASSIFIER = "edu.stanford.nlp.ie.crf.CRFClassifier";
  static final String MODEL = "edu/stanford/nlp/models/ner/english.all.3class.distsim.crf.ser.gz";
  /** What a user is told when a policy asks for names in a build without the model. */
  public static final String MISSING = "PII types PERSON and LOCATION need the named-entity model (Stanford NER, "
      + "GPL-3.0), which is not in this build: rebuild with the ner profile (RAGWAY_NER=on ./ragway ..., "
      + "or mvn -Pner package); see docs/guard.md";

  private final Object classifier;
  private final Method classify;
  private final Method first;
  private final Method second;
  private final Method third;

  private NamedEntities(Object classifier, Method classify, Method first, Method second, Method third) {
    this.classifier = classifier;
    this.classify = classify;
    this.first = first;
    this.second = second;
    this.third = third;
  }

  /** Whether this build has the model on its class path; loads nothing. */
  public static boolean available() {
    return available(NamedEntities.class.getClassLoader());
  }

  static boolean available(ClassLoader loader) {
    try {
      Class.forName(CLASSIFIER, false, loader);
    } catch (ClassNotFoundException e) {
      return false;
    }
    return loader.getResource(MODEL) != null;
  }

  /** Whether any of {@code types} needs the model. */
  public static boolean needed(Set<PiiType> types) {
    return types.contains(PiiType.PERSON) || types.contains(PiiType.LOCATION);
  }

  /**
   * The model, loaded on first use (about 2 s and 300 MB of heap) and shared: classifying is safe
   * from many threads.
   *
   * @throws IllegalStateException when this build does not have it
   */
  public static NamedEntities shared() {
    if (!available()) {
      throw new IllegalStateException(MISSING);
    }
    return Holder.INSTANCE;
  }

  private static final class Holder {
    static final NamedEntities INSTANCE = load();
  }

  private static NamedEntities load() {
    try {
      Class<?> crf = Class.forName(CLASSIFIER, true, NamedEntities.class.getClassLoader());
      Object classifier = crf.getMethod("getClassifier", String.class).invoke(null, MODEL);
      Method classify = crf.getMethod("classifyToCharacterOffsets", String.class);
      Class<?> triple = Class.forName("edu.stanford.nlp.util.Triple", true, crf.getClassLoader());
      return new NamedEntities(classifier, classify, triple.getMethod("first"), triple.getMethod("second"),
          triple.getMethod("third"));
    } catch (ReflectiveOperationException e) {
      throw new IllegalStateException("could not load the named-entity model " + MODEL + ": " + e, e);
    }
  }

  /**
   * The person names and locations in {@code text} that {@code types} asks for, in text order.
   * Each line is classified on its own: in forms, signatures and addresses a line break ends a
   * field, and a name never runs on into the next line's label.
   */
  public List<PiiSpan> find(String text, Set<PiiType> types) {
    List<PiiSpan> found = new ArrayList<>();
    int from = 0;
    while (from < text.length()) {
      int end = text.indexOf('\n', from);
      end = end < 0 ? text.length() : end;
      if (!text.substring(from, end).isBlank()) {
        classify(text, from, end, types, found);
      }
      from = end + 1;
    }
    return found;
  }

  private void classify(String text, int from, int to, Set<PiiType> types, List<PiiSpan> found) {
    try {
      for (Object entity : (List<?>) classify.invoke(classifier, text.substring(from, to))) {
        PiiType type = switch ((String) first.invoke(entity)) {
          case "PERSON" -> PiiType.PERSON;
          case "LOCATION" -> PiiType.LOCATION;
          default -> null;
        };
        int start = from + (Integer) second.invoke(entity);
        int end = from + (Integer) third.invoke(entity);
        if (type != null && types.contains(type) && end > start) {
          found.add(new PiiSpan(type, start, end, text.substring(start, end)));
        }
      }
    } catch (ReflectiveOperationException e) {
      throw new IllegalStateException("the named-entity model failed: " + e.getCause(), e);
    }
  }
}
