package io.ragway.eval;

import io.ragway.config.Hashes;
import io.ragway.embed.EmbeddingModel;
import io.ragway.index.Chunk;
import io.ragway.index.Index;
import io.ragway.index.IndexConfig;
import io.ragway.index.Indexes;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.function.IntConsumer;

/**
 * Indexes a BEIR corpus, one chunk per document (title plus text, as BEIR's baselines do), in a
 * folder named after the corpus, model and index settings, so later runs reuse it. A build that
 * did not finish leaves no "complete" marker and is redone.
 */
public final class BeirIndex {

  /** An open index and how long building it took (when it was built, not reused). */
  public record Built(Index index, double buildSeconds, boolean reused) {}

  private static final String COMPLETE = "complete.txt";

  private BeirIndex() {}

  public static Built openOrBuild(BeirDataset data, EmbeddingModel embedder, IndexConfig config, Path cacheRoot,
      boolean rebuild, IntConsumer progress) throws IOException {
    StringBuilder key = new StringBuilder(embedder.id()).append('|').append(config);
    data.corpus().forEach(d -> key.append('|').append(d.id()).append('\u0000').append(d.title()).append('\u0000').append(d.text()));
    Path dir = cacheRoot.resolve(Hashes.sha256(key.toString()).substring(0, 16));
    Path marker = dir.resolve(COMPLETE);
    if (!rebuild && Files.exists(marker)) {
      double seconds = Double.parseDouble(Files.readString(marker).strip());
      progress.accept(data.corpus().size());
      return new Built(Indexes.openLucene(dir.resolve("index"), embedder.id(), embedder.dimension(), config), seconds, true);
    }
    deleteTree(dir);
    long t0 = System.nanoTime();
    Index index = Indexes.openLucene(dir.resolve("index"), embedder.id(), embedder.dimension(), config);
    try {
      int batch = 64;
      List<BeirDataset.BeirDoc> docs = data.corpus();
      for (int from = 0; from < docs.size(); from += batch) {
        List<Chunk> chunks = new ArrayList<>();
        for (BeirDataset.BeirDoc d : docs.subList(from, Math.min(docs.size(), from + batch))) {
          chunks.add(new Chunk(d.id(), d.id(), d.title(), List.of(), d.text(), 0, d.text().length(), 0, "", Chunk.DEFAULT_TENANT, List.of(),
              List.of()));
        }
        index.add(chunks, embedder.embedDocuments(chunks.stream().map(Chunk::embeddingText).toList()));
        progress.accept(Math.min(docs.size(), from + batch));
      }
      index.commit();
    } catch (RuntimeException e) {
      index.close();
      throw e;
    }
    double seconds = (System.nanoTime() - t0) / 1e9;
    Files.writeString(marker, Double.toString(seconds));
    return new Built(index, seconds, false);
  }

  private static void deleteTree(Path dir) throws IOException {
    if (!Files.exists(dir)) {
      return;
    }
    try (var s = Files.walk(dir)) {
      List<Path> all = s.sorted(java.util.Comparator.reverseOrder()).toList();
      for (Path p : all) {
        Files.delete(p);
      }
    }
  }
}
