package io.ragway.ingest;

import io.ragway.embed.EmbeddingModel;
import io.ragway.embed.TokenCounter;
import io.ragway.index.Index;
import io.ragway.index.IndexConfig;
import io.ragway.index.Indexes;
import io.ragway.testkit.HashingEmbedder;
import java.nio.file.Path;
import java.util.List;

/** Child process of {@link CrashSafetyIT}: ingests slowly, committing every two files, until killed. */
public final class SlowIngestMain {

  private SlowIngestMain() {}

  public static void main(String[] args) throws Exception {
    HashingEmbedder fast = new HashingEmbedder();
    EmbeddingModel slow = new EmbeddingModel() {
      @Override
      public String id() {
        return fast.id();
      }

      @Override
      public int dimension() {
        return fast.dimension();
      }

      @Override
      public List<float[]> embedDocuments(List<String> texts) {
        try {
          Thread.sleep(150);
        } catch (InterruptedException e) {
          Thread.currentThread().interrupt();
        }
        return fast.embedDocuments(texts);
      }

      @Override
      public float[] embedQuery(String query) {
        return fast.embedQuery(query);
      }

      @Override
      public TokenCounter tokenCounter() {
        return fast.tokenCounter();
      }
    };
    try (Index index = Indexes.openLucene(Path.of(args[0]), fast.id(), fast.dimension(), IndexConfig.defaults())) {
      new Ingestor(index, slow, Chunkers.create(new ChunkerConfig("sentence", 32, 4), TokenCounter.approximate()),
          new IngestOptions("default", List.of(), 1, 2, 1 << 20)).ingest(List.of(Path.of(args[1])), Ingestor.Listener.NONE);
    }
  }
}
