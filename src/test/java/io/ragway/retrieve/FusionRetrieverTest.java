package io.ragway.retrieve;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.ragway.index.Chunk;
import io.ragway.index.Filter;
import io.ragway.index.Index;
import io.ragway.index.IndexConfig;
import io.ragway.index.Indexes;
import io.ragway.testkit.Chunks;
import io.ragway.testkit.HashingEmbedder;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class FusionRetrieverTest {

  private final HashingEmbedder embedder = new HashingEmbedder();
  @TempDir Path dir;
  private Index index;

  @BeforeEach
  void fill() {
    index = Indexes.openLucene(dir, embedder.id(), embedder.dimension(), IndexConfig.defaults());
    List<Chunk> chunks = new ArrayList<>();
    chunks.add(Chunks.of("rank.md", 0, "Search results are ranked by reciprocal rank fusion of BM25 and vectors."));
    chunks.add(Chunks.of("rank-copy.md", 0, "Search results are ranked by reciprocal rank fusion of BM25 and vectors."));
    chunks.add(Chunks.of("install.md", 0, "Install the package with Maven and a recent JDK."));
    chunks.add(Chunks.of("cats.md", 0, "Cats are ranked among the most popular pets."));
    index.add(chunks, embedder.embedDocuments(chunks.stream().map(Chunk::text).toList()));
    index.commit();
  }

  @AfterEach
  void close() {
    index.close();
  }

  private List<String> sources(List<Retrieved> results) {
    return results.stream().map(r -> r.chunk().source()).toList();
  }

  @Test
  void everyModeFindsTheRelevantChunkFirst() {
    Retriever retriever = Retrievers.fusion(index, embedder, RetrieveConfig.defaults(), Optional.empty());
    for (SearchMode mode : SearchMode.values()) {
      List<Retrieved> results = retriever.retrieve(SearchRequest.of("how are search results ranked", mode, 2));
      assertEquals(2, results.size(), mode.label());
      assertTrue(sources(results).get(0).startsWith("rank"), mode + " -> " + sources(results));
    }
  }

  @Test
  void mmrDropsTheNearDuplicate() {
    Retriever retriever = Retrievers.fusion(index, embedder, RetrieveConfig.defaults(), Optional.empty());
    List<Retrieved> plain = retriever.retrieve(SearchRequest.of("search results ranked fusion", SearchMode.HYBRID, 2));
    assertTrue(sources(plain).containsAll(List.of("rank.md", "rank-copy.md")), sources(plain).toString());
    List<Retrieved> diverse = retriever.retrieve(new SearchRequest("search results ranked fusion", SearchMode.HYBRID, 2,
        Filter.all(), true));
    assertEquals(1, sources(diverse).stream().filter(s -> s.startsWith("rank")).count(), sources(diverse).toString());
  }

  @Test
  void rerankerReordersCandidates() {
    Reranker reverse = (q, candidates, topN) -> {
      List<Retrieved> out = new ArrayList<>();
      for (int i = candidates.size() - 1; i >= 0 && out.size() < topN; i--) {
        out.add(new Retrieved(candidates.get(i).chunk(), out.size(), out.size() + 1));
      }
      return out;
    };
    Retriever plain = Retrievers.fusion(index, embedder, RetrieveConfig.defaults(), Optional.empty());
    Retriever reranked = Retrievers.fusion(index, embedder, RetrieveConfig.defaults(), Optional.of(reverse));
    List<String> a = sources(plain.retrieve(SearchRequest.of("ranked", SearchMode.BM25, 10)));
    List<String> b = sources(reranked.retrieve(SearchRequest.of("ranked", SearchMode.BM25, 10)));
    assertEquals(a.reversed(), b);
  }

  @Test
  void rejectsEmptyQueryAndUnknownMode() {
    assertThrows(IllegalArgumentException.class, () -> SearchRequest.of("  ", SearchMode.BM25, 3));
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> SearchMode.parse("fuzzy"));
    assertTrue(e.getMessage().contains("bm25, dense or hybrid"));
  }
}
