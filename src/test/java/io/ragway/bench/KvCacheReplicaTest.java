package io.ragway.bench;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import org.junit.jupiter.api.Test;

/** The simulated replica: its prefix cache, its cost per uncached token, its LRU eviction. */
class KvCacheReplicaTest {

  private static final ObjectMapper JSON = new ObjectMapper();
  private static final HttpClient HTTP = HttpClient.newHttpClient();

  private static ObjectNode chat(String system, String user) {
    ObjectNode body = JSON.createObjectNode().put("model", "sim").put("max_tokens", 4);
    body.putArray("messages").addObject().put("role", "system").put("content", system);
    ((com.fasterxml.jackson.databind.node.ArrayNode) body.get("messages")).addObject().put("role", "user").put("content", user);
    return body;
  }

  /** The answer's usage, and how long the (non-streamed) answer took in milliseconds. */
  private static JsonNode[] send(KvCacheReplica r, ObjectNode body) throws Exception {
    long t0 = System.nanoTime();
    HttpResponse<String> res = HTTP.send(HttpRequest.newBuilder(URI.create(r.baseUrl() + "/chat/completions"))
        .POST(HttpRequest.BodyPublishers.ofString(body.toString())).build(), HttpResponse.BodyHandlers.ofString());
    double ms = (System.nanoTime() - t0) / 1e6;
    assertEquals(200, res.statusCode(), res.body());
    return new JsonNode[] {JSON.readTree(res.body()).get("usage"), JSON.getNodeFactory().numberNode(ms)};
  }

  @Test
  void aRepeatedPrefixIsReadFromTheCacheAndAnUncachedOneCostsItsPrefill() throws Exception {
    // 1 ms per uncached token makes the prefill of ~500 tokens take at least half a second
    try (KvCacheReplica r = KvCacheReplica.start(new KvCacheReplica.Params(4, 0, 1.0, 10_000, 100_000, 16, 4, 4))) {
      String system = "The same long system prompt. ".repeat(70);
      JsonNode[] first = send(r, chat(system, "first question"));
      assertEquals(0, first[0].get("prompt_tokens_details").get("cached_tokens").asInt());
      int prompt = first[0].get("prompt_tokens").asInt();
      assertTrue(first[1].asDouble() >= prompt * 1.0, "prefill of " + prompt + " uncached tokens took " + first[1]);

      JsonNode[] second = send(r, chat(system, "second question, another one"));
      int cached = second[0].get("prompt_tokens_details").get("cached_tokens").asInt();
      assertTrue(cached >= system.length() / 4 - 16 && cached % 16 == 0, "the system prompt's whole blocks: " + cached);
      int uncached = second[0].get("prompt_tokens").asInt() - cached;
      assertTrue(second[1].asDouble() >= uncached, "prefill of the " + uncached + " uncached tokens: " + second[1] + " ms");
      KvCacheReplica.Served served = r.served();
      assertEquals(2, served.requests());
      assertEquals(cached, served.cachedTokens());
    }
  }

  @Test
  void theLeastRecentlyUsedBlocksLeaveAFullCache() throws Exception {
    // room for 8 blocks of 16 tokens (64 chars each): one 500-char prompt fills it
    try (KvCacheReplica r = KvCacheReplica.start(new KvCacheReplica.Params(4, 0, 0, 10_000, 128, 16, 4, 4))) {
      ObjectNode a = chat("A".repeat(500), "q");
      send(r, a);
      assertTrue(send(r, a)[0].get("prompt_tokens_details").get("cached_tokens").asInt() > 0);
      send(r, chat("B".repeat(500), "q"));
      assertEquals(0, send(r, a)[0].get("prompt_tokens_details").get("cached_tokens").asInt(), "pushed out by B's blocks");
    }
  }
}
