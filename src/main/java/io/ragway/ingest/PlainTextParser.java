package io.ragway.ingest;

import java.nio.file.Path;

/** Plain UTF-8 text: the file's text as it is, titled by the file name. */
final class PlainTextParser implements DocumentParser {

  @Override
  public ParsedDocument parse(Path file, byte[] bytes) throws UnreadableDocumentException {
    return ParsedDocument.plain(Parsers.baseName(file), TextDecoding.utf8(bytes));
  }
}
