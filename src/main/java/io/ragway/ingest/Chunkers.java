package io.ragway.ingest;

import io.ragway.embed.TokenCounter;

/** Creates chunkers. */
public final class Chunkers {

  private Chunkers() {}

  /** A chunker of the configured strategy that counts tokens with {@code counter}. */
  public static Chunker create(ChunkerConfig config, TokenCounter counter) {
    return switch (config.strategy()) {
      case "fixed" -> new FixedSizeChunker(config, counter);
      default -> new SentenceChunker(config, counter);
    };
  }
}
