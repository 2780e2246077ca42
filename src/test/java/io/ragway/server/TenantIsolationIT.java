package io.ragway.server;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.ragway.limit.RateLimiter;
import io.ragway.llm.RetryPolicy;
import io.ragway.llm.Router;
import io.ragway.testkit.RagwayFixture;
import java.io.ByteArrayOutputStream;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Two tenants, each with a public document and one restricted to an ACL group, each holding a
 * secret word (in its text and its file name). Every path that returns data is asked by every key:
 * search in each mode, chat streamed or not (text and citations), both caches, sessions and the
 * document endpoints. Each key must see exactly the words it may read, so every "does not see" is
 * checked against a key that does.
 */
class TenantIsolationIT {

  private static final ObjectMapper JSON = new ObjectMapper();
  private static final HttpClient HTTP = HttpClient.newHttpClient();
  private static final String BOUNDARY = "ragway-isolation-boundary";

  /** The secret word of each document, by what may read it. */
  private static final String ALPHA_PUBLIC = "quokkamarble";
  private static final String ALPHA_FINANCE = "zebraflute";
  private static final String BETA_PUBLIC = "ocelotharp";
  private static final String BETA_LEGAL = "ibislantern";
  private static final List<String> SECRETS = List.of(ALPHA_PUBLIC, ALPHA_FINANCE, BETA_PUBLIC, BETA_LEGAL);

  @TempDir static Path tmp;
  private static RagwayFixture ragway;

  /** A key and the secret words it may read. */
  private record Key(String name, String secret, Set<String> reads) {
    @Override
    public String toString() {
      return name;
    }
  }

  private static Key alphaFinance;
  private static Key alphaPublic;
  private static Key alphaLegal;
  private static Key betaLegal;
  private static Key betaFinance;
  private static List<Key> everyKey;
  private static String financeDocId;

  @BeforeAll
  static void start() throws Exception {
    ragway = new RagwayFixture(tmp, new Router(List.of(), RetryPolicy.defaults(), new Random(1), d -> { }), "", true,
        RateLimiter.Limits.NONE, 0.9);
    alphaFinance = key("alpha", "finance", Set.of(ALPHA_PUBLIC, ALPHA_FINANCE));
    alphaPublic = key("alpha", null, Set.of(ALPHA_PUBLIC));
    alphaLegal = key("alpha", "legal", Set.of(ALPHA_PUBLIC));
    betaLegal = key("beta", "legal", Set.of(BETA_PUBLIC, BETA_LEGAL));
    betaFinance = key("beta", "finance", Set.of(BETA_PUBLIC));
    everyKey = List.of(alphaFinance, alphaPublic, alphaLegal, betaLegal, betaFinance);

    upload(alphaPublic, "vault-" + ALPHA_PUBLIC + ".md", "# Main vault\n\nThe main vault code is " + ALPHA_PUBLIC.toUpperCase(Locale.ROOT)
        + ". Anyone at Alpha may open the main vault.\n", null);
    financeDocId = upload(alphaFinance, "finance-" + ALPHA_FINANCE + ".md", "# Finance vault\n\nThe finance vault code is "
        + ALPHA_FINANCE.toUpperCase(Locale.ROOT) + ". Only the finance team may open the finance vault.\n", List.of("finance"));
    upload(betaLegal, "vault-" + BETA_PUBLIC + ".md", "# Main vault\n\nThe main vault code is " + BETA_PUBLIC.toUpperCase(Locale.ROOT)
        + ". Anyone at Beta may open the main vault.\n", null);
    // a multipart upload, its groups repeated and comma-separated
    HttpResponse<String> legal = send(HttpRequest.newBuilder(ragway.uri("/v1/documents"))
        .header("Authorization", "Bearer " + betaLegal.secret())
        .header("Content-Type", "multipart/form-data; boundary=" + BOUNDARY)
        .POST(HttpRequest.BodyPublishers.ofByteArray(form("legal-" + BETA_LEGAL + ".md",
            ("# Legal vault\n\nThe legal vault code is " + BETA_LEGAL.toUpperCase(Locale.ROOT)
                + ". Only the legal team may open the legal vault.\n"),
            List.of(Map.entry("groups", "legal"), Map.entry("groups", "counsel, legal"))))));
    assertEquals(202, legal.statusCode(), legal.body());
    JsonNode legalDoc = awaitReady(betaLegal, JSON.readTree(legal.body()).get("id").asText());
    assertEquals(List.of("counsel", "legal"), strings(legalDoc.get("groups")));
  }

