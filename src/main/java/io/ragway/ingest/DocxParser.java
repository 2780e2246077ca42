package io.ragway.ingest;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.nio.file.Path;
import java.util.Locale;
import org.apache.poi.EncryptedDocumentException;
import org.apache.poi.openxml4j.exceptions.NotOfficeXmlFileException;
import org.apache.poi.xwpf.usermodel.IBodyElement;
import org.apache.poi.xwpf.usermodel.XWPFDocument;
import org.apache.poi.xwpf.usermodel.XWPFParagraph;
import org.apache.poi.xwpf.usermodel.XWPFStyle;
import org.apache.poi.xwpf.usermodel.XWPFTable;
import org.apache.poi.xwpf.usermodel.XWPFTableRow;

/** DOCX: paragraphs and table rows in order (Apache POI); Title and Heading N styles give sections. */
final class DocxParser implements DocumentParser {

  @Override
  public ParsedDocument parse(Path file, byte[] bytes) throws UnreadableDocumentException {
    try (XWPFDocument docx = new XWPFDocument(new ByteArrayInputStream(bytes))) {
      SectionedText out = new SectionedText();
      for (IBodyElement element : docx.getBodyElements()) {
        if (element instanceof XWPFParagraph p) {
          int level = headingLevel(docx, p);
          if (level >= 0) {
            out.heading(level, p.getText());
          } else {
            out.block(p.getText());
          }
        } else if (element instanceof XWPFTable t) {
          for (XWPFTableRow row : t.getRows()) {
            out.block(String.join(" | ", row.getTableCells().stream().map(c -> c.getText().strip()).toList()));
          }
        }
      }
      if (out.isBlank()) {
        throw new UnreadableDocumentException("empty file (no text)");
      }
      String title = docx.getProperties().getCoreProperties().getTitle();
      if (title == null || title.isBlank()) {
        title = out.firstHeading().isEmpty() ? Parsers.baseName(file) : out.firstHeading();
      }
      return out.build(title.strip());
    } catch (NotOfficeXmlFileException | EncryptedDocumentException e) {
      throw new UnreadableDocumentException("encrypted or not a DOCX file", e);
    } catch (IOException | RuntimeException e) {
      throw new UnreadableDocumentException("corrupt DOCX: " + e.getMessage(), e);
    }
  }

  /** 0 for the Title style, N for Heading N (by style id or name), -1 for body text. */
  private static int headingLevel(XWPFDocument docx, XWPFParagraph p) {
    String id = p.getStyleID();
    if (id == null) {
      return -1;
    }
    String name = id;
    XWPFStyle style = docx.getStyles() == null ? null : docx.getStyles().getStyle(id);
    if (style != null && style.getName() != null) {
      name = style.getName();
    }
    for (String candidate : new String[] {id, name}) {
      String s = candidate.toLowerCase(Locale.ROOT).replace(" ", "");
      if (s.equals("title")) {
        return 0;
      }
      if (s.startsWith("heading") && s.length() == 8 && Character.isDigit(s.charAt(7)) && s.charAt(7) != '0') {
        return s.charAt(7) - '0';
      }
    }
    return -1;
  }
}
