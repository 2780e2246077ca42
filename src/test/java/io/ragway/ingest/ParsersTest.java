package io.ragway.ingest;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.List;
import org.apache.poi.xwpf.usermodel.XWPFDocument;
import org.apache.poi.xwpf.usermodel.XWPFTable;
import org.junit.jupiter.api.Test;

class ParsersTest {

  private static ParsedDocument parse(String name, byte[] bytes) throws UnreadableDocumentException {
    Path file = Path.of(name);
    return Parsers.forPath(file).orElseThrow().parse(file, bytes);
  }

  private static ParsedDocument parse(String name, String text) throws UnreadableDocumentException {
    return parse(name, text.getBytes(StandardCharsets.UTF_8));
  }

  private static String reason(String name, byte[] bytes) {
    return assertThrows(UnreadableDocumentException.class, () -> parse(name, bytes)).getMessage();
  }

  /** The section containing {@code needle}. */
  private static ParsedDocument.Section sectionOf(ParsedDocument doc, String needle) {
    int at = doc.text().indexOf(needle);
    assertTrue(at >= 0, "text lacks: " + needle + " in " + doc.text());
    return doc.sections().stream().filter(s -> s.start() <= at && at < s.end()).findFirst().orElseThrow();
  }

  @Test
  void choosesParsersByExtensionCaseInsensitively() {
    assertTrue(Parsers.forPath(Path.of("a/B.MD")).isPresent());
    assertTrue(Parsers.forPath(Path.of("x.docx")).isPresent());
    assertTrue(Parsers.forPath(Path.of("x.csv")).isEmpty());
    assertTrue(Parsers.forPath(Path.of("README")).isEmpty());
    assertEquals(8, Parsers.extensions().size());
  }

  @Test
  void plainTextKeepsTheFileTextAndStripsABom() throws Exception {
    ParsedDocument doc = parse("notes.txt", "\uFEFFLine one.\r\nLine two.\r\n");
    assertEquals("Line one.\r\nLine two.\r\n", doc.text());
    assertEquals("notes", doc.title());
    assertEquals(1, doc.sections().size());
  }

  @Test
  void rejectsBinaryLatin1AndEmptyText() {
    assertTrue(reason("a.txt", new byte[] {'a', 0, 'b'}).contains("binary"));
    assertTrue(reason("a.txt", "caf\u00e9".getBytes(StandardCharsets.ISO_8859_1)).contains("UTF-8"));
    assertTrue(reason("a.txt", "  \n\n ".getBytes(StandardCharsets.UTF_8)).contains("empty"));
    assertTrue(reason("a.md", new byte[0]).contains("empty"));
  }

  @Test
  void markdownSectionsFollowAtxAndSetextHeadingsWithOffsetsIntoTheSource() throws Exception {
    String md = """
        # Guide

        Intro text.

        Install
        -------

        Run the installer.

        ```
        # not a heading inside code
        ```

        ### Linux

        Use the package.

        ## Usage

        Ask questions.
        """;
    ParsedDocument doc = parse("guide.md", md);
    assertEquals(md, doc.text());
    assertEquals("Guide", doc.title());
    assertEquals(List.of("Guide"), sectionOf(doc, "Intro text").headings());
    assertEquals(List.of("Guide", "Install"), sectionOf(doc, "Run the installer").headings());
    assertEquals(List.of("Guide", "Install"), sectionOf(doc, "not a heading").headings());
    assertEquals(List.of("Guide", "Install", "Linux"), sectionOf(doc, "Use the package").headings());
    assertEquals(List.of("Guide", "Usage"), sectionOf(doc, "Ask questions").headings());
    assertEquals(md.length(), doc.sections().get(doc.sections().size() - 1).end());
  }

  @Test
  void htmlDropsScriptsAndFollowsNestedHeadings() throws Exception {
    String html = """
        <html><head><title>Handbook</title><style>p{color:red}</style></head>
        <body><script>var secret = 1;</script>
        <h1>Handbook</h1><p>Welcome to the <b>team</b>.</p>
        <h2>Leave</h2><p>Ask your manager.</p><ul><li>Ten days</li><li>Paid</li></ul>
        <h3>Sick leave</h3><p>Tell HR.</p>
        <table><tr><td>A</td><td>B</td></tr></table>
        </body></html>""";
    ParsedDocument doc = parse("h.html", html);
    assertEquals("Handbook", doc.title());
    assertTrue(!doc.text().contains("secret") && !doc.text().contains("color"), doc.text());
    assertTrue(doc.text().contains("Welcome to the team."), doc.text());
    assertTrue(doc.text().contains("A | B"), doc.text());
    assertEquals(List.of("Handbook", "Leave"), sectionOf(doc, "Ten days").headings());
    assertEquals(List.of("Handbook", "Leave", "Sick leave"), sectionOf(doc, "Tell HR").headings());
  }

  @Test
  void pdfGivesOneSectionPerPage() throws Exception {
    ParsedDocument doc = parse("report.pdf", pdf(null, "First page talks about budgets.", "Second page talks about hiring."));
    assertEquals("Quarterly report", doc.title());
    assertEquals(List.of("Page 1"), sectionOf(doc, "budgets").headings());
    assertEquals(List.of("Page 2"), sectionOf(doc, "hiring").headings());
  }

  @Test
  void rejectsEncryptedCorruptAndEmptyPdfs() throws Exception {
    assertTrue(reason("secret.pdf", pdf("pw", "Hidden text.")).contains("encrypted"), reason("secret.pdf", pdf("pw", "x")));
    assertTrue(reason("bad.pdf", "%PDF-1.4 garbage".getBytes(StandardCharsets.US_ASCII)).contains("corrupt PDF"));
    assertTrue(reason("blank.pdf", pdf(null)).contains("no extractable text"));
  }

  @Test
  void docxHeadingStylesAndTablesAreKept() throws Exception {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    try (XWPFDocument d = new XWPFDocument()) {
      d.createParagraph().setStyle("Title");
      d.getParagraphs().get(0).createRun().setText("Employee Handbook");
      para(d, "Heading1", "Benefits");
      para(d, null, "Everyone gets health insurance.");
      para(d, "Heading2", "Dental");
      para(d, null, "Dental is covered twice a year.");
      XWPFTable t = d.createTable(1, 2);
      t.getRow(0).getCell(0).setText("Plan");
      t.getRow(0).getCell(1).setText("Gold");
      d.write(out);
    }
    ParsedDocument doc = parse("h.docx", out.toByteArray());
    assertEquals("Employee Handbook", doc.title());
    assertEquals(List.of("Employee Handbook", "Benefits"), sectionOf(doc, "health insurance").headings());
    assertEquals(List.of("Employee Handbook", "Benefits", "Dental"), sectionOf(doc, "twice a year").headings());
    assertTrue(doc.text().contains("Plan | Gold"), doc.text());
  }

  @Test
  void rejectsDocxThatIsNotAZip() {
    assertTrue(reason("old.docx", new byte[] {(byte) 0xD0, (byte) 0xCF, 0x11, (byte) 0xE0, 1, 2, 3, 4}).contains("DOCX"));
    assertTrue(reason("junk.docx", "just text".getBytes(StandardCharsets.UTF_8)).contains("DOCX"));
  }

  private static void para(XWPFDocument d, String style, String text) {
    var p = d.createParagraph();
    if (style != null) {
      p.setStyle(style);
    }
    p.createRun().setText(text);
  }

  private static byte[] pdf(String password, String... pages) throws Exception {
    return io.ragway.testkit.Documents.pdf("Quarterly report", password, pages);
  }
}