  @AfterAll
  static void stop() {
    ragway.close();
  }

  // ---- HTTP ----

  private static Key key(String tenant, String group, Set<String> reads) {
    String secret = ragway.keys().create(tenant, "", group == null ? List.of() : List.of(group), 0, 0).secret();
    return new Key(tenant + (group == null ? "" : "/" + group), secret, reads);
  }

  private static HttpResponse<String> send(HttpRequest.Builder request) throws Exception {
    return HTTP.send(request.build(), HttpResponse.BodyHandlers.ofString());
  }

  private static HttpResponse<String> send(Key key, String method, String path, String body) throws Exception {
    return send(HttpRequest.newBuilder(ragway.uri(path)).header("Authorization", "Bearer " + key.secret())
        .header("Content-Type", "application/json")
        .method(method, body == null ? HttpRequest.BodyPublishers.noBody() : HttpRequest.BodyPublishers.ofString(body)));
  }

  private static String upload(Key key, String name, String text, List<String> groups) throws Exception {
    ObjectNode body = JSON.createObjectNode().put("name", name).put("text", text);
    if (groups != null) {
      groups.forEach(body.putArray("groups")::add);
    }
    HttpResponse<String> r = send(key, "POST", "/v1/documents", JSON.writeValueAsString(body));
    assertEquals(202, r.statusCode(), r.body());
    String id = JSON.readTree(r.body()).get("id").asText();
    JsonNode ready = awaitReady(key, id);
    assertEquals(groups == null ? List.of() : groups, strings(ready.get("groups")), ready.toString());
    return id;
  }

  private static JsonNode awaitReady(Key key, String id) throws Exception {
    long deadline = System.nanoTime() + 60_000_000_000L;
    while (System.nanoTime() < deadline) {
      HttpResponse<String> r = send(key, "GET", "/v1/documents/" + id, null);
      assertEquals(200, r.statusCode(), r.body());
      JsonNode doc = JSON.readTree(r.body());
      if (doc.get("status").asText().equals("ready")) {
        return doc;
      }
      assertNotEquals("failed", doc.get("status").asText(), r.body());
      Thread.sleep(20);
    }
    return fail("document " + id + " did not become ready");
  }

  private static byte[] form(String filename, String content, List<Map.Entry<String, String>> fields) {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    out.writeBytes(("--" + BOUNDARY + "\r\nContent-Disposition: form-data; name=\"file\"; filename=\"" + filename
        + "\"\r\nContent-Type: text/markdown\r\n\r\n" + content + "\r\n").getBytes(StandardCharsets.UTF_8));
    for (Map.Entry<String, String> f : fields) {
      out.writeBytes(("--" + BOUNDARY + "\r\nContent-Disposition: form-data; name=\"" + f.getKey() + "\"\r\n\r\n" + f.getValue()
          + "\r\n").getBytes(StandardCharsets.UTF_8));
    }
    out.writeBytes(("--" + BOUNDARY + "--\r\n").getBytes(StandardCharsets.UTF_8));
    return out.toByteArray();
  }

  private static List<String> strings(JsonNode array) {
    List<String> out = new ArrayList<>();
    array.forEach(n -> out.add(n.asText()));
    return out;
  }

  private static String chat(String model, String question, boolean stream, String sessionId) throws Exception {
    return chat(model, "", question, stream, sessionId);
  }

  /** @param system a system prompt, which makes a cache scope of its own so that tests do not meet in the caches */
  private static String chat(String model, String system, String question, boolean stream, String sessionId) throws Exception {
    ObjectNode body = JSON.createObjectNode().put("model", model).put("stream", stream).put("temperature", 0);
    if (sessionId != null) {
      body.put("session_id", sessionId);
    }
    var messages = body.putArray("messages");
    if (!system.isEmpty()) {
      messages.addObject().put("role", "system").put("content", system);
    }
    messages.addObject().put("role", "user").put("content", question);
    return JSON.writeValueAsString(body);
  }

