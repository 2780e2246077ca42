package io.ragway.index;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.ragway.index.Index.Scored;
import io.ragway.index.Index.SourceInfo;
import io.ragway.retrieve.RetrieveConfig;
import io.ragway.retrieve.Retrieved;
import io.ragway.retrieve.Retrievers;
import io.ragway.retrieve.SearchMode;
import io.ragway.retrieve.SearchRequest;
import io.ragway.testkit.Chunks;
import io.ragway.testkit.HashingEmbedder;
import io.ragway.testkit.SolrCloud;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.function.Consumer;
import java.util.stream.Collectors;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer.OrderAnnotation;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;

/**
 * The Solr index on a real two-node SolrCloud (2 shards x 2 replicas) against the embedded index
 * holding the same chunks: same answers, same filters, a migration that embeds nothing, and a node
 * lost without losing a chunk.
 */
@TestMethodOrder(OrderAnnotation.class)
class SolrIndexIT {

  private static final HashingEmbedder EMBEDDER = new HashingEmbedder();
  private static final List<String> TOPICS = List.of(
      "Solr distributes the collection over shards and keeps replicas of each shard on other nodes.",
      "BM25 ranks documents by term frequency, inverse document frequency and document length.",
      "An HNSW graph finds approximate nearest neighbours of a query vector in logarithmic time.",
      "Reciprocal rank fusion merges the keyword ranking and the vector ranking without tuning weights.",
      "ZooKeeper keeps the cluster state: live nodes, leaders and which replica holds which shard.",
      "Cats sleep for most of the day and hunt at dusk when mice are about.",
      "The espresso machine needs descaling every month if the water is hard.",
      "Tenants never see each other's documents; ACL groups restrict documents within a tenant.",
      "A replica that was down recovers from the leader's transaction log or by copying the index.",
      "Gardeners prune roses in late winter before the buds break.");
  private static final List<String> QUERIES = List.of("how are shards replicated across nodes",
      "ranking with term frequency", "nearest neighbour vector graph", "fusion of rankings", "cats hunting mice",
      "descaling the coffee machine", "what happens when a replica is down", "pruning roses");

  private static Path dir;
  private static SolrCloud cloud;
  private static Index lucene;
  private static Index solr;
  private static int chunks;

  @BeforeAll
  static void startCluster() throws Exception {
    dir = Files.createTempDirectory("solr-index-it");
    cloud = SolrCloud.start(2, dir);
    lucene = Indexes.openLucene(dir.resolve("lucene"), EMBEDDER.id(), EMBEDDER.dimension(), IndexConfig.defaults());
    solr = Indexes.openSolr(config("chunks"), EMBEDDER.id(), EMBEDDER.dimension(), IndexConfig.defaults());
    for (Index index : List.of(lucene, solr)) {
      fill(index);
      index.commit();
    }
    chunks = lucene.size();
  }

  private static SolrConfig config(String collection) {
    return new SolrConfig(cloud.urls(), collection, 2, 2);
  }

  /** The same corpus into any index: 30 public chunks, 2 in ACL groups, 1 of another tenant. */
  private static void fill(Index index) {
    for (int s = 0; s < 10; s++) {
      String source = "docs/topic-" + s + ".md";
      List<Chunk> cs = new ArrayList<>();
      for (int i = 0; i < 3; i++) {
        // lengths 15% apart, more than BM25's length quantisation: no two chunks tie on a score, so the two
        // indexes (whose tie-breaks differ: document order) must rank alike
        cs.add(Chunks.of("default", source, i, TOPICS.get(s) + " Part " + i + " of " + TOPICS.get((s + i) % 10)
            + " note".repeat((int) Math.round(20 * Math.pow(1.15, s * 3 + i))),
            List.of(s % 2 == 0 ? "even" : "odd")));
      }
      put(index, new SourceInfo("default", source, "h" + s, cs.size(), List.of()), cs);
    }
    put(index, new SourceInfo("default", "hr/salaries.md", "hs", 1, List.of("hr")),
        List.of(Chunks.of("default", "hr/salaries.md", 0, "Salaries of the espresso machine engineers", List.of(), List.of("hr"))));
    put(index, new SourceInfo("default", "legal/contract.md", "hl", 1, List.of("legal")),
        List.of(Chunks.of("default", "legal/contract.md", 0, "The espresso supplier contract", List.of(), List.of("legal"))));
    put(index, new SourceInfo("acme", "acme.md", "ha", 1, List.of()),
        List.of(Chunks.of("acme", "acme.md", 0, "Acme's espresso machine descaling schedule", List.of())));
  }

