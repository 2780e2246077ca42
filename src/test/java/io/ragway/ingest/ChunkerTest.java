package io.ragway.ingest;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.ragway.embed.TokenCounter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;

class ChunkerTest {

  private final TokenCounter counter = TokenCounter.approximate();

  private static String sentences(int n, long seed) {
    Random r = new Random(seed);
    StringBuilder b = new StringBuilder();
    for (int i = 0; i < n; i++) {
      b.append("Sentence ").append(i).append(" says");
      for (int w = 0; w < 3 + r.nextInt(12); w++) {
        b.append(" word").append(r.nextInt(50));
      }
      b.append(i % 5 == 4 ? ".\n\n" : ". ");
    }
    return b.toString();
  }

  private static ParsedDocument markdown(String md) throws Exception {
    return Parsers.forPath(Path.of("d.md")).orElseThrow().parse(Path.of("d.md"), md.getBytes(StandardCharsets.UTF_8));
  }

  private void checkInvariants(ParsedDocument doc, List<TextChunk> chunks, int maxTokens) {
    assertTrue(!chunks.isEmpty());
    for (TextChunk c : chunks) {
      assertEquals(doc.text().substring(c.start(), c.end()), c.text());
      assertTrue(counter.count(c.text()) <= maxTokens * 1.1, "chunk of " + counter.count(c.text()) + " tokens");
      assertTrue(!c.text().isBlank() && c.text().equals(c.text().strip()));
    }
  }

  @Test
  void sentenceChunksHaveExactOffsetsStayWithinBudgetAndOverlap() throws Exception {
    ParsedDocument doc = ParsedDocument.plain("t", sentences(60, 1));
    // every sentence here is under 30 tokens, so each chunk can carry the previous one's last sentence
    List<TextChunk> chunks = Chunkers.create(new ChunkerConfig("sentence", 80, 30), counter).chunk(doc);
    checkInvariants(doc, chunks, 80);
    assertTrue(chunks.size() > 5);
    for (int i = 1; i < chunks.size(); i++) {
      assertTrue(chunks.get(i).start() < chunks.get(i - 1).end(), "chunk " + i + " should overlap the previous one");
      assertTrue(chunks.get(i).start() > chunks.get(i - 1).start(), "chunks must advance");
    }
    assertEquals(doc.text().strip().length(), chunks.get(chunks.size() - 1).end() - chunks.get(0).start());
  }

  @Test
  void chunksEndAtSentenceBoundaries() throws Exception {
    ParsedDocument doc = ParsedDocument.plain("t", sentences(40, 2));
    for (TextChunk c : Chunkers.create(new ChunkerConfig("sentence", 48, 0), counter).chunk(doc)) {
      assertTrue(c.text().endsWith("."), c.text());
      assertTrue(c.text().startsWith("Sentence"), c.text());
    }
  }

  @Test
  void chunksNeverCrossSectionsAndCarryHeadings() throws Exception {
    ParsedDocument doc = markdown("# A\n\n" + sentences(10, 3) + "\n## B\n\n" + sentences(10, 4));
    List<TextChunk> chunks = Chunkers.create(new ChunkerConfig("sentence", 64, 8), counter).chunk(doc);
    checkInvariants(doc, chunks, 64);
    int b = doc.text().indexOf("## B");
    for (TextChunk c : chunks) {
      assertTrue(c.end() <= b || c.start() >= b, "chunk crosses the section boundary");
      assertEquals(c.start() >= b ? List.of("A", "B") : List.of("A"), c.headings());
    }
  }

  @Test
  void overLongSentenceIsSplitIntoWindows() throws Exception {
    StringBuilder b = new StringBuilder("Start");
    for (int i = 0; i < 400; i++) {
      b.append(" w").append(i);
    }
    ParsedDocument doc = ParsedDocument.plain("t", b.append('.').toString());
    List<TextChunk> chunks = Chunkers.create(new ChunkerConfig("sentence", 50, 10), counter).chunk(doc);
    checkInvariants(doc, chunks, 50);
    assertTrue(chunks.size() >= 8, "got " + chunks.size());
  }

  @Test
  void fixedStrategyMakesTokenWindows() throws Exception {
    ParsedDocument doc = ParsedDocument.plain("t", sentences(50, 5));
    List<TextChunk> chunks = Chunkers.create(new ChunkerConfig("fixed", 40, 8), counter).chunk(doc);
    checkInvariants(doc, chunks, 40);
    assertTrue(chunks.size() > 5);
  }

  @Test
  void rejectsBadConfigurationNamingTheKey() {
    assertTrue(assertThrows(IllegalArgumentException.class, () -> new ChunkerConfig("semantic", 256, 32))
        .getMessage().contains("ingest.chunker"));
    assertTrue(assertThrows(IllegalArgumentException.class, () -> new ChunkerConfig("sentence", 8, 0))
        .getMessage().contains("ingest.chunk_tokens"));
    assertTrue(assertThrows(IllegalArgumentException.class, () -> new ChunkerConfig("sentence", 64, 40))
        .getMessage().contains("ingest.overlap_tokens"));
  }
}
