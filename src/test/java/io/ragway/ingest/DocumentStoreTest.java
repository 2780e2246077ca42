package io.ragway.ingest;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.ragway.embed.TokenCounter;
import io.ragway.index.Filter;
import io.ragway.index.Index;
import io.ragway.index.IndexConfig;
import io.ragway.index.Indexes;
import io.ragway.index.Reader;
import io.ragway.ingest.DocumentStore.Deletion;
import io.ragway.ingest.DocumentStore.Document;
import io.ragway.ingest.DocumentStore.Origin;
import io.ragway.ingest.DocumentStore.Status;
import io.ragway.ingest.DocumentStore.UploadRejected;
import io.ragway.testkit.HashingEmbedder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.List;
import java.util.Optional;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class DocumentStoreTest {

  private static final String TENANT = "default";
  private static final Reader OWNER = Reader.owner(TENANT);
  private static final Instant NOW = Instant.parse("2025-06-01T10:00:00Z");

  @TempDir Path tmp;
  private final HashingEmbedder embedder = new HashingEmbedder();
  private Index index;
  private Ingestor ingestor;
  private DocumentStore store;

  @BeforeEach
  void open() {
    index = Indexes.openLucene(tmp.resolve("data/index"), embedder.id(), embedder.dimension(), IndexConfig.defaults());
    // sources named relative to tmp, as `serve --docs .` run in tmp would name them
    ingestor = new Ingestor(index, embedder, Chunkers.create(new ChunkerConfig("sentence", 32, 4), TokenCounter.approximate()),
        new IngestOptions(TENANT, List.of(), 8, 100, 4096), tmp);
    store = openStore();
  }

  private DocumentStore openStore() {
    return DocumentStore.open(tmp.resolve("data/uploads"), index, ingestor, Clock.fixed(NOW, ZoneOffset.UTC));
  }

  @AfterEach
  void close() {
    store.close();
    index.close();
  }

  private Document upload(String name, String text, String title, List<String> tags) throws Exception {
    Document queued = store.upload(OWNER, name, text.getBytes(StandardCharsets.UTF_8), title, tags, Optional.empty());
    store.awaitIdle();
    return store.get(OWNER, queued.id()).orElseThrow();
  }

  private Document upload(String name, String text) throws Exception {
    return upload(name, text, "", List.of());
  }

  private List<String> sourcesFound(String query) {
    return index.bm25(query, 10, Filter.tenant(TENANT)).stream().map(h -> h.chunk().source()).distinct().toList();
  }

  @Test
  void anUploadIsQueuedThenIndexedAndStoredUnderTheTenantsFolder() throws Exception {
    Document queued = store.upload(OWNER, "tides.md", "# Tides\n\nThe spring tide reaches four metres.\n".getBytes(StandardCharsets.UTF_8),
        "", List.of("sea"), Optional.empty());
    assertEquals(Status.QUEUED, queued.status(), queued.toString());
    assertEquals("upload:tides.md", queued.source());
    store.awaitIdle();
    Document ready = store.get(OWNER, queued.id()).orElseThrow();
    assertEquals(Status.READY, ready.status(), ready.toString());
    assertEquals(Origin.UPLOAD, ready.origin());
    assertTrue(ready.chunks() > 0);
    assertEquals(NOW, ready.createdAt().orElseThrow());
    assertEquals(Files.size(tmp.resolve("data/uploads/default/tides.md")), ready.bytes().getAsLong());
    assertEquals(List.of("upload:tides.md"), sourcesFound("spring tide"));
    assertEquals(List.of("upload:tides.md"),
        index.bm25("spring tide", 5, new Filter(OWNER, "", List.of("sea"))).stream().map(h -> h.chunk().source()).toList());
    try (Stream<Path> files = Files.list(tmp.resolve("data/uploads/default"))) {
      assertEquals(List.of(DocumentStore.metaName("tides.md"), "tides.md"), files.map(p -> p.getFileName().toString()).sorted().toList(),
          "the file and what it was given beside it; no staging file is left");
    }
  }

  @Test
  void rejectsNamesThatAreNotPlainFileNamesOfASupportedType() {
    for (String bad : List.of("../x.md", "/etc/x.md", "a/b.md", "..\\x.md", "C:\\x.md", "", "   ", ".", "..", ".hidden.md",
        "x\u0000.md", "x\n.md", " x.md", "x".repeat(253) + ".md")) {
      UploadRejected e = assertThrows(UploadRejected.class,
          () -> store.upload(OWNER, bad, new byte[] {'x'}, "", List.of(), Optional.empty()), bad);
      assertEquals(UploadRejected.Reason.BAD_NAME, e.reason(), bad);
    }
    for (String unsupported : List.of("table.csv", "README", "archive.tar.gz")) {
      UploadRejected e = assertThrows(UploadRejected.class,
          () -> store.upload(OWNER, unsupported, new byte[] {'x'}, "", List.of(), Optional.empty()));
      assertEquals(UploadRejected.Reason.UNSUPPORTED_TYPE, e.reason(), unsupported);
      assertTrue(e.getMessage().contains("md"), e.getMessage());
    }
    assertEquals(UploadRejected.Reason.EMPTY,
        assertThrows(UploadRejected.class, () -> store.upload(OWNER, "a.md", new byte[0], "", List.of(), Optional.empty())).reason());
    assertEquals(UploadRejected.Reason.TOO_LARGE,
        assertThrows(UploadRejected.class, () -> store.upload(OWNER, "a.md", new byte[4097], "", List.of(), Optional.empty())).reason());
    assertEquals(UploadRejected.Reason.BAD_TAGS,
        assertThrows(UploadRejected.class, () -> store.upload(OWNER, "a.md", new byte[] {'x'}, "", List.of(" "), Optional.empty())).reason());
    assertFalse(Files.exists(tmp.resolve("data/uploads/x.md")));
    assertFalse(Files.exists(tmp.resolve("x.md")));
    assertTrue(store.list(OWNER).isEmpty());
  }

  @Test
  void uploadingTheSameNameReplacesTheDocumentAndIdenticalContentChangesNothing() throws Exception {
    Document first = upload("ferry.txt", "The ferry leaves at nine. It carries bicycles.");
    long generation = index.generation();
    Document again = store.upload(OWNER, "ferry.txt", "The ferry leaves at nine. It carries bicycles.".getBytes(StandardCharsets.UTF_8),
        "", List.of(), Optional.empty());
    assertEquals(Status.READY, again.status(), "identical content is ready at once");
    store.awaitIdle();
    assertEquals(generation, index.generation(), "nothing was written");

    Document tagged = upload("ferry.txt", "The ferry leaves at nine. It carries bicycles.", "", List.of("transport"));
    assertEquals(Status.READY, tagged.status());
    assertTrue(index.generation() > generation, "new tags are a new version");

    Document second = upload("ferry.txt", "The ferry now leaves at ten and carries cars.");
    assertEquals(first.id(), second.id(), "the id is the name's");
    assertEquals(List.of("upload:ferry.txt"), sourcesFound("cars"));
    assertTrue(sourcesFound("bicycles").isEmpty(), "the old version is gone");
    assertEquals("The ferry now leaves at ten and carries cars.",
        Files.readString(tmp.resolve("data/uploads/default/ferry.txt")));
    assertEquals(1, store.list(OWNER).size());
  }

  @Test
  void aFailedUploadReportsWhyAndKeepsThePreviousVersion() throws Exception {
    upload("notes.md", "# Notes\n\nThe harbour master keeps the keys.");
    Document failed = upload("notes.md", " \n\n ");
    assertEquals(Status.FAILED, failed.status());
    assertTrue(failed.error().orElseThrow().contains("empty"), failed.toString());
    assertTrue(failed.error().orElseThrow().contains("previous version"), failed.toString());
    assertTrue(failed.chunks() > 0, "the previous version's chunks are still indexed");
    assertEquals(List.of("upload:notes.md"), sourcesFound("harbour master"));
    assertTrue(Files.readString(tmp.resolve("data/uploads/default/notes.md")).contains("harbour master"));

    Document broken = upload("report.pdf", "this is not a pdf");
    assertEquals(Status.FAILED, broken.status());
    assertFalse(broken.error().orElseThrow().isBlank());
    assertEquals(0, broken.chunks());
    assertFalse(Files.exists(tmp.resolve("data/uploads/default/report.pdf")));
    assertEquals(2, store.list(OWNER).size(), "a failed first upload is listed with its error");

    Document fixed = upload("notes.md", "# Notes\n\nThe harbour master keeps the keys.");
    assertEquals(Status.READY, fixed.status(), "re-sending the indexed version clears the failure");
  }

  @Test
  void progressCountsUploadsIngestedAndFailedSinceOpening() throws Exception {
    assertEquals(new DocumentStore.Progress(0, 0, 0, 0), store.progress());
    upload("tides.md", "# Tides\n\nThe spring tide reaches four metres.");
    upload("report.pdf", "this is not a pdf");
    upload("tides.md", "# Tides\n\nThe neap tide reaches two metres.");
    assertEquals(new DocumentStore.Progress(0, 0, 2, 1), store.progress());
  }

  @Test
  void folderIngestsNeitherRemoveUploadsNorIndexTheUploadsFolder() throws Exception {
    Document up = upload("lighthouse.md", "The lighthouse lamp is seen from twenty miles.");
    Files.createDirectories(tmp.resolve("docs"));
    Files.writeString(tmp.resolve("docs/lighthouse.md"), "The lighthouse lamp is seen from twenty miles.");
    Files.writeString(tmp.resolve("upload:bakery.md"), "The bakery sells rye bread.");

    IngestReport r = ingestor.ingest(List.of(tmp), Ingestor.Listener.NONE); // walks "." with the data folder in it
    assertEquals(2, r.added(), r.summary());
    assertTrue(r.duplicates().isEmpty(), "a folder file is not a duplicate of an upload: " + r.duplicates());
    assertEquals(List.of("./upload:bakery.md", "docs/lighthouse.md", "upload:lighthouse.md"),
        store.list(OWNER).stream().map(Document::source).toList());

    Files.delete(tmp.resolve("docs/lighthouse.md"));
    Files.delete(tmp.resolve("upload:bakery.md"));
    r = ingestor.ingest(List.of(tmp), Ingestor.Listener.NONE);
    assertEquals(2, r.removed(), r.summary());
    assertEquals(List.of(up.id()), store.list(OWNER).stream().map(Document::id).toList());
  }

  @Test
  void deletesUploadsButNotFolderDocuments() throws Exception {
    Document up = upload("tides.md", "The spring tide reaches four metres.");
    Files.writeString(tmp.resolve("moon.md"), "The moon pulls the tide.");
    ingestor.ingest(List.of(tmp.resolve("moon.md")), Ingestor.Listener.NONE);
    Document folder = store.list(OWNER).stream().filter(d -> d.origin() == Origin.FOLDER).findFirst().orElseThrow();
    assertEquals("moon.md", folder.name());
    assertEquals(Status.READY, folder.status());

    long generation = index.generation();
    assertEquals(Deletion.DELETED, store.delete(OWNER, up.id()));
    assertTrue(index.generation() > generation);
    assertTrue(sourcesFound("spring metres").isEmpty());
    assertFalse(Files.exists(tmp.resolve("data/uploads/default/tides.md")));
    assertTrue(store.get(OWNER, up.id()).isEmpty());
    assertEquals(Deletion.NOT_FOUND, store.delete(OWNER, up.id()));
    assertEquals(Deletion.FROM_FOLDER, store.delete(OWNER, folder.id()));
    assertEquals(List.of("moon.md"), sourcesFound("moon"));
  }

  @Test
  void tenantsSeeOnlyTheirOwnDocuments() throws Exception {
    Document mine = upload("plan.md", "The plan is secret.");
    Document theirs = store.upload(Reader.owner("acme/../x"), "plan.md", "Acme's plan.".getBytes(StandardCharsets.UTF_8), "",
        List.of(), Optional.empty());
    store.awaitIdle();
    assertNotEquals(mine.id(), theirs.id());
    assertEquals(List.of(mine.id()), store.list(OWNER).stream().map(Document::id).toList());
    assertEquals(List.of(theirs.id()), store.list(Reader.owner("acme/../x")).stream().map(Document::id).toList());
    assertTrue(store.get(OWNER, theirs.id()).isEmpty());
    assertEquals(Deletion.NOT_FOUND, store.delete(OWNER, theirs.id()));
    try (Stream<Path> dirs = Files.list(tmp.resolve("data/uploads"))) {
      assertEquals(3, dirs.count(), "the marker and one folder per tenant, the odd name kept inside");
    }
    assertTrue(mine.id().matches("doc_[0-9a-f]{24}"), mine.id());
    assertEquals(mine.id(), DocumentStore.id(TENANT, "upload:plan.md"));
  }

  @Test
  void onOpenUploadedFilesTheIndexLacksAreIngestedAgainAndStagingFilesDropped() throws Exception {
    Document up = upload("tides.md", "The spring tide reaches four metres.");
    store.close();
    index.deleteSource(TENANT, "upload:tides.md"); // as if the index had been rebuilt
    index.commit();
    Files.writeString(tmp.resolve("data/uploads/default/.incoming-1234"), "half an upload");

    store = openStore();
    store.awaitIdle();
    assertEquals(Status.READY, store.get(OWNER, up.id()).orElseThrow().status());
    assertEquals(List.of("upload:tides.md"), sourcesFound("spring tide"));
    assertFalse(Files.exists(tmp.resolve("data/uploads/default/.incoming-1234")));
  }

  @Test
  void aDocumentWithGroupsIsSeenOnlyByTheirMembers() throws Exception {
    Reader hr = Reader.member(TENANT, List.of("hr"));
    Reader eng = Reader.member(TENANT, List.of("eng"));
    Reader nobody = Reader.member(TENANT, List.of());
    Document pay = store.upload(hr, "pay.md", "Salaries are paid on the 25th.".getBytes(StandardCharsets.UTF_8), "", List.of(),
        Optional.of(List.of("hr", " hr")));
    Document open = store.upload(nobody, "menu.md", "The canteen serves soup.".getBytes(StandardCharsets.UTF_8), "", List.of(),
        Optional.empty());
    store.awaitIdle();
    assertEquals(List.of("hr"), store.get(hr, pay.id()).orElseThrow().groups());
    assertEquals(List.of(open.id(), pay.id()), store.list(hr).stream().map(Document::id).toList());
    assertEquals(List.of(open.id(), pay.id()), store.list(OWNER).stream().map(Document::id).toList());
    for (Reader outsider : List.of(eng, nobody)) {
      assertTrue(store.get(outsider, pay.id()).isEmpty(), outsider.toString());
      assertEquals(List.of(open.id()), store.list(outsider).stream().map(Document::id).toList());
      assertEquals(Deletion.NOT_FOUND, store.delete(outsider, pay.id()));
      UploadRejected e = assertThrows(UploadRejected.class, () -> store.upload(outsider, "pay.md",
          "Salaries are paid on the 25th.".getBytes(StandardCharsets.UTF_8), "", List.of(), Optional.of(List.of())));
      assertEquals(UploadRejected.Reason.HIDDEN, e.reason());
    }
    assertEquals(List.of("upload:pay.md"), sourcesFound("salaries"), "the outsiders changed nothing");

    Document edited = upload(hr, "pay.md", "Salaries are paid on the 26th.", Optional.empty());
    assertEquals(List.of("hr"), edited.groups(), "a new version without groups keeps those it had");
    Document published = upload(hr, "pay.md", "Salaries are paid on the 26th.", Optional.of(List.of()));
    assertEquals(List.of(), published.groups(), "an empty list makes it public");
    assertTrue(store.get(eng, pay.id()).isPresent());
    assertEquals(UploadRejected.Reason.BAD_GROUPS, assertThrows(UploadRejected.class, () -> store.upload(hr, "x.md",
        new byte[] {'x'}, "", List.of(), Optional.of(List.of(" ")))).reason());
  }

  @Test
  void anIndexRebuiltFromTheUploadsFolderKeepsEachUploadsGroupsTagsAndTitle() throws Exception {
    Reader hr = Reader.member(TENANT, List.of("hr"));
    Document pay = store.upload(hr, "pay.md", "Salaries are paid on the 25th.".getBytes(StandardCharsets.UTF_8), "Payroll",
        List.of("money"), Optional.of(List.of("hr")));
    Document old = upload("old.md", "An upload an older ragway stored without its groups.");
    store.awaitIdle();
    store.close();
    index.deleteSource(TENANT, "upload:pay.md");
    index.deleteSource(TENANT, "upload:old.md");
    index.commit();
    Files.delete(tmp.resolve("data/uploads/default").resolve(DocumentStore.metaName("old.md")));

    store = openStore();
    store.awaitIdle();
    assertEquals(List.of("upload:pay.md"), sourcesFound("salaries"));
    assertTrue(index.bm25("salaries", 5, Filter.of(Reader.member(TENANT, List.of()))).isEmpty(), "still hidden from outsiders");
    assertEquals("Payroll", index.bm25("salaries", 5, new Filter(hr, "", List.of("money"))).get(0).chunk().title());
    assertEquals(List.of("hr"), store.get(hr, pay.id()).orElseThrow().groups());
    assertEquals(Status.READY, store.get(OWNER, old.id()).orElseThrow().status(), "without its groups file: public, as it was");
  }

  @Test
  void anUploadWhoseGroupsCannotBeReadIsNotIndexedAgain() throws Exception {
    Document pay = upload(Reader.member(TENANT, List.of("hr")), "pay.md", "Salaries are paid on the 25th.",
        Optional.of(List.of("hr")));
    store.close();
    index.deleteSource(TENANT, "upload:pay.md");
    index.commit();
    Files.writeString(tmp.resolve("data/uploads/default").resolve(DocumentStore.metaName("pay.md")), "{\"groups\": [\"hr\"");

    store = openStore();
    store.awaitIdle();
    assertTrue(sourcesFound("salaries").isEmpty(), "left out rather than indexed for the whole tenant");
    assertTrue(store.get(OWNER, pay.id()).isEmpty());
  }

  @Test
  void aNameOfTheLongestAcceptedLengthIsStoredWithItsGroups() throws Exception {
    String name = "y".repeat(DocumentStore.MAX_NAME_BYTES - 3) + ".md";
    Document up = upload(Reader.member(TENANT, List.of("hr")), name, "The longest name holds a short note.", Optional.of(List.of("hr")));
    assertEquals(Status.READY, up.status(), up.toString());
    assertEquals(List.of("hr"), up.groups());
    assertTrue(Files.exists(tmp.resolve("data/uploads/default").resolve(DocumentStore.metaName(name))));
  }

  private Document upload(Reader uploader, String name, String text, Optional<List<String>> groups) throws Exception {
    Document queued = store.upload(uploader, name, text.getBytes(StandardCharsets.UTF_8), "", List.of(), groups);
    store.awaitIdle();
    return store.get(OWNER, queued.id()).orElseThrow();
  }
}
