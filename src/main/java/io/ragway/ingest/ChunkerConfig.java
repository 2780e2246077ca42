package io.ragway.ingest;

import java.util.Set;

/**
 * How documents are chunked.
 *
 * @param strategy {@code sentence} (recursive, sentence-aware) or {@code fixed} (token windows)
 * @param maxTokens the largest chunk, in the embedding model's tokens
 * @param overlapTokens how much of the previous chunk the next one repeats
 */
public record ChunkerConfig(String strategy, int maxTokens, int overlapTokens) {

  private static final Set<String> STRATEGIES = Set.of("sentence", "fixed");

  public ChunkerConfig {
    if (!STRATEGIES.contains(strategy)) {
      throw new IllegalArgumentException("ingest.chunker must be 'sentence' or 'fixed', got '" + strategy + "'");
    }
    if (maxTokens < 16 || maxTokens > 8192) {
      throw new IllegalArgumentException("ingest.chunk_tokens must be in [16, 8192], got " + maxTokens);
    }
    if (overlapTokens < 0 || overlapTokens * 2 >= maxTokens) {
      throw new IllegalArgumentException("ingest.overlap_tokens must be >= 0 and less than half of ingest.chunk_tokens, got "
          + overlapTokens);
    }
  }

  public static ChunkerConfig defaults() {
    return new ChunkerConfig("sentence", 256, 32);
  }
}