  private static String cache(HttpResponse<String> r) {
    return r.headers().firstValue(ChatCompletions.CACHE_HEADER).orElse("none");
  }

  /** The secret words in a response (its text, citations, sources and titles alike). */
  private static Set<String> secretsIn(String body) {
    String lower = body.toLowerCase(Locale.ROOT);
    Set<String> found = new java.util.TreeSet<>();
    SECRETS.stream().filter(lower::contains).forEach(found::add);
    return found;
  }

  /** Asserts that the response holds no secret the key may not read. */
  private static void onlyReadable(Key key, HttpResponse<String> r, String what) {
    assertEquals(200, r.statusCode(), what + " for " + key + ": " + r.body());
    Set<String> leaked = new java.util.TreeSet<>(secretsIn(r.body()));
    leaked.removeAll(key.reads());
    assertTrue(leaked.isEmpty(), what + " showed " + key + " " + leaked + ": " + r.body());
  }

  // ---- tests ----

  @Test
  void searchInEveryModeReturnsOnlyWhatTheKeyMayRead() throws Exception {
    for (String mode : List.of("bm25", "dense", "hybrid")) {
      for (String query : List.of("vault code", ALPHA_FINANCE, BETA_LEGAL, ALPHA_PUBLIC + " " + BETA_PUBLIC)) {
        for (Key key : everyKey) {
          HttpResponse<String> r = send(key, "POST", "/v1/search", "{\"query\": \"" + query + "\", \"mode\": \"" + mode
              + "\", \"k\": 10}");
          onlyReadable(key, r, mode + " search '" + query + "'");
          if (query.equals("vault code")) {
            assertEquals(key.reads(), secretsIn(r.body()), mode + ": " + key + " finds every document it may read");
          }
        }
      }
    }
  }

  @Test
  void aCitedChunkAndItsNeighboursAreReadOnlyByKeysThatMayReadItsDocument() throws Exception {
    java.util.Map<String, String> secretOfChunk = new java.util.TreeMap<>();
    for (Key key : everyKey) {
      HttpResponse<String> r = send(key, "POST", "/v1/search", "{\"query\": \"vault code\", \"k\": 20}");
      for (JsonNode hit : JSON.readTree(r.body()).get("data")) {
        Set<String> in = secretsIn(hit.get("text").asText());
        if (in.isEmpty()) {
          continue; // another test's document
        }
        assertEquals(1, in.size(), hit.toString());
        secretOfChunk.put(hit.get("id").asText(), in.iterator().next());
      }
    }
    assertEquals(Set.copyOf(SECRETS), Set.copyOf(secretOfChunk.values()), "every document was found by some key");
    for (var chunk : secretOfChunk.entrySet()) {
      for (Key key : everyKey) {
        HttpResponse<String> r = send(key, "GET", "/v1/chunks/" + chunk.getKey() + "?around=2", null);
        if (key.reads().contains(chunk.getValue())) {
          onlyReadable(key, r, "chunk " + chunk.getKey());
          JsonNode body = JSON.readTree(r.body());
          assertTrue(body.get("text").asText().toLowerCase(Locale.ROOT).contains(chunk.getValue()), r.body());
          assertEquals(1, body.get("passages").findValues("cited").stream().filter(JsonNode::asBoolean).count(), r.body());
        } else {
          assertEquals(404, r.statusCode(), key + " reads chunk " + chunk.getKey() + ": " + r.body());
          assertEquals("chunk_not_found", JSON.readTree(r.body()).at("/error/code").asText(), r.body());
          assertTrue(secretsIn(r.body()).isEmpty(), r.body());
        }
      }
    }
  }

