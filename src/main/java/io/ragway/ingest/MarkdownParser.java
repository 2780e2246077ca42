package io.ragway.ingest;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.commonmark.node.AbstractVisitor;
import org.commonmark.node.Heading;
import org.commonmark.node.Node;
import org.commonmark.node.Text;
import org.commonmark.parser.IncludeSourceSpans;
import org.commonmark.parser.Parser;

/**
 * Markdown: the extracted text is the markdown source itself, so citation offsets point into the
 * file; headings (ATX and setext) found by commonmark with their source positions give the
 * sections.
 */
final class MarkdownParser implements DocumentParser {

  private final Parser parser = Parser.builder().includeSourceSpans(IncludeSourceSpans.BLOCKS).build();

  @Override
  public ParsedDocument parse(Path file, byte[] bytes) throws UnreadableDocumentException {
    String text = TextDecoding.utf8(bytes);
    Node document = parser.parse(text);
    List<ParsedDocument.Section> sections = new ArrayList<>();
    List<String> path = new ArrayList<>();
    List<Integer> levels = new ArrayList<>();
    String title = "";
    int start = 0;
    for (Node n = document.getFirstChild(); n != null; n = n.getNext()) {
      if (!(n instanceof Heading h) || h.getSourceSpans().isEmpty()) {
        continue;
      }
      int at = h.getSourceSpans().get(0).getInputIndex();
      if (at > start) {
        sections.add(new ParsedDocument.Section(List.copyOf(path), start, at));
        start = at;
      }
      while (!levels.isEmpty() && levels.get(levels.size() - 1) >= h.getLevel()) {
        levels.remove(levels.size() - 1);
        path.remove(path.size() - 1);
      }
      String heading = plainText(h);
      levels.add(h.getLevel());
      path.add(heading);
      if (title.isEmpty() && h.getLevel() == 1) {
        title = heading;
      }
    }
    if (text.length() > start) {
      sections.add(new ParsedDocument.Section(List.copyOf(path), start, text.length()));
    }
    return new ParsedDocument(title.isEmpty() ? Parsers.baseName(file) : title, text, sections);
  }

  private static String plainText(Node node) {
    StringBuilder b = new StringBuilder();
    node.accept(new AbstractVisitor() {
      @Override
      public void visit(Text text) {
        b.append(text.getLiteral());
      }

      @Override
      public void visit(org.commonmark.node.Code code) {
        b.append(code.getLiteral());
      }
    });
    return b.toString().strip();
  }
}
