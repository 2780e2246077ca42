package io.ragway.guard;

import io.ragway.index.ContentWords;
import io.ragway.ingest.Sentences;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Whether each sentence of an answer is supported by the sources it cites.
 *
 * <p>A sentence's support is the share of its content words (English stop words dropped, Porter
 * stemmed, numbers kept) found in the text of the sources it cites with {@code [n]}; a sentence that
 * cites none is held against every source the answer cites. It is a lexical test, made without a
 * model: it catches claims whose words the sources do not hold (invented facts, other numbers,
 * other names) and passes paraphrases only as far as they keep the sources' words. Sentences of
 * fewer than {@value #MIN_WORDS} content words ("Yes.") are not judged.
 */
public final class Groundedness {

  /** One sentence of an answer and how well its sources support it. */
  public record Verdict(int start, int end, String sentence, List<Integer> cites, double support, boolean supported) {}

  static final int MIN_WORDS = 3;
  private static final Pattern CITATION = Pattern.compile("\\[(\\d{1,3})(?:\\s*,\\s*(\\d{1,3}))*]");
  private static final Pattern LEADING_CITATIONS = Pattern.compile("^(?:\\s*" + CITATION.pattern() + ")+");
  /** Markers after a sentence's final punctuation, then white space: the sentence ends after them. */
  private static final Pattern CLOSING_MARKERS = Pattern.compile("[.!?][\"')\\]]*((?:\\s*" + CITATION.pattern() + ")+)\\s");
  private static final Pattern NUMBER = Pattern.compile("\\d{1,3}");

  private final double threshold;

  /** @param threshold the support a sentence needs, in (0, 1] */
  public Groundedness(double threshold) {
    if (!(threshold > 0 && threshold <= 1)) {
      throw new IllegalArgumentException("groundedness threshold must be in (0, 1], not " + threshold);
    }
    this.threshold = threshold;
  }

  /**
   * Judges every sentence of {@code answer}.
   *
   * @param sources the text of each source by its number
   */
  public List<Verdict> judge(String answer, Map<Integer, String> sources) {
    List<Verdict> out = new ArrayList<>();
    Set<Integer> citedAnywhere = cites(answer);
    citedAnywhere.retainAll(sources.keySet());
    for (Sentences.Span s : attachLeadingCitations(answer, Sentences.split(answer))) {
      out.add(judgeSentence(s, sources, citedAnywhere));
    }
    return out;
  }

  /** Judges one sentence; {@code fallback} are the sources it is held against when it cites none. */
  Verdict judgeSentence(Sentences.Span s, Map<Integer, String> sources, Set<Integer> fallback) {
    Set<Integer> cites = cites(s.text());
    cites.retainAll(sources.keySet());
    List<String> words = words(CITATION.matcher(s.text()).replaceAll(" "));
    if (words.size() < MIN_WORDS) {
      return new Verdict(s.start(), s.end(), s.text(), List.copyOf(cites), 1, true);
    }
    Set<String> evidence = new HashSet<>();
    for (int n : cites.isEmpty() ? fallback : cites) {
      evidence.addAll(words(sources.get(n)));
    }
    long found = words.stream().filter(evidence::contains).count();
    double support = (double) found / words.size();
    return new Verdict(s.start(), s.end(), s.text(), List.copyOf(cites), support, support >= threshold);
  }

  /**
   * {@code text} up to {@code upTo} without the sentences of {@code removed} (in order, positions
   * in {@code text}), each with the white space after it.
   */
  static String without(String text, List<Verdict> removed, int upTo) {
    StringBuilder out = new StringBuilder(upTo);
    int from = 0;
    for (Verdict v : removed) {
      out.append(text, from, v.start());
      from = v.end();
      while (from < upTo && Character.isWhitespace(text.charAt(from))) {
        from++;
      }
    }
    return out.append(text, from, upTo).toString();
  }

  /** Every source number cited in {@code text}, in order of first mention. */
  public static Set<Integer> cites(String text) {
    Set<Integer> out = new LinkedHashSet<>();
    Matcher m = CITATION.matcher(text);
    while (m.find()) {
      Matcher n = NUMBER.matcher(m.group());
      while (n.find()) {
        out.add(Integer.parseInt(n.group()));
      }
    }
    return out;
  }

  /**
   * Moves citation markers that open a sentence ("... is blue. [1] Then ...") to the sentence before,
   * which is the one they cite.
   */
  static List<Sentences.Span> attachLeadingCitations(String text, List<Sentences.Span> spans) {
    List<Sentences.Span> out = new ArrayList<>(spans.size());
    for (Sentences.Span s : splitAfterMarkers(text, spans)) {
      Matcher m = LEADING_CITATIONS.matcher(s.text());
      if (!out.isEmpty() && m.find()) {
        Sentences.Span prev = out.remove(out.size() - 1);
        int cut = s.start() + m.end();
        out.add(new Sentences.Span(prev.start(), cut, text.substring(prev.start(), cut)));
        int rest = cut;
        while (rest < s.end() && Character.isWhitespace(text.charAt(rest))) {
          rest++;
        }
        if (rest < s.end()) {
          out.add(new Sentences.Span(rest, s.end(), text.substring(rest, s.end())));
        }
      } else {
        out.add(s);
      }
    }
    return out;
  }

  /**
   * Splits where a sentence's closing markers end it ("... 1950. [1] Keepers ..."), which the
   * sentence splitter does not see as a break.
   */
  private static List<Sentences.Span> splitAfterMarkers(String text, List<Sentences.Span> spans) {
    List<Sentences.Span> out = new ArrayList<>(spans.size());
    for (Sentences.Span s : spans) {
      int from = s.start();
      Matcher m = CLOSING_MARKERS.matcher(text).region(s.start(), s.end());
      while (m.find()) {
        int cut = m.end(1);
        int next = cut;
        while (next < s.end() && Character.isWhitespace(text.charAt(next))) {
          next++;
        }
        if (next < s.end()) {
          out.add(new Sentences.Span(from, cut, text.substring(from, cut)));
          from = next;
        }
      }
      out.add(from == s.start() ? s : new Sentences.Span(from, s.end(), text.substring(from, s.end())));
    }
    return out;
  }

  /** The content words of {@code text}: lower-cased, stemmed, without English stop words. */
  static List<String> words(String text) {
    return text == null ? List.of() : ContentWords.of(text);
  }
}
