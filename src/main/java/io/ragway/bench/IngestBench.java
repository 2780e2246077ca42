package io.ragway.bench;

import io.ragway.embed.EmbeddingModel;
import io.ragway.index.Chunk;
import io.ragway.index.Index;
import io.ragway.index.IndexConfig;
import io.ragway.index.Indexes;
import io.ragway.ingest.Chunker;
import io.ragway.ingest.IngestOptions;
import io.ragway.ingest.IngestReport;
import io.ragway.ingest.Ingestor;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * Measures the whole ingest pipeline (walk, hash, parse, chunk, embed, index, commit) against the
 * embedding model's own inference on exactly the chunks the pipeline produced, in the same run.
 * Their ratio is the pipeline's overhead; the model's time is the floor no pipeline can beat.
 */
public final class IngestBench {

  /** The figures of one run. */
  public record Result(int files, int chunks, double pipelineSeconds, double embedSeconds, double chunksPerSecond,
      double overheadRatio, String model) {}

  private IngestBench() {}

  public static Result run(List<Path> docs, Path dir, EmbeddingModel embedder, Chunker chunker, IngestOptions options,
      IndexConfig indexConfig, Ingestor.Listener listener) throws Exception {
    // warm the model (first calls pay for lazy initialisation) so neither side is charged for it
    embedder.embedDocuments(List.of("warm-up passage one.", "warm-up passage two is a little longer."));

    IngestReport report;
    java.util.LinkedHashSet<String> unique = new java.util.LinkedHashSet<>(); // the pipeline embeds repeats once
    long t0 = System.nanoTime();
    try (Index index = Indexes.openLucene(dir, embedder.id(), embedder.dimension(), indexConfig)) {
      report = new Ingestor(index, embedder, chunker, options).ingest(docs, listener);
      double pipeline = (System.nanoTime() - t0) / 1e9;
      for (Index.SourceInfo s : index.sources()) {
        for (int i = 0; i < s.chunks(); i++) {
          index.chunk(Ingestor.chunkId(s.tenant(), s.source(), i)).map(Chunk::embeddingText).ifPresent(unique::add);
        }
      }
      List<String> texts = new ArrayList<>(unique);
      long e0 = System.nanoTime();
      for (int from = 0; from < texts.size(); from += options.batchSize()) {
        embedder.embedDocuments(texts.subList(from, Math.min(texts.size(), from + options.batchSize())));
      }
      double embed = (System.nanoTime() - e0) / 1e9;
      int files = report.added() + report.updated();
      return new Result(files, report.chunks(), pipeline, embed, report.chunks() / pipeline,
          embed > 0 ? pipeline / embed : Double.NaN, embedder.id());
    }
  }
}
