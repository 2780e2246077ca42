package io.ragway.ingest;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.List;
import org.junit.jupiter.api.Test;

class SentencesTest {

  private static List<String> split(String text) {
    List<Sentences.Span> spans = Sentences.split(text);
    spans.forEach(s -> assertEquals(text.substring(s.start(), s.end()), s.text()));
    return spans.stream().map(Sentences.Span::text).toList();
  }

  @Test
  void splitsSentencesAndKeepsOffsets() {
    assertEquals(List.of("First one.", "Second one?", "Third!"), split("First one. Second one?  Third!"));
  }

  @Test
  void blankLinesAndListItemsEndSentences() {
    assertEquals(List.of("Heading without period", "Body text.", "- item one", "- item two"),
        split("Heading without period\n\nBody text.\n- item one\n- item two\n"));
  }

  @Test
  void doesNotBreakInsidePathsOrVersions() {
    assertEquals(List.of("Data goes to (`./ragway-data` by default).", "Use v1.2.3 or newer."),
        split("Data goes to (`./ragway-data` by default). Use v1.2.3 or newer."));
  }
}
