package io.ragway.ingest;

import io.ragway.embed.TokenCounter;
import java.util.ArrayList;
import java.util.List;

/** Token windows of a fixed size with overlap, cut on word boundaries, ignoring sentences. */
final class FixedSizeChunker implements Chunker {

  private final int maxTokens;
  private final int overlapTokens;
  private final TokenCounter counter;

  FixedSizeChunker(ChunkerConfig config, TokenCounter counter) {
    this.maxTokens = config.maxTokens();
    this.overlapTokens = config.overlapTokens();
    this.counter = counter;
  }

  @Override
  public List<TextChunk> chunk(ParsedDocument doc) {
    String text = doc.text();
    List<TextChunk> out = new ArrayList<>();
    for (ParsedDocument.Section section : doc.sections()) {
      int tokens = Unit.count(counter, text, section.start(), section.end());
      for (Unit u : Unit.windows(text, section.start(), section.end(), tokens, maxTokens, overlapTokens)) {
        out.add(new TextChunk(text.substring(u.start(), u.end()), u.start(), u.end(), section.headings()));
      }
    }
    return out;
  }
}
