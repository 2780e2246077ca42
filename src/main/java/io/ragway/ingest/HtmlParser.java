package io.ragway.ingest;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.nio.file.Path;
import java.util.Set;
import org.jsoup.Jsoup;
import org.jsoup.nodes.Document;
import org.jsoup.nodes.Element;
import org.jsoup.nodes.Node;
import org.jsoup.nodes.TextNode;

/** HTML: readable text block by block (scripts and styles dropped), sections from h1-h6. */
final class HtmlParser implements DocumentParser {

  private static final Set<String> DROP = Set.of("script", "style", "noscript", "template", "svg", "head");
  private static final Set<String> BLOCKS = Set.of("p", "div", "li", "pre", "blockquote", "tr", "dt", "dd",
      "section", "article", "header", "footer", "nav", "aside", "main", "figcaption", "caption", "table", "ul", "ol",
      "dl", "form", "address", "details", "summary", "br", "hr", "body");

  @Override
  public ParsedDocument parse(Path file, byte[] bytes) throws UnreadableDocumentException {
    for (byte b : bytes) {
      if (b == 0) {
        throw new UnreadableDocumentException("binary file");
      }
    }
    Document doc;
    try {
      doc = Jsoup.parse(new ByteArrayInputStream(bytes), null, ""); // charset from <meta>, else UTF-8
    } catch (IOException e) {
      throw new UnreadableDocumentException("cannot parse HTML: " + e.getMessage(), e);
    }
    SectionedText out = new SectionedText();
    StringBuilder block = new StringBuilder();
    walk(doc.body(), out, block);
    flush(out, block);
    if (out.isBlank()) {
      throw new UnreadableDocumentException("empty file (no visible text)");
    }
    String title = doc.title().strip();
    if (title.isEmpty()) {
      title = out.firstHeading().isEmpty() ? Parsers.baseName(file) : out.firstHeading();
    }
    return out.build(title);
  }

  private static void walk(Element element, SectionedText out, StringBuilder block) {
    if (element == null) {
      return;
    }
    for (Node child : element.childNodes()) {
      if (child instanceof TextNode t) {
        block.append(element.tagName().equals("pre") ? t.getWholeText() : t.text());
      } else if (child instanceof Element e) {
        String tag = e.tagName();
        if (DROP.contains(tag)) {
          continue;
        }
        if (tag.length() == 2 && tag.charAt(0) == 'h' && tag.charAt(1) >= '1' && tag.charAt(1) <= '6') {
          flush(out, block);
          out.heading(tag.charAt(1) - '0', e.text());
        } else if (BLOCKS.contains(tag) || tag.equals("td") || tag.equals("th")) {
          if (!tag.equals("td") && !tag.equals("th")) {
            flush(out, block);
          } else if (!block.isEmpty()) {
            block.append(" | ");
          }
          walk(e, out, block);
          if (!tag.equals("td") && !tag.equals("th")) {
            flush(out, block);
          }
        } else {
          if (!block.isEmpty() && !Character.isWhitespace(block.charAt(block.length() - 1))) {
            block.append(' ');
          }
          walk(e, out, block);
        }
      }
    }
  }

  private static void flush(SectionedText out, StringBuilder block) {
    out.block(block.toString().replaceAll("[ \\t\\x0B\\f\\r]+", " "));
    block.setLength(0);
  }
}
