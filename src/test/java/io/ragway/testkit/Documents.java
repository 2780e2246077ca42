package io.ragway.testkit;

import java.io.ByteArrayOutputStream;
import org.apache.pdfbox.pdmodel.PDDocument;
import org.apache.pdfbox.pdmodel.PDPage;
import org.apache.pdfbox.pdmodel.PDPageContentStream;
import org.apache.pdfbox.pdmodel.encryption.AccessPermission;
import org.apache.pdfbox.pdmodel.encryption.StandardProtectionPolicy;
import org.apache.pdfbox.pdmodel.font.PDType1Font;
import org.apache.pdfbox.pdmodel.font.Standard14Fonts;
import org.apache.poi.xwpf.usermodel.XWPFDocument;

/** Builds small PDF and DOCX files for tests. */
public final class Documents {

  private Documents() {}

  /** A PDF titled {@code title} with one page per string; encrypted when {@code password} is set. */
  public static byte[] pdf(String title, String password, String... pages) throws Exception {
    try (PDDocument doc = new PDDocument()) {
      doc.getDocumentInformation().setTitle(title);
      for (String text : pages) {
        PDPage page = new PDPage();
        doc.addPage(page);
        try (PDPageContentStream cs = new PDPageContentStream(doc, page)) {
          cs.beginText();
          cs.setFont(new PDType1Font(Standard14Fonts.FontName.HELVETICA), 12);
          cs.newLineAtOffset(72, 700);
          cs.showText(text);
          cs.endText();
        }
      }
      if (pages.length == 0) {
        doc.addPage(new PDPage());
      }
      if (password != null) {
        StandardProtectionPolicy policy = new StandardProtectionPolicy("owner", password, new AccessPermission());
        policy.setEncryptionKeyLength(128);
        doc.protect(policy);
      }
      ByteArrayOutputStream out = new ByteArrayOutputStream();
      doc.save(out);
      return out.toByteArray();
    }
  }

  /** A DOCX of paragraphs; a paragraph written "Heading1: text" gets that style. */
  public static byte[] docx(String... paragraphs) throws Exception {
    try (XWPFDocument d = new XWPFDocument()) {
      for (String p : paragraphs) {
        var para = d.createParagraph();
        int colon = p.indexOf(": ");
        String text = p;
        if (colon > 0 && (p.startsWith("Heading") || p.startsWith("Title"))) {
          para.setStyle(p.substring(0, colon));
          text = p.substring(colon + 2);
        }
        para.createRun().setText(text);
      }
      ByteArrayOutputStream out = new ByteArrayOutputStream();
      d.write(out);
      return out.toByteArray();
    }
  }
}
