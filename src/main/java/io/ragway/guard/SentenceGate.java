package io.ragway.guard;

import io.ragway.ingest.Sentences;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.function.Consumer;
import java.util.regex.Pattern;

/**
 * Lets a streamed answer through one sentence at a time, leaving out each sentence its sources do
 * not support. A sentence is held until the next one begins (citation markers that open the next
 * one, as in {@code "... blue. [1] Then"}, still count as this one's), so what the client sees lags
 * the model by about a sentence. A sentence that cites no source is held against every source
 * offered, since the sources the rest of the answer will cite are not known yet.
 */
public final class SentenceGate {

  private static final Pattern UNFINISHED_MARKER = Pattern.compile("\\[[\\d,\\s]*");

  private final Groundedness groundedness;
  private final Map<Integer, String> sources;
  private final Consumer<Groundedness.Verdict> onUnsupported;
  private final StringBuilder pending = new StringBuilder();
  private int released; // characters of the answer already judged

  SentenceGate(Groundedness groundedness, Map<Integer, String> sources, Consumer<Groundedness.Verdict> onUnsupported) {
    this.groundedness = Objects.requireNonNull(groundedness, "groundedness");
    this.sources = Map.copyOf(sources);
    this.onUnsupported = Objects.requireNonNull(onUnsupported, "onUnsupported");
  }

  /** Takes the next piece of the answer; returns the text of the sentences it completed that may go out. */
  public String accept(String piece) {
    pending.append(piece);
    String text = pending.toString();
    List<Sentences.Span> spans = Groundedness.attachLeadingCitations(text, Sentences.split(text));
    if (spans.size() < 2) {
      return "";
    }
    Sentences.Span last = spans.get(spans.size() - 1);
    if (UNFINISHED_MARKER.matcher(last.text()).matches()) {
      return ""; // "[1" may yet be a citation of the sentence before
    }
    String out = release(text, spans.subList(0, spans.size() - 1), last.start());
    pending.delete(0, last.start());
    return out;
  }

  /** Judges what is left at the end of the answer and returns what of it may go out. */
  public String finish() {
    String text = pending.toString();
    String out = release(text, Groundedness.attachLeadingCitations(text, Sentences.split(text)), text.length());
    pending.setLength(0);
    return out;
  }

  /** The text up to {@code upTo}, without the spans that are unsupported. */
  private String release(String text, List<Sentences.Span> spans, int upTo) {
    List<Groundedness.Verdict> unsupported = new ArrayList<>();
    for (Sentences.Span s : spans) {
      Groundedness.Verdict v = groundedness.judgeSentence(s, sources, sources.keySet());
      if (!v.supported()) {
        unsupported.add(v);
        onUnsupported.accept(new Groundedness.Verdict(released + v.start(), released + v.end(), v.sentence(), v.cites(),
            v.support(), false));
      }
    }
    released += upTo;
    return Groundedness.without(text, unsupported, upTo);
  }
}
