package io.ragway.ingest;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.ragway.embed.EmbeddingModel;
import io.ragway.embed.TokenCounter;
import io.ragway.index.Filter;
import io.ragway.index.Index;
import io.ragway.index.IndexConfig;
import io.ragway.index.Indexes;
import io.ragway.index.Reader;
import io.ragway.testkit.HashingEmbedder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class IngestorTest {

  @TempDir Path tmp;
  private final HashingEmbedder embedder = new HashingEmbedder();

  private Index open() {
    return Indexes.openLucene(tmp.resolve("index"), embedder.id(), embedder.dimension(), IndexConfig.defaults());
  }

  private Ingestor ingestor(Index index, EmbeddingModel model, int batch, int commitEvery) {
    return new Ingestor(index, model, Chunkers.create(new ChunkerConfig("sentence", 32, 4), TokenCounter.approximate()),
        new IngestOptions("default", List.of("kb"), batch, commitEvery, 1024 * 1024));
  }

  private Path docs() throws Exception {
    Path docs = Files.createDirectories(tmp.resolve("docs/sub"));
    Files.writeString(tmp.resolve("docs/alpha.md"), "# Alpha\n\nAlpha explains ranking with fusion. It is short.\n");
    Files.writeString(tmp.resolve("docs/sub/beta.txt"), "Beta talks about installing the server on Linux.\n");
    Files.writeString(tmp.resolve("docs/notes.csv"), "ignored,type\n");
    Files.createDirectories(tmp.resolve("docs/.git"));
    Files.writeString(tmp.resolve("docs/.git/config.txt"), "hidden text\n");
    return docs.getParent();
  }

  @Test
  void ingestsSupportedFilesAndSkipsUnchangedOnesNextTime() throws Exception {
    Path docs = docs();
    try (Index index = open()) {
      IngestReport first = ingestor(index, embedder, 8, 100).ingest(List.of(docs), Ingestor.Listener.NONE);
      assertEquals(2, first.added(), first.summary());
      assertEquals(2, index.sources().size());
      assertTrue(index.sources().stream().allMatch(s -> s.source().startsWith(relative(docs))), index.sources().toString());
      int embeddedBefore = embedder.embeddedTexts();
      IngestReport second = ingestor(index, embedder, 8, 100).ingest(List.of(docs), Ingestor.Listener.NONE);
      assertEquals(2, second.unchanged(), second.summary());
      assertEquals(0, second.added() + second.updated() + second.removed());
      assertEquals(embeddedBefore, embedder.embeddedTexts(), "unchanged files must not be re-embedded");
    }
  }

  private Ingestor ingestor(Index index, Optional<List<String>> groups) {
    return new Ingestor(index, embedder, Chunkers.create(new ChunkerConfig("sentence", 32, 4), TokenCounter.approximate()),
        new IngestOptions("default", List.of(), groups, 8, 100, 1024 * 1024));
  }

  @Test
  void groupsGivenApplyToEveryFileWalkedAndFilesKeepTheirsWhenNoneAreGiven() throws Exception {
    Path docs = docs();
    Filter outsider = Filter.of(Reader.member("default", List.of()));
    Filter member = Filter.of(Reader.member("default", List.of("ops")));
    try (Index index = open()) {
      ingestor(index, Optional.of(List.of("ops"))).ingest(List.of(docs), Ingestor.Listener.NONE);
      assertTrue(index.bm25("installing Linux", 5, outsider).isEmpty());
      assertEquals(List.of("ops"), index.bm25("installing Linux", 5, member).get(0).chunk().groups());
      assertTrue(index.sources().stream().allMatch(s -> s.groups().equals(List.of("ops"))), index.sources().toString());

      int embedded = embedder.embeddedTexts();
      Files.writeString(docs.resolve("sub/beta.txt"), "Beta talks about installing the server on Linux and BSD.\n");
      IngestReport kept = ingestor(index, Optional.empty()).ingest(List.of(docs), Ingestor.Listener.NONE);
      assertEquals(1, kept.unchanged(), kept.summary());
      assertEquals(1, kept.updated(), kept.summary());
      assertTrue(index.bm25("installing Linux", 5, outsider).isEmpty(), "a changed file keeps its groups");

      IngestReport opened = ingestor(index, Optional.of(List.of())).ingest(List.of(docs), Ingestor.Listener.NONE);
      assertEquals(2, opened.updated(), "new groups are a new version of an unchanged file: " + opened.summary());
      assertEquals(1, index.bm25("installing Linux", 5, outsider).size());
      assertTrue(embedder.embeddedTexts() - embedded <= 2, "only the changed text is embedded again");
    }
  }

  @Test
  void replacesChangedFilesAndRemovesDeletedOnes() throws Exception {
    Path docs = docs();
    try (Index index = open()) {
      ingestor(index, embedder, 8, 100).ingest(List.of(docs), Ingestor.Listener.NONE);
      Files.writeString(docs.resolve("alpha.md"), "# Alpha\n\nAlpha now covers quantum gardening instead.\n");
      Files.delete(docs.resolve("sub/beta.txt"));
      IngestReport r = ingestor(index, embedder, 8, 100).ingest(List.of(docs), Ingestor.Listener.NONE);
      assertEquals(1, r.updated(), r.summary());
      assertEquals(1, r.removed(), r.summary());
      assertEquals(1, index.sources().size());
      assertTrue(index.bm25("installing Linux", 5, Filter.all()).isEmpty());
      assertEquals(1, index.bm25("quantum gardening", 5, Filter.all()).size());
      assertTrue(index.bm25("fusion", 5, Filter.all()).isEmpty(), "old chunks of a changed file must go");
    }
  }

  @Test
  void reportsBadFilesAndIngestsTheRest() throws Exception {
    Path docs = docs();
    Files.write(docs.resolve("binary.txt"), new byte[] {0, 1, 2, 3, 0, 0, 5, 6});
    Files.write(docs.resolve("latin1.txt"), "caf\u00e9 cr\u00e8me".getBytes(StandardCharsets.ISO_8859_1));
    Files.writeString(docs.resolve("empty.md"), "");
    Files.writeString(docs.resolve("fake.pdf"), "this is not a pdf");
    try (Index index = open()) {
      IngestReport r = ingestor(index, embedder, 8, 100).ingest(List.of(docs), Ingestor.Listener.NONE);
      assertEquals(2, r.added(), r.summary());
      Map<String, String> reasons = new TreeMap<>();
      r.skipped().forEach(p -> reasons.put(Path.of(p.path()).getFileName().toString(), p.reason()));
      assertEquals(List.of("binary.txt", "empty.md", "fake.pdf", "latin1.txt"), List.copyOf(reasons.keySet()), reasons.toString());
      reasons.values().forEach(reason -> assertTrue(!reason.isBlank()));
    }
  }

  @Test
  void skipsAFileWithTheSameContentAsAnother() throws Exception {
    Path docs = docs();
    Files.copy(docs.resolve("alpha.md"), docs.resolve("alpha-copy.md"));
    try (Index index = open()) {
      IngestReport r = ingestor(index, embedder, 8, 100).ingest(List.of(docs), Ingestor.Listener.NONE);
      assertEquals(2, r.added(), r.summary());
      assertEquals(1, r.duplicates().size());
      assertTrue(r.duplicates().get(0).reason().contains("alpha"), r.duplicates().toString());
    }
  }

  @Test
  void aRenamedFileIsIngestedUnderItsNewName() throws Exception {
    Path docs = docs();
    try (Index index = open()) {
      ingestor(index, embedder, 8, 100).ingest(List.of(docs), Ingestor.Listener.NONE);
      Files.move(docs.resolve("alpha.md"), docs.resolve("zeta.md")); // same content, new name, old one gone
      IngestReport r = ingestor(index, embedder, 8, 100).ingest(List.of(docs), Ingestor.Listener.NONE);
      assertEquals(1, r.added(), r.summary());
      assertEquals(1, r.removed(), r.summary());
      assertTrue(r.duplicates().isEmpty(), r.duplicates().toString());
      assertEquals(1, index.bm25("ranking fusion", 5, Filter.all()).size());
      assertTrue(index.bm25("ranking fusion", 5, Filter.all()).get(0).chunk().source().endsWith("zeta.md"));
    }
  }

  @Test
  void aFileTakingOverTheOldContentOfAnEditedFileIsIngested() throws Exception {
    Path docs = docs();
    try (Index index = open()) {
      ingestor(index, embedder, 8, 100).ingest(List.of(docs), Ingestor.Listener.NONE);
      String old = Files.readString(docs.resolve("sub/beta.txt"));
      Files.writeString(docs.resolve("sub/beta.txt"), "Beta now talks about gardening.\n");
      Files.writeString(docs.resolve("aaa.txt"), old); // sorts before sub/beta.txt
      IngestReport r = ingestor(index, embedder, 8, 100).ingest(List.of(docs), Ingestor.Listener.NONE);
      assertEquals(1, r.added(), r.summary());
      assertEquals(1, r.updated(), r.summary());
      assertTrue(index.bm25("installing Linux", 5, Filter.all()).get(0).chunk().source().endsWith("aaa.txt"));
    }
  }

  @Test
  void missingPathIsAnErrorAndIngestsNothing() throws Exception {
    Path docs = docs();
    try (Index index = open()) {
      assertThrows(NoSuchFileException.class,
          () -> ingestor(index, embedder, 8, 100).ingest(List.of(docs, tmp.resolve("nope")), Ingestor.Listener.NONE));
      assertEquals(0, index.size());
    }
  }

  @Test
  void failureMidRunLeavesTheLastCommitIntact() throws Exception {
    Path docs = Files.createDirectories(tmp.resolve("many"));
    for (int i = 0; i < 12; i++) {
      Files.writeString(docs.resolve("f" + (char) ('a' + i) + ".txt"), "File number " + i + " has its own sentence about topic " + i + ".\n");
    }
    EmbeddingModel failing = new FailingAfter(embedder, 7);
    try (Index index = open()) {
      assertThrows(IllegalStateException.class,
          () -> ingestor(index, failing, 1, 3).ingest(List.of(docs), Ingestor.Listener.NONE));
    } // closing without a commit drops what the failed run wrote after its last commit
    try (Index index = open()) {
      List<Index.SourceInfo> sources = index.sources();
      assertEquals(6, sources.size(), "commits after 3 and 6 files; file 7 failed");
      int chunks = sources.stream().mapToInt(Index.SourceInfo::chunks).sum();
      assertEquals(chunks, index.size(), "every committed source is complete");
      IngestReport resumed = ingestor(index, embedder, 8, 100).ingest(List.of(docs), Ingestor.Listener.NONE);
      assertEquals(6, resumed.unchanged(), resumed.summary());
      assertEquals(6, resumed.added(), resumed.summary());
    }
  }

  private static String relative(Path p) {
    return Ingestor.sourceName(p, Path.of(""));
  }

  /** Embeds normally for {@code calls} calls, then fails, like a crash in the middle of a run. */
  private record FailingAfter(HashingEmbedder delegate, int calls, int[] made) implements EmbeddingModel {
    FailingAfter(HashingEmbedder delegate, int calls) {
      this(delegate, calls, new int[1]);
    }

    @Override
    public String id() {
      return delegate.id();
    }

    @Override
    public int dimension() {
      return delegate.dimension();
    }

    @Override
    public List<float[]> embedDocuments(List<String> texts) {
      if (++made[0] > calls) {
        throw new IllegalStateException("simulated crash");
      }
      return delegate.embedDocuments(texts);
    }

    @Override
    public float[] embedQuery(String query) {
      return delegate.embedQuery(query);
    }

    @Override
    public TokenCounter tokenCounter() {
      return delegate.tokenCounter();
    }
  }
}
