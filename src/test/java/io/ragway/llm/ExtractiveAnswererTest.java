package io.ragway.llm;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.ragway.testkit.Chunks;
import io.ragway.testkit.HashingEmbedder;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

class ExtractiveAnswererTest {

  // the hashing embedder's cosines are lower than a real model's, so the threshold here is its own
  private final ChatModel answerer = ChatModels.extractive(new HashingEmbedder(256),
      ExtractiveConfig.defaults().withAbstainThreshold(0.3));

  private static List<Source> sources(String... texts) {
    List<Source> out = new ArrayList<>();
    for (String t : texts) {
      out.add(new Source(out.size() + 1, Chunks.of("doc" + out.size() + ".md", 0, t), 1.0 / (out.size() + 1)));
    }
    return out;
  }

  private ChatResponse ask(String q, List<Source> sources, int maxTokens) {
    return answerer.chat(new ChatRequest(List.of(ChatMessage.user(q)), sources, maxTokens, 0));
  }

  @Test
  void answersWithTheSentenceThatAnswersAndCitesItsSource() {
    ChatResponse r = ask("When was the lighthouse built?", sources(
        "The harbour has many boats. Fishing is the main industry here.",
        "The lighthouse was built in 1872 by the harbour board. It is painted white."), 0);
    assertFalse(r.abstained());
    assertTrue(r.content().contains("The lighthouse was built in 1872 by the harbour board. [2]"), r.content());
    assertEquals(2, r.cited().get(0));
    assertEquals("stop", r.finishReason());
    assertTrue(r.usage().promptTokens() > 0 && r.usage().completionTokens() > 0);
  }

  @Test
  void abstainsWhenNothingIsRelevantOrThereAreNoSources() {
    ChatResponse r = ask("What is the capital of Mongolia?", sources(
        "Bread rises because yeast produces gas. Ovens bake it."), 0);
    assertTrue(r.abstained());
    assertEquals(ExtractiveAnswerer.ABSTAIN, r.content());
    assertTrue(r.cited().isEmpty());
    assertTrue(ask("Anything?", List.of(), 0).abstained());
  }

  @Test
  void aSentenceRepeatedInOverlappingChunksAppearsOnce() {
    String s = "Reciprocal rank fusion combines the BM25 ranking and the vector ranking.";
    ChatResponse r = ask("How does reciprocal rank fusion combine rankings?", sources(s + " More text here.", s), 0);
    assertEquals(1, r.content().split("Reciprocal rank fusion combines", -1).length - 1, r.content());
    assertEquals(List.of(1), r.cited());
  }

  @Test
  void respectsMaxSentencesAndMaxTokens() {
    List<Source> src = sources(
        "Rank fusion merges rankings well. Rank fusion uses ranks only. Rank fusion needs no score scaling.",
        "Rank fusion is used by hybrid search. Rank fusion has a constant k.");
    ChatModel one = ChatModels.extractive(new HashingEmbedder(256),
        ExtractiveConfig.defaults().withAbstainThreshold(0.1).withMaxSentences(1));
    ChatResponse r = one.chat(new ChatRequest(List.of(ChatMessage.user("rank fusion")), src, 0, 0));
    assertEquals(1, r.content().split("\\[\\d]").length, r.content());
    ChatResponse shortOne = ask("rank fusion", src, 5);
    assertEquals(1, shortOne.content().split("\\[\\d]").length, "a 5-token budget fits one sentence: " + shortOne.content());
  }

  @Test
  void ordersSentencesForReading() {
    List<Source> src = sources("Alpha beta gamma first fact. Unrelated words about cooking dinner. Alpha beta gamma second fact.");
    ChatModel three = ChatModels.extractive(new HashingEmbedder(256),
        ExtractiveConfig.defaults().withAbstainThreshold(0.1).withMaxSentences(3));
    String content = three.chat(new ChatRequest(List.of(ChatMessage.user("alpha beta gamma fact")), src, 0, 0)).content();
    assertTrue(content.indexOf("first fact") < content.indexOf("second fact"), content);
  }

  @Test
  void rejectsARequestWithoutAUserMessage() {
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
        () -> answerer.chat(new ChatRequest(List.of(ChatMessage.system("be brief")), sources("x y z w."), 0, 0)));
    assertTrue(e.getMessage().contains("user message"));
  }
}