  @Test
  void chatAnswersAndCitationsStreamedOrNotUseOnlyWhatTheKeyMayRead() throws Exception {
    for (String model : List.of("rag", "extractive")) {
      for (boolean stream : List.of(false, true)) {
        for (Key key : everyKey) {
          for (String question : List.of("What is the finance vault code?", "What is the legal vault code?")) {
            HttpResponse<String> r = send(key, "POST", "/v1/chat/completions", chat(model, question, stream, null));
            onlyReadable(key, r, model + (stream ? " stream" : "") + " '" + question + "'");
            assertTrue(r.body().contains("citations"), r.body());
          }
        }
        String what = model + (stream ? " stream" : "");
        assertTrue(send(alphaFinance, "POST", "/v1/chat/completions", chat(model, "What is the finance vault code?", stream, null))
            .body().toUpperCase(Locale.ROOT).contains(ALPHA_FINANCE.toUpperCase(Locale.ROOT)), what + ": the finance key is answered");
        assertTrue(secretsIn(send(betaLegal, "POST", "/v1/chat/completions", chat(model, "What is the legal vault code?", stream,
            null)).body()).contains(BETA_LEGAL), what + ": the legal key is answered");
      }
    }
  }

  @Test
  void anExactCacheHitIsNeverReplayedToAnotherTenantOrGroupSet() throws Exception {
    for (boolean stream : List.of(false, true)) {
      String body = chat("rag", "Exact cache test, " + (stream ? "streamed." : "JSON."), "Which code opens the finance vault?", stream,
          null);
      HttpResponse<String> first = send(alphaFinance, "POST", "/v1/chat/completions", body);
      assertEquals("miss", cache(first), first.body());
      assertTrue(secretsIn(first.body()).contains(ALPHA_FINANCE), first.body());
      HttpResponse<String> again = send(alphaFinance, "POST", "/v1/chat/completions", body);
      assertEquals("hit", cache(again), "the same key gets the cached answer");
      assertTrue(secretsIn(again.body()).contains(ALPHA_FINANCE), again.body());
      for (Key other : List.of(alphaPublic, alphaLegal, betaFinance, betaLegal)) {
        HttpResponse<String> r = send(other, "POST", "/v1/chat/completions", body);
        assertEquals("miss", cache(r), "the finance answer is not replayed to " + other);
        onlyReadable(other, r, "the same request" + (stream ? ", streamed," : ""));
      }
    }
  }

  @Test
  void aParaphraseIsNeverASemanticHitAcrossTenantsOrGroupSets() throws Exception {
    String system = "Semantic cache test.";
    HttpResponse<String> first = send(alphaFinance, "POST", "/v1/chat/completions",
        chat("rag", system, "What is the secret code of the finance vault?", false, null));
    assertEquals("miss", cache(first));
    assertTrue(secretsIn(first.body()).contains(ALPHA_FINANCE), first.body());
    String paraphrase = chat("rag", system, "What is the secret code for the finance vault?", false, null);
    for (Key other : List.of(alphaPublic, alphaLegal, betaFinance, betaLegal)) {
      HttpResponse<String> r = send(other, "POST", "/v1/chat/completions", paraphrase);
      assertEquals("miss", cache(r), "no semantic hit for " + other);
      onlyReadable(other, r, "a paraphrase");
    }
    HttpResponse<String> near = send(alphaFinance, "POST", "/v1/chat/completions", paraphrase);
    assertEquals("semantic", cache(near), "the paraphrase is a semantic hit for the key that asked first");
    assertTrue(secretsIn(near.body()).contains(ALPHA_FINANCE), near.body());
  }

