package io.ragway.ingest;

import java.io.IOException;
import java.nio.file.Path;
import org.apache.pdfbox.Loader;
import org.apache.pdfbox.pdmodel.PDDocument;
import org.apache.pdfbox.pdmodel.encryption.InvalidPasswordException;
import org.apache.pdfbox.text.PDFTextStripper;

/** PDF: the text of each page (Apache PDFBox), one section per page headed "Page N". */
final class PdfParser implements DocumentParser {

  @Override
  public ParsedDocument parse(Path file, byte[] bytes) throws UnreadableDocumentException {
    try (PDDocument pdf = Loader.loadPDF(bytes)) {
      if (pdf.isEncrypted() && !pdf.getCurrentAccessPermission().canExtractContent()) {
        throw new UnreadableDocumentException("encrypted PDF (text extraction not permitted)");
      }
      SectionedText out = new SectionedText();
      PDFTextStripper stripper = new PDFTextStripper();
      stripper.setSortByPosition(true);
      boolean anyText = false;
      for (int page = 1; page <= pdf.getNumberOfPages(); page++) {
        stripper.setStartPage(page);
        stripper.setEndPage(page);
        String text = stripper.getText(pdf).strip();
        if (!text.isEmpty()) {
          anyText = true;
          out.heading(1, "Page " + page);
          out.block(text);
        }
      }
      if (!anyText) {
        throw new UnreadableDocumentException("no extractable text (scanned PDF?)");
      }
      String title = pdf.getDocumentInformation() == null ? null : pdf.getDocumentInformation().getTitle();
      return out.build(title == null || title.isBlank() ? Parsers.baseName(file) : title.strip());
    } catch (InvalidPasswordException e) {
      throw new UnreadableDocumentException("encrypted PDF (password required)", e);
    } catch (IOException e) {
      throw new UnreadableDocumentException("corrupt PDF: " + e.getMessage(), e);
    }
  }
}
