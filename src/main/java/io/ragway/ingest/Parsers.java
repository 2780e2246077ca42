package io.ragway.ingest;

import java.nio.file.Path;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/** Chooses a parser by file extension. */
public final class Parsers {

  private static final DocumentParser TEXT = new PlainTextParser();
  private static final DocumentParser MARKDOWN = new MarkdownParser();
  private static final DocumentParser HTML = new HtmlParser();
  private static final DocumentParser PDF = new PdfParser();
  private static final DocumentParser DOCX = new DocxParser();

  private static final Map<String, DocumentParser> BY_EXTENSION = Map.of(
      "txt", TEXT, "text", TEXT,
      "md", MARKDOWN, "markdown", MARKDOWN,
      "html", HTML, "htm", HTML,
      "pdf", PDF,
      "docx", DOCX);

  private Parsers() {}

  /** The parser for this file's extension, if ragway reads that format. */
  public static Optional<DocumentParser> forPath(Path file) {
    Path name = file.getFileName();
    if (name == null) {
      return Optional.empty();
    }
    String s = name.toString();
    int dot = s.lastIndexOf('.');
    return dot < 0 ? Optional.empty() : Optional.ofNullable(BY_EXTENSION.get(s.substring(dot + 1).toLowerCase(Locale.ROOT)));
  }

  /** The extensions ragway reads, lower case, without the dot. */
  public static Set<String> extensions() {
    return BY_EXTENSION.keySet();
  }

  static String baseName(Path file) {
    String s = file.getFileName().toString();
    int dot = s.lastIndexOf('.');
    return dot > 0 ? s.substring(0, dot) : s;
  }
}
