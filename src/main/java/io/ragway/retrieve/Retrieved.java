package io.ragway.retrieve;

import io.ragway.index.Chunk;

/** A chunk chosen for a query, with its final score and rank (from 1). */
public record Retrieved(Chunk chunk, double score, int rank) {}
