package io.ragway.ingest;

import java.util.ArrayList;
import java.util.List;

/**
 * Builds extracted text block by block, tracking the heading path, for formats whose text is not
 * the file itself (HTML, PDF, DOCX). Blocks are separated by a blank line so that paragraph and
 * sentence splitting work on the result.
 */
final class SectionedText {

  private final StringBuilder text = new StringBuilder();
  private final List<ParsedDocument.Section> sections = new ArrayList<>();
  private final List<String> path = new ArrayList<>();
  private final List<Integer> levels = new ArrayList<>();
  private int sectionStart;
  private String firstHeading = "";

  /** Starts a section under {@code heading} at {@code level} (1 is outermost); the heading is kept as text. */
  void heading(int level, String heading) {
    String h = heading.strip().replaceAll("\\s+", " ");
    if (h.isEmpty()) {
      return;
    }
    closeSection();
    while (!levels.isEmpty() && levels.get(levels.size() - 1) >= level) {
      levels.remove(levels.size() - 1);
      path.remove(path.size() - 1);
    }
    levels.add(level);
    path.add(h);
    if (firstHeading.isEmpty()) {
      firstHeading = h;
    }
    block(h);
  }

  /** Appends a paragraph, table row or other block. */
  void block(String content) {
    String b = content.strip();
    if (b.isEmpty()) {
      return;
    }
    if (!text.isEmpty()) {
      text.append("\n\n");
    }
    text.append(b);
  }

  String firstHeading() {
    return firstHeading;
  }

  boolean isBlank() {
    return text.toString().isBlank();
  }

  ParsedDocument build(String title) {
    closeSection();
    return new ParsedDocument(title, text.toString(), sections);
  }

  private void closeSection() {
    if (text.length() > sectionStart) {
      sections.add(new ParsedDocument.Section(List.copyOf(path), sectionStart, text.length()));
    }
    sectionStart = text.length();
  }
}