  private static void put(Index index, SourceInfo info, List<Chunk> cs) {
    index.replaceSource(info, cs, EMBEDDER.embedDocuments(cs.stream().map(Chunk::embeddingText).toList()));
  }

  @AfterAll
  static void stopCluster() {
    for (AutoCloseable c : new AutoCloseable[] {solr, lucene, cloud}) {
      try {
        if (c != null) {
          c.close();
        }
      } catch (Exception e) {
        // the next one still has to close
      }
    }
  }

  private static List<Scored> asScored(List<Retrieved> results) {
    return results.stream().map(r -> new Scored(r.chunk().id(), (float) r.score())).toList();
  }

  private static List<String> ids(List<Scored> scored) {
    return scored.stream().map(Scored::id).toList();
  }

  /** Same scores rank by rank (collection-wide statistics over two shards score as one index does), same ids where no tie. */
  private static void assertSameRanking(List<Scored> a, List<Scored> b, String what) {
    assertEquals(a.size(), b.size(), what);
    for (int i = 0; i < a.size(); i++) {
      float s = a.get(i).score();
      assertEquals(s, b.get(i).score(), 1e-3 * s, what + " score at " + i);
      boolean tied = (i > 0 && Math.abs(a.get(i - 1).score() - s) < 1e-5)
          || (i + 1 < a.size() && Math.abs(a.get(i + 1).score() - s) < 1e-5);
      if (!tied) {
        assertEquals(a.get(i).id(), b.get(i).id(), what + " at " + i);
      }
    }
  }

  @Test
  @Order(1)
  void answersBm25DenseAndHybridAsTheEmbeddedIndexDoes() {
    assertEquals(33, chunks);
    assertEquals(chunks, solr.size());
    var embedded = Retrievers.fusion(lucene, EMBEDDER, RetrieveConfig.defaults(), Optional.empty());
    var distributed = Retrievers.fusion(solr, EMBEDDER, RetrieveConfig.defaults(), Optional.empty());
    for (String q : QUERIES) {
      List<Scored> a = lucene.bm25Ids(q, 5, Filter.all());
      List<Scored> b = solr.bm25Ids(q, 5, Filter.all());
      assertFalse(a.isEmpty(), q);
      assertSameRanking(a, b, "bm25: " + q);
      float[] v = EMBEDDER.embedQuery(q);
      assertEquals(ids(lucene.knnIds(v, 5, Filter.all())), ids(solr.knnIds(v, 5, Filter.all())), "dense: " + q);
      assertEquals(lucene.exactKnn(v, 3, Filter.all()).stream().map(h -> h.chunk().id()).toList(),
          solr.exactKnn(v, 3, Filter.all()).stream().map(h -> h.chunk().id()).toList(), "exact: " + q);
      int depth = RetrieveConfig.defaults().candidates();
      assertSameRanking(lucene.bm25Ids(q, depth, Filter.all()), solr.bm25Ids(q, depth, Filter.all()), "bm25 candidates: " + q);
      assertSameRanking(lucene.knnIds(v, depth, Filter.all()), solr.knnIds(v, depth, Filter.all()), "dense candidates: " + q);
      SearchRequest hybrid = new SearchRequest(q, SearchMode.HYBRID, 5, Filter.all(), false);
      assertSameRanking(asScored(embedded.retrieve(hybrid)), asScored(distributed.retrieve(hybrid)), "hybrid: " + q);
    }
    List<Retrieved> top = distributed.retrieve(new SearchRequest("cats hunting mice", SearchMode.HYBRID, 1, Filter.all(), false));
    Chunk c = top.get(0).chunk();
    assertEquals(lucene.chunk(c.id()).orElseThrow(), c, "every stored field comes back as stored");
    assertArrayEquals(lucene.vectors(List.of(c.id())).get(c.id()), solr.vectors(List.of(c.id())).get(c.id()));
    assertEquals(lucene.sources().stream().map(SourceInfo::source).sorted().toList(),
        solr.sources().stream().map(SourceInfo::source).sorted().toList());
  }