  @Test
  void aSessionIsReadAndContinuedOnlyByTheKeyThatCreatedIt() throws Exception {
    HttpResponse<String> created = send(alphaFinance, "POST", "/v1/sessions", "{}");
    assertEquals(201, created.statusCode(), created.body());
    String id = JSON.readTree(created.body()).get("id").asText();
    HttpResponse<String> answered = send(alphaFinance, "POST", "/v1/chat/completions",
        chat("extractive", "Tell me the finance vault code.", false, id));
    assertEquals(200, answered.statusCode(), answered.body());
    HttpResponse<String> mine = send(alphaFinance, "GET", "/v1/sessions/" + id, null);
    assertEquals(200, mine.statusCode());
    assertTrue(secretsIn(mine.body()).contains(ALPHA_FINANCE), mine.body());
    int turns = JSON.readTree(mine.body()).get("messages").size();

    for (Key other : List.of(alphaPublic, alphaLegal, betaFinance, betaLegal)) {
      HttpResponse<String> read = send(other, "GET", "/v1/sessions/" + id, null);
      assertEquals(404, read.statusCode(), other + ": " + read.body());
      assertFalse(secretsIn(read.body()).contains(ALPHA_FINANCE));
      HttpResponse<String> cont = send(other, "POST", "/v1/chat/completions", chat("extractive", "And the code again?", false, id));
      assertEquals(404, cont.statusCode(), other + ": " + cont.body());
      assertEquals("session_not_found", JSON.readTree(cont.body()).at("/error/code").asText());
      assertFalse(secretsIn(cont.body()).contains(ALPHA_FINANCE));
      assertEquals(404, send(other, "DELETE", "/v1/sessions/" + id, null).statusCode());
    }
    JsonNode after = JSON.readTree(send(alphaFinance, "GET", "/v1/sessions/" + id, null).body());
    assertEquals(turns, after.get("messages").size(), "nobody else appended to it or deleted it");
  }

  @Test
  void documentsOfAnotherTenantOrGroupAreNeitherListedNorFoundNorDeleted() throws Exception {
    for (Key key : everyKey) {
      HttpResponse<String> list = send(key, "GET", "/v1/documents", null);
      onlyReadable(key, list, "the document list");
      assertEquals(key.reads(), secretsIn(list.body()), key + " lists every document it may read");
    }
    assertEquals(200, send(alphaFinance, "GET", "/v1/documents/" + financeDocId, null).statusCode());
    for (Key other : List.of(alphaPublic, alphaLegal, betaFinance, betaLegal)) {
      HttpResponse<String> get = send(other, "GET", "/v1/documents/" + financeDocId, null);
      assertEquals(404, get.statusCode(), other + ": " + get.body());
      assertEquals("document_not_found", JSON.readTree(get.body()).at("/error/code").asText());
      assertEquals(404, send(other, "DELETE", "/v1/documents/" + financeDocId, null).statusCode(), other.toString());
    }
    HttpResponse<String> replace = send(alphaPublic, "POST", "/v1/documents", JSON.writeValueAsString(JSON.createObjectNode()
        .put("name", "finance-" + ALPHA_FINANCE + ".md").put("text", "Overwritten by someone outside finance.")));
    assertEquals(409, replace.statusCode(), "a hidden document cannot be replaced: " + replace.body());
    assertEquals("document_exists", JSON.readTree(replace.body()).at("/error/code").asText());

    String memo = null;
    for (String groups : List.of("finance", "")) { // an empty form field makes the new version public
      HttpResponse<String> r = send(HttpRequest.newBuilder(ragway.uri("/v1/documents"))
          .header("Authorization", "Bearer " + alphaFinance.secret())
          .header("Content-Type", "multipart/form-data; boundary=" + BOUNDARY)
          .POST(HttpRequest.BodyPublishers.ofByteArray(form("memo.md", "# Memo\n\nThe canteen closes early on " + (groups.isEmpty()
              ? "Fridays" : "Mondays") + ".\n", List.of(Map.entry("groups", groups))))));
      assertEquals(202, r.statusCode(), r.body());
      memo = JSON.readTree(r.body()).get("id").asText();
      assertEquals(groups.isEmpty() ? List.of() : List.of(groups), strings(awaitReady(alphaFinance, memo).get("groups")));
    }
    assertEquals(200, send(alphaPublic, "GET", "/v1/documents/" + memo, null).statusCode());

    JsonNode still = JSON.readTree(send(alphaFinance, "GET", "/v1/documents/" + financeDocId, null).body());
    assertEquals("ready", still.get("status").asText(), "the outsiders' deletes and upload changed nothing");
    HttpResponse<String> found = send(alphaFinance, "POST", "/v1/search", "{\"query\": \"" + ALPHA_FINANCE + "\", \"mode\": \"bm25\"}");
    assertTrue(found.body().toUpperCase(Locale.ROOT).contains("CODE IS " + ALPHA_FINANCE.toUpperCase(Locale.ROOT)), found.body());
  }
}
