package io.ragway.server;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.openai.client.OpenAIClient;
import com.openai.client.okhttp.OpenAIOkHttpClient;
import com.openai.core.JsonValue;
import com.openai.core.http.StreamResponse;
import com.openai.errors.BadRequestException;
import com.openai.errors.NotFoundException;
import com.openai.models.chat.completions.ChatCompletion;
import com.openai.models.chat.completions.ChatCompletionChunk;
import com.openai.models.chat.completions.ChatCompletionCreateParams;
import com.openai.models.embeddings.CreateEmbeddingResponse;
import com.openai.models.embeddings.EmbeddingCreateParams;
import com.openai.models.models.Model;
import io.ragway.testkit.RagwayFixture;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The official OpenAI Java SDK, unchanged, pointed at ragway. */
class OpenAiSdkIT {

  @TempDir static Path tmp;
  private static RagwayFixture ragway;
  private static OpenAIClient client;

  @BeforeAll
  static void start() throws Exception {
    ragway = new RagwayFixture(tmp);
    client = OpenAIOkHttpClient.builder().baseUrl(ragway.uri("/v1").toString()).apiKey("not-needed").maxRetries(0).build();
  }

  @AfterAll
  static void stop() {
    client.close();
    ragway.close();
  }

  private static ChatCompletionCreateParams ask(String model, String question) {
    return ChatCompletionCreateParams.builder().model(model).addUserMessage(question).build();
  }

  @Test
  void chatCompletionWithCitations() {
    ChatCompletion c = client.chat().completions().create(ask("rag", "When was the lighthouse built?"));
    String content = c.choices().get(0).message().content().orElseThrow();
    assertTrue(content.contains("1872"), content);
    JsonValue citations = c.choices().get(0).message()._additionalProperties().get("citations");
    assertTrue(citations != null && citations.toString().contains("lighthouse.md"), String.valueOf(citations));
    assertTrue(c.usage().orElseThrow().totalTokens() > 0);
  }

  @Test
  void streamingChatCompletion() {
    StringBuilder content = new StringBuilder();
    try (StreamResponse<ChatCompletionChunk> stream =
        client.chat().completions().createStreaming(ask("rag", "What time does the bakery open?"))) {
      stream.stream().forEach(chunk -> chunk.choices().forEach(ch -> ch.delta().content().ifPresent(content::append)));
    }
    assertTrue(content.toString().contains("six in the morning"), content.toString());
  }

  @Test
  void listsModelsAndEmbeds() {
    List<String> ids = client.models().list().data().stream().map(Model::id).toList();
    assertEquals(List.of("rag", "extractive"), ids);
    CreateEmbeddingResponse e = client.embeddings().create(EmbeddingCreateParams.builder()
        .model(ragway.embeddingModel()).input("harbour lighthouse").build());
    assertEquals(384, e.data().get(0).embedding().size());
  }

  @Test
  void errorsMapToSdkExceptions() {
    NotFoundException notFound = assertThrows(NotFoundException.class,
        () -> client.chat().completions().create(ask("gpt-9", "hi")));
    assertTrue(notFound.getMessage().contains("gpt-9"), notFound.getMessage());
    BadRequestException bad = assertThrows(BadRequestException.class, () -> client.chat().completions().create(
        ChatCompletionCreateParams.builder().model("rag").addSystemMessage("only a system message").build()));
    assertFalse(bad.getMessage().isBlank());
  }
}
