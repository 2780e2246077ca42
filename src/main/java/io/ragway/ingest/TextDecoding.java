package io.ragway.ingest;

import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;

/** Decodes text files strictly, so a binary or mis-encoded file is reported instead of garbled. */
final class TextDecoding {

  private TextDecoding() {}

  static String utf8(byte[] bytes) throws UnreadableDocumentException {
    int controls = 0;
    for (byte b : bytes) {
      if (b == 0) {
        throw new UnreadableDocumentException("binary file");
      }
      if (b > 0 && b < 32 && b != '\n' && b != '\r' && b != '\t' && b != '\f') {
        controls++;
      }
    }
    if (controls > 8 && controls * 20 > bytes.length) {
      throw new UnreadableDocumentException("binary file");
    }
    String text;
    try {
      text = StandardCharsets.UTF_8.newDecoder()
          .onMalformedInput(CodingErrorAction.REPORT)
          .onUnmappableCharacter(CodingErrorAction.REPORT)
          .decode(ByteBuffer.wrap(bytes)).toString();
    } catch (CharacterCodingException e) {
      throw new UnreadableDocumentException("not UTF-8 text (convert it to UTF-8)");
    }
    if (text.startsWith("\uFEFF")) {
      text = text.substring(1);
    }
    if (text.isBlank()) {
      throw new UnreadableDocumentException("empty file");
    }
    return text;
  }
}