  @Test
  @Order(2)
  void holdsTenantAclSourceAndTagFilters() {
    String q = "espresso machine";
    Consumer<Filter> same = f -> assertEquals(
        lucene.bm25Ids(q, 50, f).stream().map(Scored::id).collect(Collectors.toSet()),
        solr.bm25Ids(q, 50, f).stream().map(Scored::id).collect(Collectors.toSet()), f.toString());
    Filter hr = Filter.of(Reader.member("default", List.of("hr")));
    Filter nobody = Filter.of(Reader.member("default", List.of()));
    Filter acme = Filter.tenant("acme");
    for (Filter f : List.of(Filter.all(), hr, nobody, acme,
        new Filter(Reader.owner("default"), "docs/", List.of()), new Filter(Reader.owner("default"), "", List.of("odd")))) {
      same.accept(f);
    }
    Set<String> hrSources = solr.bm25(q, 50, hr).stream().map(h -> h.chunk().source()).collect(Collectors.toSet());
    assertTrue(hrSources.contains("hr/salaries.md"));
    assertFalse(hrSources.contains("legal/contract.md"), "a member of hr reads no legal document");
    assertFalse(solr.bm25(q, 50, nobody).stream().anyMatch(h -> !h.chunk().groups().isEmpty()));
    assertEquals(Set.of("acme.md"), solr.bm25(q, 50, acme).stream().map(h -> h.chunk().source()).collect(Collectors.toSet()));
    float[] v = EMBEDDER.embedQuery(q);
    assertEquals(Set.of("acme.md"), solr.knn(v, 10, acme).stream().map(h -> h.chunk().source()).collect(Collectors.toSet()),
        "the tenant filter applies before the vector search, so k results of the tenant are found");
    assertTrue(solr.knn(v, 40, hr).stream().noneMatch(h -> h.chunk().groups().contains("legal")));
  }

  @Test
  @Order(3)
  void migratesStoredVectorsWithoutEmbeddingAndWithoutDuplicates() {
    int embeddedBefore = EMBEDDER.embeddedTexts();
    try (Index target = Indexes.openSolr(config("migrated"), EMBEDDER.id(), EMBEDDER.dimension(), IndexConfig.defaults())) {
      List<Long> progress = new ArrayList<>();
      SolrMigration.Result first = SolrMigration.copy(lucene, target, 10, progress::add);
      assertEquals(new SolrMigration.Result(chunks, 13, 0), first);
      assertEquals(List.of(10L, 20L, 30L, 33L), progress);
      assertEquals(chunks, target.size());
      String id = lucene.bm25Ids("pruning roses", 1, Filter.all()).get(0).id();
      assertArrayEquals(lucene.vectors(List.of(id)).get(id), target.vectors(List.of(id)).get(id));
      float[] v = EMBEDDER.embedQuery("pruning roses");
      assertEquals(ids(lucene.knnIds(v, 5, Filter.all())), ids(target.knnIds(v, 5, Filter.all())));

      assertEquals(new SolrMigration.Result(chunks, 13, 0), SolrMigration.copy(lucene, target, 7, n -> {}));
      assertEquals(chunks, target.size(), "a second run overwrites, it does not duplicate");
      assertEquals(13, target.sources().size());
    }
    assertEquals(embeddedBefore, EMBEDDER.embeddedTexts(), "nothing was embedded");
    assertThrows(IllegalArgumentException.class, () -> SolrMigration.copy(solr, lucene, 10, n -> {}));
  }

  @Test
  @Order(4)
  void refusesACollectionOfAnotherEmbeddingModel() {
    IndexException e = assertThrows(IndexException.class,
        () -> Indexes.openSolr(config("chunks"), "other-model", EMBEDDER.dimension(), IndexConfig.defaults()));
    assertTrue(e.getMessage().contains("other-model"), e.getMessage());
  }

  @Test
  @Order(5)
  void keepsAnsweringWithEveryChunkWhenANodeIsLost() throws Exception {
    List<List<Scored>> before = new ArrayList<>();
    for (String q : QUERIES) {
      before.add(solr.bm25Ids(q, 5, Filter.all()));
      before.add(solr.knnIds(EMBEDDER.embedQuery(q), 5, Filter.all()));
    }
    cloud.stopNode(1);
    assertEquals(chunks, solr.size(), "the surviving node holds a replica of every shard");
    for (int i = 0; i < QUERIES.size(); i++) {
      String q = QUERIES.get(i);
      assertSameRanking(before.get(2 * i), solr.bm25Ids(q, 5, Filter.all()), "bm25 after the loss: " + q);
      assertSameRanking(before.get(2 * i + 1), solr.knnIds(EMBEDDER.embedQuery(q), 5, Filter.all()), "dense after the loss: " + q);
    }
    List<String> all = new ArrayList<>();
    for (SourceInfo s : lucene.sources()) {
      for (int i = 0; i < s.chunks(); i++) {
        all.add(Chunks.of(s.tenant(), s.source(), i, "x", List.of()).id());
      }
    }
    assertEquals(chunks, solr.chunks(all).size(), "every chunk loads from the surviving replicas");
  }
}
