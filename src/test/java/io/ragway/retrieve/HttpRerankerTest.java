package io.ragway.retrieve;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.ragway.testkit.Chunks;
import io.ragway.testkit.FakeHttpServer;
import io.ragway.testkit.FakeHttpServer.Response;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;

class HttpRerankerTest {

  private static final List<Retrieved> CANDIDATES = List.of(
      new Retrieved(Chunks.of("a.md", 0, "alpha text"), 0.9, 1),
      new Retrieved(Chunks.of("b.md", 0, "beta text"), 0.8, 2),
      new Retrieved(Chunks.of("c.md", 0, "gamma text"), 0.7, 3));

  private static HttpReranker reranker(FakeHttpServer server, RerankerConfig.Style style) {
    return HttpReranker.create(new RerankerConfig(server.uri("/rerank"), "sk-1", "rr-model", style, Duration.ofSeconds(5)));
  }

  private static List<String> sources(List<Retrieved> r) {
    return r.stream().map(x -> x.chunk().source()).toList();
  }

  @Test
  void teiStyleSendsTextsAndReorders() throws Exception {
    try (FakeHttpServer server = new FakeHttpServer(r -> new Response(200,
        "[{\"index\":2,\"score\":0.99},{\"index\":0,\"score\":0.5},{\"index\":1,\"score\":0.1}]"))) {
      List<Retrieved> out = reranker(server, RerankerConfig.Style.TEI).rerank("q?", CANDIDATES, 2);
      assertEquals(List.of("c.md", "a.md"), sources(out));
      assertEquals(List.of(1, 2), out.stream().map(Retrieved::rank).toList());
      assertEquals(0.99, out.get(0).score(), 1e-9);
      var req = server.requests().get(0);
      assertEquals("Bearer sk-1", req.authorization());
      assertTrue(req.body().contains("\"texts\":[\"alpha text\",\"beta text\",\"gamma text\"]"), req.body());
      assertTrue(req.body().contains("\"query\":\"q?\""), req.body());
    }
  }

  @Test
  void cohereStyleSendsDocumentsModelAndTopN() throws Exception {
    try (FakeHttpServer server = new FakeHttpServer(r -> new Response(200,
        "{\"results\":[{\"index\":1,\"relevance_score\":0.8},{\"index\":2,\"relevance_score\":0.3}]}"))) {
      List<Retrieved> out = reranker(server, RerankerConfig.Style.COHERE).rerank("q", CANDIDATES, 3);
      assertEquals(List.of("b.md", "c.md"), sources(out), "candidates the reranker did not score are dropped");
      String body = server.requests().get(0).body();
      assertTrue(body.contains("\"documents\"") && body.contains("\"model\":\"rr-model\"") && body.contains("\"top_n\":3"), body);
    }
  }

  @Test
  void upstreamErrorsBecomeRerankExceptions() throws Exception {
    try (FakeHttpServer server = new FakeHttpServer(r -> new Response(503, "{\"error\":\"overloaded\"}"))) {
      RerankException e = assertThrows(RerankException.class,
          () -> reranker(server, RerankerConfig.Style.TEI).rerank("q", CANDIDATES, 2));
      assertTrue(e.getMessage().contains("503") && e.getMessage().contains("overloaded"), e.getMessage());
    }
    try (FakeHttpServer server = new FakeHttpServer(r -> new Response(200, "[{\"index\":7,\"score\":1}]"))) {
      assertThrows(RerankException.class, () -> reranker(server, RerankerConfig.Style.TEI).rerank("q", CANDIDATES, 2));
    }
    try (FakeHttpServer server = new FakeHttpServer(r -> new Response(200, "not json"))) {
      assertThrows(RerankException.class, () -> reranker(server, RerankerConfig.Style.TEI).rerank("q", CANDIDATES, 2));
    }
    FakeHttpServer gone = new FakeHttpServer(r -> new Response(200, "[]"));
    HttpReranker r = reranker(gone, RerankerConfig.Style.TEI);
    gone.close();
    RerankException e = assertThrows(RerankException.class, () -> r.rerank("q", CANDIDATES, 2));
    assertTrue(e.getMessage().contains("cannot reach"), e.getMessage());
  }

  @Test
  void anErrorEchoingTheApiKeyDoesNotCarryItFurther() throws Exception {
    try (FakeHttpServer server = new FakeHttpServer(r -> new Response(401, "{\"error\": \"bad key in " + r.authorization() + "\"}"))) {
      RerankException e = assertThrows(RerankException.class,
          () -> reranker(server, RerankerConfig.Style.TEI).rerank("q", CANDIDATES, 2));
      assertTrue(e.getMessage().contains("Bearer [api key]") && !e.getMessage().contains("sk-1"), e.getMessage());
    }
  }
}
