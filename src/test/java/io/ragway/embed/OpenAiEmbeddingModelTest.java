package io.ragway.embed;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.ragway.testkit.FakeHttpServer;
import io.ragway.testkit.FakeHttpServer.Response;
import java.net.URI;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;

class OpenAiEmbeddingModelTest {

  private static final ObjectMapper JSON = new ObjectMapper();

  /** Embeds each input as [length, 0, 0] plus a marker, answering items in reverse order. */
  private static Response embed(FakeHttpServer.Request r) {
    try {
      JsonNode inputs = JSON.readTree(r.body()).get("input");
      StringBuilder data = new StringBuilder();
      for (int i = inputs.size() - 1; i >= 0; i--) {
        data.append(data.isEmpty() ? "" : ",").append("{\"object\":\"embedding\",\"index\":").append(i)
            .append(",\"embedding\":[").append(inputs.get(i).asText().length()).append(",0,3]}");
      }
      return new Response(200, "{\"object\":\"list\",\"data\":[" + data + "],\"model\":\"m\"}");
    } catch (Exception e) {
      return new Response(500, e.toString());
    }
  }

  private static EmbeddingModel model(URI base, int batch) {
    return EmbeddingModels.openAi(new OpenAiEmbeddingConfig(base, "sk-x", "text-embed", 0, batch, "query: ", Duration.ofSeconds(5)));
  }

  @Test
  void batchesOrdersByIndexAndNormalises() throws Exception {
    try (FakeHttpServer server = new FakeHttpServer(OpenAiEmbeddingModelTest::embed)) {
      EmbeddingModel m = model(server.uri("/v1"), 2);
      List<float[]> v = m.embedDocuments(List.of("abcd", "", "a", "abcdefgh", "xyz"));
      assertEquals(5, v.size());
      assertEquals(3, server.requests().size(), "5 texts in batches of 2");
      assertEquals("/v1/embeddings", server.requests().get(0).path());
      assertEquals("Bearer sk-x", server.requests().get(0).authorization());
      assertArrayEquals(new float[] {0.8f, 0f, 0.6f}, v.get(0), 1e-6f); // [4,0,3] / 5
      assertArrayEquals(new float[] {0f, 0f, 1f}, v.get(1), 1e-6f);
      assertEquals(3, m.dimension());
      assertEquals("openai:text-embed", m.id());
    }
  }

  @Test
  void queriesGetThePrefix() throws Exception {
    try (FakeHttpServer server = new FakeHttpServer(OpenAiEmbeddingModelTest::embed)) {
      model(server.uri("/v1/"), 8).embedQuery("hi");
      assertTrue(server.requests().get(0).body().contains("\"query: hi\""), server.requests().get(0).body());
    }
  }

  @Test
  void failuresNameTheEndpointAndStatus() throws Exception {
    try (FakeHttpServer server = new FakeHttpServer(r -> new Response(401, "{\"error\":{\"message\":\"bad key\"}}"))) {
      EmbeddingException e = assertThrows(EmbeddingException.class, () -> model(server.uri("/v1"), 8).embedQuery("x"));
      assertTrue(e.getMessage().contains("401") && e.getMessage().contains("bad key") && e.getMessage().contains("/v1/embeddings"),
          e.getMessage());
    }
    try (FakeHttpServer server = new FakeHttpServer(r -> new Response(200, "{\"data\": [}"))) {
      assertTrue(assertThrows(EmbeddingException.class, () -> model(server.uri("/v1"), 8).embedQuery("x"))
          .getMessage().contains("malformed JSON"));
    }
    try (FakeHttpServer server = new FakeHttpServer(r -> new Response(200, "{\"data\": []}"))) {
      assertTrue(assertThrows(EmbeddingException.class, () -> model(server.uri("/v1"), 8).embedQuery("x"))
          .getMessage().contains("0 embeddings for 1"));
    }
    FakeHttpServer gone = new FakeHttpServer(r -> new Response(200, ""));
    URI uri = gone.uri("/v1");
    gone.close();
    assertTrue(assertThrows(EmbeddingException.class, () -> model(uri, 8).embedQuery("x")).getMessage().contains("cannot reach"));
  }

  @Test
  void rejectsBadConfiguration() {
    assertThrows(IllegalArgumentException.class,
        () -> new OpenAiEmbeddingConfig(URI.create("ftp://x"), "", "", 0, 8, "", null));
    assertThrows(IllegalArgumentException.class,
        () -> new OpenAiEmbeddingConfig(URI.create("http://x"), "", "", 0, 0, "", null));
  }

  @Test
  void anErrorEchoingTheApiKeyDoesNotCarryItFurther() throws Exception {
    try (FakeHttpServer server = new FakeHttpServer(r -> new Response(401,
        "{\"error\": {\"message\": \"bad key in header " + r.authorization() + "\"}}"))) {
      EmbeddingException e = assertThrows(EmbeddingException.class, () -> model(server.uri("/v1"), 8).embedQuery("x"));
      assertTrue(e.getMessage().contains("Bearer [api key]") && !e.getMessage().contains("sk-x"), e.getMessage());
    }
  }
}
