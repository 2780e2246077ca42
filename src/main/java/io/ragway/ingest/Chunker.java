package io.ragway.ingest;

import java.util.List;

/** Splits a parsed document into chunks sized for the embedding model. */
public interface Chunker {

  /** The chunks, in document order; each never crosses a section boundary. */
  List<TextChunk> chunk(ParsedDocument doc);
}
