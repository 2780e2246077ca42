package io.ragway.index;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.List;
import org.apache.lucene.analysis.Analyzer;
import org.apache.lucene.analysis.TokenStream;
import org.apache.lucene.analysis.en.EnglishAnalyzer;
import org.apache.lucene.analysis.tokenattributes.CharTermAttribute;

/** The content words of a text as the index reads English: lower-cased, Porter stemmed, stop words dropped. */
public final class ContentWords {

  private static final Analyzer ANALYZER = new EnglishAnalyzer(); // thread-safe: it reuses a stream per thread

  private ContentWords() {}

  /** The content words of {@code text}, in order, repeats kept. */
  public static List<String> of(String text) {
    List<String> out = new ArrayList<>();
    try (TokenStream ts = ANALYZER.tokenStream("", text)) {
      CharTermAttribute term = ts.addAttribute(CharTermAttribute.class);
      ts.reset();
      while (ts.incrementToken()) {
        out.add(term.toString());
      }
      ts.end();
    } catch (IOException e) {
      throw new UncheckedIOException(e); // a string does not fail to read
    }
    return out;
  }
}
