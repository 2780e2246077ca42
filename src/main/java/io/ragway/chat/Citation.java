package io.ragway.chat;

import io.ragway.index.Chunk;

/**
 * A source an answer cites as {@code [number]}: which file, where in it, and how well it matched.
 *
 * @param chunk the chunk's ordinal within its source
 * @param start character offset of the chunk in the source's extracted text
 * @param end offset just past the chunk
 */
public record Citation(int number, String id, String source, String title, String heading, int chunk, int start,
    int end, double score, String text) {

  static Citation of(int number, Chunk c, double score) {
    return new Citation(number, c.id(), c.source(), c.title(), c.headingPath(), c.ordinal(), c.start(), c.end(),
        score, c.text());
  }
}
