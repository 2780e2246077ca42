package io.ragway.ingest;

import java.nio.file.Path;

/** Extracts text, title and heading structure from one file format. */
public interface DocumentParser {

  /**
   * @param file the file's path, for its name and extension
   * @param bytes the file's content
   * @throws UnreadableDocumentException if the file cannot be used, with a short reason
   */
  ParsedDocument parse(Path file, byte[] bytes) throws UnreadableDocumentException;
}
