package io.ragway.ingest;

import java.util.List;

/** A piece of a parsed document: {@code doc.text().substring(start, end)} under {@code headings}. */
public record TextChunk(String text, int start, int end, List<String> headings) {

  public TextChunk {
    headings = List.copyOf(headings);
    if (start < 0 || end < start || end - start != text.length()) {
      throw new IllegalArgumentException("offsets [" + start + ", " + end + ") do not fit a text of " + text.length() + " chars");
    }
  }
}
