package io.ragway.ingest;

import io.ragway.embed.TokenCounter;
import java.util.ArrayList;
import java.util.List;

/**
 * Recursive, sentence-aware chunking: each section is split into sentences (paragraph and list
 * breaks end a sentence too), a sentence longer than a chunk into word windows, and consecutive
 * pieces are packed greedily up to the token budget. The next chunk starts with the trailing
 * sentences of the previous one that fit in the overlap, so a fact split across a boundary is
 * still whole in one chunk.
 */
final class SentenceChunker implements Chunker {

  private final int maxTokens;
  private final int overlapTokens;
  private final TokenCounter counter;

  SentenceChunker(ChunkerConfig config, TokenCounter counter) {
    this.maxTokens = config.maxTokens();
    this.overlapTokens = config.overlapTokens();
    this.counter = counter;
  }

  @Override
  public List<TextChunk> chunk(ParsedDocument doc) {
    String text = doc.text();
    List<TextChunk> out = new ArrayList<>();
    for (ParsedDocument.Section section : doc.sections()) {
      List<Unit> units = new ArrayList<>();
      String sectionText = text.substring(section.start(), section.end());
      for (Sentences.Span s : Sentences.split(sectionText)) {
        int a = section.start() + s.start();
        int b = section.start() + s.end();
        int tokens = Unit.count(counter, text, a, b);
        if (tokens <= maxTokens) {
          units.add(new Unit(a, b, tokens));
        } else {
          units.addAll(Unit.windows(text, a, b, tokens, maxTokens, overlapTokens));
        }
      }
      pack(text, units, section.headings(), out);
    }
    return out;
  }

  private void pack(String text, List<Unit> units, List<String> headings, List<TextChunk> out) {
    List<Unit> current = new ArrayList<>();
    int tokens = 0;
    for (Unit u : units) {
      if (!current.isEmpty() && tokens + u.tokens() > maxTokens) {
        emit(text, current, headings, out);
        List<Unit> carried = overlap(current);
        current = new ArrayList<>(carried);
        tokens = carried.stream().mapToInt(Unit::tokens).sum();
        while (!current.isEmpty() && tokens + u.tokens() > maxTokens) {
          tokens -= current.remove(0).tokens();
        }
      }
      current.add(u);
      tokens += u.tokens();
    }
    if (!current.isEmpty()) {
      emit(text, current, headings, out);
    }
  }

  /** The trailing units that fit in the overlap budget, never the whole chunk (that would not advance). */
  private List<Unit> overlap(List<Unit> chunk) {
    List<Unit> tail = new ArrayList<>();
    int tokens = 0;
    for (int i = chunk.size() - 1; i > 0; i--) {
      Unit u = chunk.get(i);
      if (tokens + u.tokens() > overlapTokens) {
        break;
      }
      tail.add(0, u);
      tokens += u.tokens();
    }
    return tail;
  }

  private static void emit(String text, List<Unit> units, List<String> headings, List<TextChunk> out) {
    int start = units.get(0).start();
    int end = units.get(units.size() - 1).end();
    out.add(new TextChunk(text.substring(start, end), start, end, headings));
  }
}
