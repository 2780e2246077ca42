package io.ragway.ingest;

import java.util.List;
import java.util.Objects;

/**
 * A document's extracted text, its title, and its sections: the spans of text under one heading
 * path each, in order, covering the text.
 */
public record ParsedDocument(String title, String text, List<Section> sections) {

  /** The text in {@code [start, end)} lies under {@code headings}, outermost first. */
  public record Section(List<String> headings, int start, int end) {
    public Section {
      headings = List.copyOf(headings);
      if (start < 0 || end < start) {
        throw new IllegalArgumentException("bad section [" + start + ", " + end + ")");
      }
    }
  }

  public ParsedDocument {
    Objects.requireNonNull(title, "title");
    Objects.requireNonNull(text, "text");
    sections = List.copyOf(sections);
    int at = 0;
    for (Section s : sections) {
      if (s.start() < at || s.end() > text.length()) {
        throw new IllegalArgumentException("sections must be in order and inside the text: " + s);
      }
      at = s.end();
    }
  }

  /** A document with no headings: one section over all of it. */
  static ParsedDocument plain(String title, String text) {
    return new ParsedDocument(title, text, List.of(new Section(List.of(), 0, text.length())));
  }
}
