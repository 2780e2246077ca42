package io.ragway.chat;

import static org.junit.jupiter.api.Assertions.assertEquals;

import io.ragway.index.Filter;
import io.ragway.llm.ChatModel;
import io.ragway.llm.ChatRequest;
import io.ragway.llm.ChatResponse;
import io.ragway.llm.ChatMessage;
import io.ragway.retrieve.SearchMode;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

class RagPipelineTest {

  @Test
  void retrievalSearchesForTheSearchTextWhileTheModelGetsTheQuestionAsGiven() {
    List<String> searched = new ArrayList<>();
    List<String> asked = new ArrayList<>();
    ChatModel model = new ChatModel() {
      @Override
      public String name() {
        return "recording";
      }

      @Override
      public ChatResponse chat(ChatRequest request) {
        asked.add(request.question());
        return new ChatResponse("I could not find this in the documents.", List.of(), true, "stop",
            new ChatResponse.Usage(1, 1));
      }
    };
    RagPipeline pipeline = new RagPipeline(request -> {
      searched.add(request.query());
      return List.of();
    }, model);

    pipeline.answer(List.of(ChatMessage.user("Who is <PERSON_1>?")), SearchMode.HYBRID, 3, Filter.all(), false, 0,
        new RagPipeline.Hooks(null, c -> true, s -> {}, q -> q.replace("<PERSON_1>", "Ada Lovelace")));
    pipeline.answer(List.of(ChatMessage.user("Who is <PERSON_1>?")), SearchMode.HYBRID, 3, Filter.all(), false, 0,
        RagPipeline.Hooks.none());

    assertEquals(List.of("Who is Ada Lovelace?", "Who is <PERSON_1>?"), searched);
    assertEquals(List.of("Who is <PERSON_1>?", "Who is <PERSON_1>?"), asked);
  }

  @Test
  void anAnswerKeepsWhatRetrievalRankedButItsJsonLeavesItOut() throws Exception {
    io.ragway.index.Chunk chunk = new io.ragway.index.Chunk("c1", "a.md", "A", List.of(), "The lamp is red.", 0, 16, 0, "",
        "default", List.of(), List.of());
    io.ragway.retrieve.Retrieved hit = new io.ragway.retrieve.Retrieved(chunk, 0.5, 1);
    RagPipeline pipeline = new RagPipeline(request -> List.of(hit), new ChatModel() {
      @Override
      public String name() {
        return "recording";
      }

      @Override
      public ChatResponse chat(ChatRequest request) {
        return new ChatResponse("Red [1].", List.of(1), false, "stop", new ChatResponse.Usage(1, 1));
      }
    }, "v2");

    Answer a = pipeline.ask("What colour is the lamp?", SearchMode.BM25, 3, Filter.all(), false);

    assertEquals(List.of(hit), a.retrieval().results());
    assertEquals(SearchMode.BM25, a.retrieval().settings().mode(), "a retriever that says nothing still names the request's");
    assertEquals("v2", pipeline.promptVersion());
    String json = new com.fasterxml.jackson.databind.ObjectMapper().writeValueAsString(a);
    assertEquals(false, json.contains("retrieval"), json);
    assertEquals(true, json.contains("\"citations\""), json);
  }
}
