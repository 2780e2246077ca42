package io.ragway.server;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.ragway.testkit.RagwayFixture;
import java.io.ByteArrayOutputStream;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class DocumentsIT {

  private static final ObjectMapper JSON = new ObjectMapper();
  private static final HttpClient HTTP = HttpClient.newHttpClient();
  private static final String BOUNDARY = "ragway-test-boundary";
  @TempDir static Path tmp;
  private static RagwayFixture ragway;

  @BeforeAll
  static void start() throws Exception {
    ragway = new RagwayFixture(tmp);
  }

  @AfterAll
  static void stop() {
    ragway.close();
  }

  // ---- HTTP ----

  private static HttpResponse<String> send(HttpRequest.Builder request) throws Exception {
    return HTTP.send(request.build(), HttpResponse.BodyHandlers.ofString());
  }

  private static HttpResponse<String> post(String path, String json) throws Exception {
    return send(HttpRequest.newBuilder(ragway.uri(path)).header("Content-Type", "application/json")
        .POST(HttpRequest.BodyPublishers.ofString(json)));
  }

  private static HttpResponse<String> get(String path) throws Exception {
    return send(HttpRequest.newBuilder(ragway.uri(path)).GET());
  }

  private static HttpResponse<String> delete(String path) throws Exception {
    return send(HttpRequest.newBuilder(ragway.uri(path)).DELETE());
  }

  private static HttpResponse<String> uploadJson(String name, String text, String... tags) throws Exception {
    ObjectNode body = JSON.createObjectNode().put("name", name).put("text", text);
    for (String t : tags) {
      body.withArray("tags").add(t);
    }
    return post("/v1/documents", JSON.writeValueAsString(body));
  }

  /** A multipart/form-data body: a {@code file} part (unless {@code filename} is null), then the fields. */
  private static byte[] form(String filename, byte[] content, Map<String, String> fields) {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    if (filename != null) {
      out.writeBytes(("--" + BOUNDARY + "\r\nContent-Disposition: form-data; name=\"file\"; filename=\"" + filename
          + "\"\r\nContent-Type: application/octet-stream\r\n\r\n").getBytes(StandardCharsets.UTF_8));
      out.writeBytes(content);
      out.writeBytes("\r\n".getBytes(StandardCharsets.UTF_8));
    }
    fields.forEach((k, v) -> out.writeBytes(("--" + BOUNDARY + "\r\nContent-Disposition: form-data; name=\"" + k + "\"\r\n\r\n"
        + v + "\r\n").getBytes(StandardCharsets.UTF_8)));
    out.writeBytes(("--" + BOUNDARY + "--\r\n").getBytes(StandardCharsets.UTF_8));
    return out.toByteArray();
  }

  private static HttpResponse<String> uploadForm(byte[] body) throws Exception {
    return send(HttpRequest.newBuilder(ragway.uri("/v1/documents"))
        .header("Content-Type", "multipart/form-data; boundary=" + BOUNDARY).POST(HttpRequest.BodyPublishers.ofByteArray(body)));
  }

  /** Polls the document until it is ready or failed. */
  private static JsonNode awaitSettled(String id) throws Exception {
    long deadline = System.nanoTime() + 60_000_000_000L;
    while (System.nanoTime() < deadline) {
      HttpResponse<String> r = get("/v1/documents/" + id);
      assertEquals(200, r.statusCode(), r.body());
      JsonNode doc = JSON.readTree(r.body());
      String status = doc.get("status").asText();
      assertTrue(Set.of("queued", "processing", "ready", "failed").contains(status), r.body());
      if (status.equals("ready") || status.equals("failed")) {
        return doc;
      }
      Thread.sleep(20);
    }
    return fail("document " + id + " did not settle");
  }

  private static JsonNode accepted(HttpResponse<String> r) throws Exception {
    assertEquals(202, r.statusCode(), r.body());
    JsonNode doc = JSON.readTree(r.body());
    assertEquals("queued", doc.get("status").asText(), r.body());
    return doc;
  }

  private static List<String> searchSources(String query) throws Exception {
    HttpResponse<String> r = post("/v1/search", "{\"query\": " + JSON.writeValueAsString(query) + ", \"k\": 3}");
    assertEquals(200, r.statusCode(), r.body());
    List<String> sources = new ArrayList<>();
    JSON.readTree(r.body()).get("data").forEach(hit -> sources.add(hit.get("source").asText()));
    return sources;
  }

  private static HttpResponse<String> ask(String question) throws Exception {
    return post("/v1/chat/completions", "{\"model\": \"rag\", \"temperature\": 0, \"messages\": [{\"role\": \"user\", \"content\": "
        + JSON.writeValueAsString(question) + "}]}");
  }

  private static List<String> citedSources(HttpResponse<String> r) throws Exception {
    assertEquals(200, r.statusCode(), r.body());
    List<String> sources = new ArrayList<>();
    JSON.readTree(r.body()).get("choices").get(0).get("message").path("citations").forEach(c -> sources.add(c.get("source").asText()));
    return sources;
  }

  private static Map<String, JsonNode> listed() throws Exception {
    HttpResponse<String> r = get("/v1/documents");
    assertEquals(200, r.statusCode(), r.body());
    JsonNode list = JSON.readTree(r.body());
    assertEquals("list", list.get("object").asText());
    Map<String, JsonNode> bySource = new LinkedHashMap<>();
    list.get("data").forEach(d -> bySource.put(d.get("source").asText(), d));
    return bySource;
  }

  private static void assertError(HttpResponse<String> r, int status, String code, String param, String fragment) throws Exception {
    assertEquals(status, r.statusCode(), r.body());
    JsonNode error = JSON.readTree(r.body()).get("error");
    assertTrue(error.get("message").asText().contains(fragment), r.body());
    assertEquals("invalid_request_error", error.get("type").asText(), r.body());
    assertEquals(code == null ? "null" : code, error.get("code").asText(), r.body());
    assertEquals(param == null ? "null" : param, error.get("param").asText(), r.body());
  }

  // ---- tests ----

  @Test
  void aJsonUploadIsSearchedAndCitedOnceReadyAndForgottenOnceDeleted() throws Exception {
    String question = "How high does the spring tide at Gull Point reach?";
    HttpResponse<String> before = ask(question);
    assertFalse(citedSources(before).contains("upload:tides.md"));
    assertEquals("hit", ask(question).headers().firstValue("x-ragway-cache").orElse(""), "the repeat is cached");

    JsonNode queued = accepted(uploadJson("tides.md", "# Tide tables\n\nThe spring tide at Gull Point reaches four metres in March.\n",
        "sea"));
    String id = queued.get("id").asText();
    assertTrue(id.matches("doc_[0-9a-f]{24}"), id);
    assertEquals("document", queued.get("object").asText());
    assertEquals("upload:tides.md", queued.get("source").asText());
    assertEquals("tides.md", queued.get("filename").asText());
    assertEquals("upload", queued.get("origin").asText());
    assertTrue(queued.get("bytes").asLong() > 0);
    assertTrue(queued.get("created_at").asLong() > 1_700_000_000L);
    assertTrue(queued.get("error").isNull());

    JsonNode ready = awaitSettled(id);
    assertEquals("ready", ready.get("status").asText(), ready.toString());
    assertTrue(ready.get("chunks").asInt() >= 1, ready.toString());
    assertTrue(Files.isRegularFile(tmp.resolve("data/uploads/default/tides.md")));
    assertEquals("upload:tides.md", searchSources("spring tide Gull Point").get(0));

    HttpResponse<String> after = ask(question);
    assertEquals("miss", after.headers().firstValue("x-ragway-cache").orElse(""), "the upload retired the cached answer");
    assertTrue(citedSources(after).contains("upload:tides.md"), after.body());
    assertTrue(JSON.readTree(after.body()).get("choices").get(0).get("message").get("content").asText().contains("four metres"),
        after.body());

    HttpResponse<String> deleted = delete("/v1/documents/" + id);
    assertEquals(200, deleted.statusCode(), deleted.body());
    JsonNode d = JSON.readTree(deleted.body());
    assertEquals(id, d.get("id").asText());
    assertEquals("document", d.get("object").asText());
    assertTrue(d.get("deleted").asBoolean());
    assertFalse(Files.exists(tmp.resolve("data/uploads/default/tides.md")));
    assertFalse(searchSources("spring tide Gull Point").contains("upload:tides.md"));
    HttpResponse<String> gone = ask(question);
    assertEquals("miss", gone.headers().firstValue("x-ragway-cache").orElse(""));
    assertFalse(citedSources(gone).contains("upload:tides.md"), gone.body());
    assertError(get("/v1/documents/" + id), 404, "document_not_found", "id", id);
    assertError(delete("/v1/documents/" + id), 404, "document_not_found", "id", id);
  }

  @Test
  void aMultipartUploadTakesItsTitleAndTagsAndParsesBinaryFormats() throws Exception {
    byte[] body = form("ferry.txt", "The ferry to Hollow Isle leaves at nine and carries bicycles.".getBytes(StandardCharsets.UTF_8),
        Map.of("title", "Ferry timetable", "tags", "transport, sea"));
    String id = accepted(uploadForm(body)).get("id").asText();
    assertEquals("ready", awaitSettled(id).get("status").asText());
    HttpResponse<String> r = post("/v1/search", "{\"query\": \"ferry Hollow Isle\", \"tags\": [\"transport\"]}");
    JsonNode hit = JSON.readTree(r.body()).get("data").get(0);
    assertEquals("upload:ferry.txt", hit.get("source").asText(), r.body());
    assertEquals("Ferry timetable", hit.get("title").asText(), r.body());

    byte[] pdf = io.ragway.testkit.Documents.pdf("Pier rules", null, "Anglers may fish from the north pier after dusk.");
    JsonNode pdfDoc = awaitSettled(accepted(uploadForm(form("pier.pdf", pdf, Map.of()))).get("id").asText());
    assertEquals("ready", pdfDoc.get("status").asText(), pdfDoc.toString());
    assertEquals(pdf.length, pdfDoc.get("bytes").asInt());
    assertEquals("upload:pier.pdf", searchSources("anglers north pier").get(0));

    JsonNode broken = awaitSettled(accepted(uploadForm(form("broken.pdf", "not a pdf".getBytes(StandardCharsets.UTF_8), Map.of())))
        .get("id").asText());
    assertEquals("failed", broken.get("status").asText(), broken.toString());
    assertFalse(broken.get("error").asText().isBlank(), broken.toString());
    assertEquals(0, broken.get("chunks").asInt());
  }

  @Test
  void uploadingTheSameNameReplacesItAndIdenticalContentIsANoOp() throws Exception {
    String id = accepted(uploadJson("market.md", "The fish market opens on Tuesdays.")).get("id").asText();
    assertEquals("ready", awaitSettled(id).get("status").asText());

    HttpResponse<String> same = uploadJson("market.md", "The fish market opens on Tuesdays.");
    assertEquals(200, same.statusCode(), same.body());
    assertEquals("ready", JSON.readTree(same.body()).get("status").asText());
    assertEquals(id, JSON.readTree(same.body()).get("id").asText());

    assertEquals(id, accepted(uploadJson("market.md", "The fish market now opens on Saturdays.")).get("id").asText());
    assertEquals("ready", awaitSettled(id).get("status").asText());
    assertEquals("upload:market.md", searchSources("fish market Saturdays").get(0));
    HttpResponse<String> r = post("/v1/search", "{\"query\": \"Tuesdays\", \"source_prefix\": \"upload:market\"}");
    for (JsonNode hit : JSON.readTree(r.body()).get("data")) {
      assertFalse(hit.get("text").asText().contains("Tuesdays"), "the old version is gone: " + r.body());
    }
    assertEquals(1, listed().keySet().stream().filter(s -> s.equals("upload:market.md")).count());
  }

  @Test
  void aFailedUploadKeepsThePreviousVersion() throws Exception {
    String id = accepted(uploadJson("keys.md", "# Keys\n\nThe harbour master keeps the boathouse keys.")).get("id").asText();
    assertEquals("ready", awaitSettled(id).get("status").asText());
    int chunks = awaitSettled(id).get("chunks").asInt();

    JsonNode failed = awaitSettled(accepted(uploadJson("keys.md", "  \n\n  ")).get("id").asText());
    assertEquals("failed", failed.get("status").asText(), failed.toString());
    assertTrue(failed.get("error").asText().contains("previous version"), failed.toString());
    assertEquals(chunks, failed.get("chunks").asInt(), "the previous version is still indexed");
    assertEquals("failed", listed().get("upload:keys.md").get("status").asText());
    assertEquals("upload:keys.md", searchSources("harbour master boathouse keys").get(0));
    assertTrue(Files.readString(tmp.resolve("data/uploads/default/keys.md")).contains("boathouse"));
  }

  @Test
  void listsUploadsAndFolderDocumentsWithPages() throws Exception {
    awaitSettled(accepted(uploadJson("gulls.txt", "Gulls nest on the cliffs in spring.")).get("id").asText());
    Map<String, JsonNode> all = listed();
    JsonNode folder = all.values().stream().filter(d -> d.get("source").asText().endsWith("docs/lighthouse.md")).findFirst()
        .orElseThrow(() -> new AssertionError(all.keySet()));
    assertEquals("folder", folder.get("origin").asText());
    assertEquals("ready", folder.get("status").asText());
    assertEquals("lighthouse.md", folder.get("filename").asText());
    assertTrue(folder.get("chunks").asInt() >= 1);
    assertEquals(folder.toString(), JSON.readTree(get("/v1/documents/" + folder.get("id").asText()).body()).toString());
    assertEquals("upload", all.get("upload:gulls.txt").get("origin").asText());

    assertError(delete("/v1/documents/" + folder.get("id").asText()), 409, "document_from_folder", "id", "folder");
    assertTrue(listed().containsKey(folder.get("source").asText()), "a folder document is not deleted");

    List<String> paged = new ArrayList<>();
    String after = null;
    boolean more = true;
    while (more) {
      JsonNode page = JSON.readTree(get("/v1/documents?limit=1" + (after == null ? "" : "&after=" + after)).body());
      assertEquals(1, page.get("data").size(), page.toString());
      paged.add(page.get("data").get(0).get("source").asText());
      after = page.get("last_id").asText();
      more = page.get("has_more").asBoolean();
    }
    assertEquals(List.copyOf(listed().keySet()), paged);
    assertError(get("/v1/documents?limit=0"), 400, null, "limit", "limit");
    assertError(get("/v1/documents?limit=abc"), 400, null, "limit", "limit");
    assertError(get("/v1/documents?after=doc_unknown"), 400, null, "after", "doc_unknown");
  }

  @Test
  void badNamesAndBadBodiesAreRefusedAndNothingIsWritten() throws Exception {
    for (String name : List.of("../x.md", "/tmp/x.md", "a/b.md", "..\\x.md", ".x.md", "x\u0000.md", "", "x".repeat(300) + ".md")) {
      assertError(uploadJson(name, "text"), 400, "invalid_file_name", "name", name.isEmpty() ? "empty" : "");
    }
    assertError(uploadJson("table.csv", "a,b"), 400, "unsupported_file_type", "name", "'.csv' files are not supported");
    assertError(uploadJson("README", "text"), 400, "unsupported_file_type", "name", "without an extension");
    assertError(uploadForm(form("../evil.md", "text".getBytes(StandardCharsets.UTF_8), Map.of())), 400, "invalid_file_name", "file",
        "");
    assertFalse(Files.exists(tmp.resolve("data/uploads/x.md")));
    assertFalse(Files.exists(tmp.resolve("data/x.md")));
    assertFalse(Files.exists(tmp.resolve("data/uploads/evil.md")));

    assertError(post("/v1/documents", "{\"name\": \"a.md\", "), 400, null, null, "could not parse the JSON body");
    assertError(post("/v1/documents", "[]"), 400, null, null, "JSON object");
    assertError(post("/v1/documents", "{\"text\": \"hello\"}"), 400, null, "name", "Missing required parameter: 'name'");
    assertError(post("/v1/documents", "{\"name\": \"a.md\"}"), 400, null, "text", "Missing required parameter: 'text'");
    assertError(post("/v1/documents", "{\"name\": \"a.md\", \"text\": 42}"), 400, null, "text", "expected a string");
    assertError(post("/v1/documents", "{\"name\": \"a.md\", \"text\": \"\"}"), 400, null, "text", "empty");
    assertError(post("/v1/documents", "{\"name\": \"a.md\", \"text\": \"x\", \"tags\": \"sea\"}"), 400, null, "tags", "array");
    assertError(post("/v1/documents", "{\"name\": \"a.md\", \"text\": \"x\", \"tags\": [\" \"]}"), 400, null, "tags", "Tags");
    assertError(uploadForm(form(null, null, Map.of("title", "no file"))), 400, null, "file", "'file'");
    assertError(uploadForm(form("empty.md", new byte[0], Map.of())), 400, "empty_file", "file", "empty");
    assertError(uploadForm(form("big.md", new byte[(int) RagwayFixture.MAX_BODY + 1], Map.of())), 413, "request_too_large", null,
        "larger than");
    byte[] small = form("chunked.md", "text".getBytes(StandardCharsets.UTF_8), Map.of());
    assertError(send(HttpRequest.newBuilder(ragway.uri("/v1/documents")).header("Content-Type", "multipart/form-data; boundary=" + BOUNDARY)
        .POST(HttpRequest.BodyPublishers.ofInputStream(() -> new java.io.ByteArrayInputStream(small)))), 411, "length_required", null,
        "Content-Length");
    assertError(get("/v1/documents/doc_000000000000000000000000"), 404, "document_not_found", "id", "doc_000000000000000000000000");
    assertFalse(listed().containsKey("upload:a.md"));
  }

  @Test
  void noUploadNameOrTenantLeadsOutsideTheTenantsUploadsFolder() throws Exception {
    Path uploads = tmp.resolve("data/uploads");
    String marker = "escape-marker-" + System.nanoTime();
    String evilTenant = "../../evil";
    String evilKey = ragway.keys().create(evilTenant, "", List.of(), 0, 0).secret();
    List<String> names = List.of("../../escape.txt", "/etc/passwd", "/etc/passwd.txt", "..\\..\\x.txt", "a/../../b.txt",
        "nul\u0000.txt", "nul.txt\u0000.md", "%2e%2e%2fescape.txt", "%2e%2e%5cescape.txt", "..%2fescape.txt", "x".repeat(300) + ".txt",
        "y".repeat(251) + ".txt", "..", ".", "./z.txt", "~/z.txt", "C:\\z.txt", "z.txt/", "\u2025\u2215z.txt", "..\uff0fz.txt");
    Set<Path> before = filesOutsideTheIndex();
    List<String> stored = new ArrayList<>();
    for (String name : names) {
      for (String key : java.util.Arrays.asList(null, evilKey)) {
        ObjectNode json = JSON.createObjectNode().put("name", name).put("text", marker + " json " + name);
        HttpRequest.Builder viaJson = HttpRequest.newBuilder(ragway.uri("/v1/documents")).header("Content-Type", "application/json")
            .POST(HttpRequest.BodyPublishers.ofString(JSON.writeValueAsString(json)));
        HttpRequest.Builder viaForm = HttpRequest.newBuilder(ragway.uri("/v1/documents"))
            .header("Content-Type", "multipart/form-data; boundary=" + BOUNDARY)
            .POST(HttpRequest.BodyPublishers.ofByteArray(form(name, (marker + " form " + name).getBytes(StandardCharsets.UTF_8), Map.of())));
        for (HttpRequest.Builder request : List.of(viaJson, viaForm)) {
          if (key != null) {
            request.header("Authorization", "Bearer " + key);
          }
          HttpResponse<String> r = send(request);
          if (r.statusCode() == 400) {
            String message = JSON.readTree(r.body()).at("/error/message").asText();
            assertFalse(message.isBlank(), r.body());
            continue;
          }
          assertEquals(202, r.statusCode(), name + ": " + r.body());
          String id = JSON.readTree(r.body()).get("id").asText();
          if (key == null) {
            awaitSettled(id); // the anonymous caller polls; the other tenant's upload is awaited below
          }
          stored.add(JSON.readTree(r.body()).get("filename").asText());
        }
      }
    }
    assertTrue(stored.contains("%2e%2e%2fescape.txt"), "some odd but plain names are accepted: " + stored);
    long deadline = System.nanoTime() + 60_000_000_000L;
    Path evilDir = uploads.resolve("%2E." + java.net.URLEncoder.encode(evilTenant, StandardCharsets.UTF_8).substring(2));
    while (!Files.isDirectory(evilDir) || filesOutsideTheIndex().stream()
        .anyMatch(p -> p.startsWith(evilDir) && p.getFileName().toString().startsWith(".incoming-"))) {
      assertTrue(System.nanoTime() < deadline, "the other tenant's uploads did not settle in " + evilDir);
      Thread.sleep(20);
    }

    Set<Path> added = new java.util.TreeSet<>(filesOutsideTheIndex());
    added.removeAll(before);
    assertFalse(added.isEmpty());
    for (Path file : added) {
      Path dir = file.getParent();
      assertEquals(uploads, dir.getParent(), "every new file is in a tenant's folder: " + file);
      assertTrue(dir.equals(uploads.resolve("default")) || dir.equals(evilDir), file.toString());
    }
    for (Path file : filesOutsideTheIndex()) {
      if (!file.startsWith(uploads.resolve("default")) && !file.startsWith(evilDir)) {
        assertFalse(new String(Files.readAllBytes(file), StandardCharsets.ISO_8859_1).contains(marker), "written outside: " + file);
      }
    }
    for (String name : names) { // nothing landed beyond the fixture's folder either
      for (Path base : List.of(uploads.resolve("default"), evilDir, uploads)) {
        Path target;
        try {
          target = base.resolve(name.replace('\\', '/')).normalize();
        } catch (java.nio.file.InvalidPathException e) {
          continue;
        }
        if (!target.startsWith(tmp) && Files.isRegularFile(target)) {
          assertFalse(Files.readString(target, StandardCharsets.ISO_8859_1).contains(marker), "written outside: " + target);
        }
      }
    }
  }

  /** Every file the fixture's folder holds, but the index's own. */
  private static Set<Path> filesOutsideTheIndex() throws Exception {
    Set<Path> found = new java.util.TreeSet<>();
    // the index is not walked at all: Lucene deletes merged files while the walk would read them
    Files.walkFileTree(tmp, new java.nio.file.SimpleFileVisitor<>() {
      @Override
      public java.nio.file.FileVisitResult preVisitDirectory(Path dir, java.nio.file.attribute.BasicFileAttributes a) {
        return dir.equals(tmp.resolve("index")) ? java.nio.file.FileVisitResult.SKIP_SUBTREE
            : java.nio.file.FileVisitResult.CONTINUE;
      }

      @Override
      public java.nio.file.FileVisitResult visitFile(Path file, java.nio.file.attribute.BasicFileAttributes a) {
        if (a.isRegularFile()) {
          found.add(file);
        }
        return java.nio.file.FileVisitResult.CONTINUE;
      }
    });
    return found;
  }
}
