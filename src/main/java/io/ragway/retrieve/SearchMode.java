package io.ragway.retrieve;

import java.util.Locale;

/** How chunks are found: by words (BM25), by meaning (dense vectors), or both fused. */
public enum SearchMode {
  BM25,
  DENSE,
  HYBRID;

  /** Parses a mode name case-insensitively; the error lists the valid names. */
  public static SearchMode parse(String name) {
    try {
      return valueOf(name.trim().toUpperCase(Locale.ROOT));
    } catch (IllegalArgumentException e) {
      throw new IllegalArgumentException("unknown search mode '" + name + "' (expected bm25, dense or hybrid)");
    }
  }

  public String label() {
    return name().toLowerCase(Locale.ROOT);
  }
}
