package io.ragway.index;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.ragway.config.Hashes;
import io.ragway.index.Index.Hit;
import io.ragway.index.Index.SourceInfo;
import io.ragway.testkit.Chunks;
import io.ragway.testkit.HashingEmbedder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class LuceneIndexTest {

  private final HashingEmbedder embedder = new HashingEmbedder();
  @TempDir Path dir;

  private Index open() {
    return Indexes.openLucene(dir, embedder.id(), embedder.dimension(), IndexConfig.defaults());
  }

  private void put(Index index, String tenant, String source, String... texts) {
    put(index, tenant, source, List.of(), texts);
  }

  private void put(Index index, String tenant, String source, List<String> groups, String... texts) {
    List<Chunk> chunks = new ArrayList<>();
    for (int i = 0; i < texts.length; i++) {
      chunks.add(Chunks.of(tenant, source, i, texts[i], List.of("t-" + source), groups));
    }
    index.replaceSource(new SourceInfo(tenant, source, "h-" + source, texts.length, groups), chunks,
        embedder.embedDocuments(List.of(texts)));
  }

  @Test
  void findsChunksByWordsAndByVector() {
    try (Index index = open()) {
      put(index, "default", "a.md", "Lucene ranks documents with BM25 scoring.", "Cats sleep most of the day.");
      put(index, "default", "b.md", "Vectors are searched with an HNSW graph.");
      index.commit();
      assertEquals(3, index.size());
      List<Hit> bm25 = index.bm25("how is BM25 ranking done", 2, Filter.all());
      assertEquals("a.md", bm25.get(0).chunk().source());
      assertEquals(0, bm25.get(0).chunk().ordinal());
      List<Hit> knn = index.knn(embedder.embedQuery("HNSW graph vectors"), 1, Filter.all());
      assertEquals("b.md", knn.get(0).chunk().source());
      assertEquals(List.of("Intro"), knn.get(0).chunk().headings());
    }
  }

  @Test
  void changesAreInvisibleUntilCommitAndLostWithoutIt() {
    try (Index index = open()) {
      put(index, "default", "a.md", "committed text about lucene");
      index.commit();
      put(index, "default", "b.md", "uncommitted text about lucene");
      assertEquals(1, index.size(), "uncommitted chunk must not be searchable");
    } // closed without commit: like a crash after the last commit
    try (Index index = open()) {
      assertEquals(1, index.size());
      assertEquals(List.of("a.md"), index.sources().stream().map(SourceInfo::source).toList());
    }
  }

  @Test
  void replacingASourceDropsItsOldChunks() {
    try (Index index = open()) {
      put(index, "default", "a.md", "one alpha", "two alpha", "three alpha");
      index.commit();
      put(index, "default", "a.md", "only beta now");
      index.commit();
      assertEquals(1, index.size());
      assertEquals(1, index.sources().get(0).chunks());
      assertTrue(index.bm25("alpha", 10, Filter.all()).isEmpty());
      index.deleteSource("default", "a.md");
      index.commit();
      assertEquals(0, index.size());
      assertTrue(index.sources().isEmpty());
    }
  }

  @Test
  void filtersByTenantSourcePrefixAndTag() {
    try (Index index = open()) {
      put(index, "acme", "guides/a.md", "shared words about deployment");
      put(index, "acme", "notes/b.md", "shared words about deployment");
      put(index, "other", "guides/a.md", "shared words about deployment");
      index.commit();
      assertEquals(2, index.bm25("deployment", 10, Filter.tenant("acme")).size());
      assertEquals(1, index.bm25("deployment", 10, new Filter(Reader.owner("acme"), "guides/", List.of())).size());
      assertEquals("notes/b.md", index.knn(embedder.embedQuery("deployment"), 10,
          new Filter(Reader.owner("acme"), "", List.of("t-notes/b.md"))).get(0).chunk().source());
      assertTrue(index.bm25("deployment", 10, Filter.tenant("nobody")).isEmpty());
      assertEquals(1, index.exactKnn(embedder.embedQuery("deployment"), 10, Filter.tenant("other")).size());
    }
  }

  @Test
  void aChunkWithGroupsIsFoundOnlyByMembersOfOneOfThemAndByTheOwner() {
    try (Index index = open()) {
      put(index, "acme", "public.md", "shared words about payroll");
      put(index, "acme", "hr.md", List.of("hr"), "shared words about payroll");
      put(index, "acme", "board.md", List.of("hr", "board"), "shared words about payroll");
      put(index, "other", "hr.md", List.of("hr"), "shared words about payroll");
      index.commit();
      float[] q = embedder.embedQuery("payroll");
      Map<Reader, Set<String>> expected = Map.of(
          Reader.member("acme", List.of()), Set.of("public.md"),
          Reader.member("acme", List.of("eng")), Set.of("public.md"),
          Reader.member("acme", List.of("hr")), Set.of("public.md", "hr.md", "board.md"),
          Reader.member("acme", List.of("board", "eng")), Set.of("public.md", "board.md"),
          Reader.owner("acme"), Set.of("public.md", "hr.md", "board.md"));
      expected.forEach((reader, sources) -> {
        Filter f = Filter.of(reader);
        assertEquals(sources, sourcesOf(index.bm25("payroll", 10, f)), "bm25 for " + reader);
        assertEquals(sources, sourcesOf(index.knn(q, 10, f)), "knn for " + reader);
        assertEquals(sources, sourcesOf(index.exactKnn(q, 10, f)), "exact for " + reader);
      });
      Chunk board = index.bm25("payroll", 10, Filter.tenant("acme")).stream().map(Hit::chunk)
          .filter(c -> c.source().equals("board.md")).findFirst().orElseThrow();
      assertEquals(List.of("board", "hr"), board.groups());
      assertEquals(List.of("board", "hr"), index.sources().stream().filter(s -> s.source().equals("board.md"))
          .findFirst().orElseThrow().groups());
    }
  }

  @Test
  void aSearchReturnsKReadableChunksEvenWhenHiddenOnesRankFirst() {
    Random random = new Random(7);
    try (Index index = open()) {
      float[] q = unit(random, embedder.dimension());
      List<Chunk> chunks = new ArrayList<>();
      List<float[]> vectors = new ArrayList<>();
      for (int i = 0; i < 400; i++) { // hidden: nearer the query and richer in its word than any public chunk
        chunks.add(Chunks.of("acme", "hidden" + i + ".md", 0, "payroll payroll payroll " + i, List.of(), List.of("hr")));
        float[] v = q.clone();
        v[i % v.length] += 0.05f;
        vectors.add(normalised(v));
      }
      for (int i = 0; i < 20; i++) {
        chunks.add(Chunks.of("acme", "public" + i + ".md", 0, "payroll and other words " + i, List.of()));
        vectors.add(unit(random, embedder.dimension()));
      }
      index.add(chunks, vectors);
      index.commit();
      Filter outsider = Filter.of(Reader.member("acme", List.of("eng")));
      for (List<Hit> hits : List.of(index.bm25("payroll", 5, outsider), index.knn(q, 5, outsider), index.exactKnn(q, 5, outsider))) {
        assertEquals(5, hits.size());
        assertTrue(hits.stream().allMatch(h -> h.chunk().source().startsWith("public")), hits.toString());
      }
      assertTrue(index.knn(q, 5, Filter.of(Reader.member("acme", List.of("hr")))).stream()
          .allMatch(h -> h.chunk().source().startsWith("hidden")), "members see the nearer chunks");
    }
  }

  private static Set<String> sourcesOf(List<Hit> hits) {
    return hits.stream().map(h -> h.chunk().source()).collect(Collectors.toSet());
  }

  private static float[] normalised(float[] v) {
    double n = 0;
    for (float x : v) {
      n += x * x;
    }
    for (int i = 0; i < v.length; i++) {
      v[i] /= (float) Math.sqrt(n);
    }
    return v;
  }

  @Test
  void hnswAgreesWithExactSearchOnRandomVectors() {
    Random random = new Random(42);
    try (Index index = open()) {
      List<Chunk> chunks = new ArrayList<>();
      List<float[]> vectors = new ArrayList<>();
      for (int i = 0; i < 500; i++) {
        chunks.add(Chunks.of("s" + i, 0, "text " + i));
        vectors.add(unit(random, embedder.dimension()));
      }
      index.add(chunks, vectors);
      index.commit();
      float[] q = unit(random, embedder.dimension());
      List<String> exact = index.exactKnn(q, 10, Filter.all()).stream().map(h -> h.chunk().id()).toList();
      List<String> approx = index.knn(q, 10, Filter.all()).stream().map(h -> h.chunk().id()).toList();
      assertEquals(10, exact.size());
      long overlap = approx.stream().filter(exact::contains).count();
      assertTrue(overlap >= 8, "HNSW found " + overlap + " of the exact top 10");
    }
  }

  @Test
  void forceMergeKeepsEverythingSearchable() {
    try (Index index = open()) {
      for (int i = 0; i < 5; i++) {
        put(index, "default", "f" + i + ".md", "segment " + i + " about merging", "another chunk " + i);
        index.commit(); // one segment per commit
      }
      long before = index.generation();
      index.forceMerge();
      assertEquals(10, index.size());
      assertTrue(index.generation() > before);
      assertEquals("f3.md", index.bm25("segment 3", 1, Filter.all()).get(0).chunk().source());
      assertEquals(List.of("f2.md", "f4.md"), index.chunks(List.of(
          Chunks.of("default", "f2.md", 0, "", List.of()).id(), "missing-id",
          Chunks.of("default", "f4.md", 1, "", List.of()).id())).stream().map(Chunk::source).toList());
    }
  }

  @Test
  void reusesStoredVectorsOfIdenticalText() {
    try (Index index = open()) {
      put(index, "default", "a.md", "some repeated paragraph");
      index.commit();
      Chunk stored = index.bm25("repeated paragraph", 1, Filter.all()).get(0).chunk();
      assertTrue(index.vectorForText(Hashes.sha256(stored.embeddingText())).isPresent());
      assertTrue(index.vectorForText(Hashes.sha256("never seen")).isEmpty());
    }
  }

  @Test
  void refusesAnIndexBuiltWithAnotherModel() {
    open().close();
    IndexException e = assertThrows(IndexException.class,
        () -> Indexes.openLucene(dir, "other-model", 64, IndexConfig.defaults()));
    assertTrue(e.getMessage().contains("other-model"), e.getMessage());
  }

  @Test
  void refusesADirectoryThatIsNotARagwayIndex() throws Exception {
    try (var w = new org.apache.lucene.index.IndexWriter(org.apache.lucene.store.FSDirectory.open(dir),
        new org.apache.lucene.index.IndexWriterConfig())) {
      w.commit();
    }
    IndexException e = assertThrows(IndexException.class, this::open);
    assertTrue(e.getMessage().contains("re-ingest"), e.getMessage());
  }

  @Test
  void refusesASecondWriter() {
    try (Index first = open()) {
      IndexException e = assertThrows(IndexException.class, this::open);
      assertTrue(e.getMessage().contains("in use"), e.getMessage());
      put(first, "default", "a.md", "visible to readers once committed");
      first.commit();
      try (Index reader = Indexes.openLuceneReadOnly(dir, embedder.id(), embedder.dimension(), IndexConfig.defaults())) {
        assertEquals(1, reader.size());
      }
    }
  }

  @Test
  void readOnlyOpenOfMissingIndexSaysToIngest() {
    IndexException e = assertThrows(IndexException.class,
        () -> Indexes.openLuceneReadOnly(dir.resolve("none"), "m", 4, IndexConfig.defaults()));
    assertTrue(e.getMessage().contains("ingest"), e.getMessage());
    assertTrue(Files.notExists(dir.resolve("none")));
  }

  static float[] unit(Random random, int dim) {
    float[] v = new float[dim];
    double n = 0;
    for (int i = 0; i < dim; i++) {
      v[i] = (float) random.nextGaussian();
      n += v[i] * v[i];
    }
    for (int i = 0; i < dim; i++) {
      v[i] /= (float) Math.sqrt(n);
    }
    return v;
  }
}
