package io.ragway.ingest;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.ragway.index.Index;
import io.ragway.index.IndexConfig;
import io.ragway.index.IndexException;
import io.ragway.index.Indexes;
import io.ragway.testkit.HashingEmbedder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Kills an ingesting process with SIGKILL and checks that the index opens at a consistent commit. */
class CrashSafetyIT {

  @TempDir Path tmp;

  @Test
  void killedIngestLeavesLastCommitReadableAndResumable() throws Exception {
    Path docs = Files.createDirectories(tmp.resolve("docs"));
    for (int i = 0; i < 30; i++) {
      Files.writeString(docs.resolve(String.format("doc%02d.txt", i)),
          "Document " + i + " explains topic " + i + " in one sentence. A second sentence follows for " + i + ".\n");
    }
    Path indexDir = tmp.resolve("index");
    String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
    Process child = new ProcessBuilder(java, "-cp", System.getProperty("java.class.path"),
        SlowIngestMain.class.getName(), indexDir.toString(), docs.toString())
        .redirectErrorStream(true).redirectOutput(tmp.resolve("child.log").toFile()).start();
    HashingEmbedder embedder = new HashingEmbedder();
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
    int committed = 0;
    while (committed < 4 && System.nanoTime() < deadline && child.isAlive()) {
      Thread.sleep(50);
      committed = committedSources(indexDir, embedder);
    }
    assertTrue(child.isAlive(), "the child finished before it could be killed: " + Files.readString(tmp.resolve("child.log")));
    child.destroyForcibly().waitFor(10, TimeUnit.SECONDS); // SIGKILL: no shutdown hooks, no close
    assertTrue(committed >= 4 && committed < 30, "committed " + committed);

    try (Index index = Indexes.openLucene(indexDir, embedder.id(), embedder.dimension(), IndexConfig.defaults())) {
      List<Index.SourceInfo> sources = index.sources();
      assertTrue(sources.size() >= committed && sources.size() < 30, "sources after crash: " + sources.size());
      assertEquals(sources.stream().mapToInt(Index.SourceInfo::chunks).sum(), index.size(),
          "a committed source has all its chunks");
      IngestReport resumed = new Ingestor(index, embedder,
          Chunkers.create(new ChunkerConfig("sentence", 32, 4), embedder.tokenCounter()),
          new IngestOptions("default", List.of(), 8, 100, 1 << 20)).ingest(List.of(docs), Ingestor.Listener.NONE);
      assertEquals(sources.size(), resumed.unchanged(), resumed.summary());
      assertEquals(30, index.sources().size());
    }
  }

  private static int committedSources(Path dir, HashingEmbedder embedder) {
    try (Index index = Indexes.openLuceneReadOnly(dir, embedder.id(), embedder.dimension(), IndexConfig.defaults())) {
      return index.sources().size();
    } catch (IndexException e) {
      return 0; // not created yet
    }
  }
}
