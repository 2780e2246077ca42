package io.ragway.llm;

import io.ragway.index.Chunk;

/** A retrieved chunk offered to a model as evidence, numbered from 1 as cited by {@code [n]}. */
public record Source(int number, Chunk chunk, double score) {

  public Source {
    if (number < 1) {
      throw new IllegalArgumentException("source numbers start at 1, got " + number);
    }
  }
}
