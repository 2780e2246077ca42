package io.ragway.cli;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.PropertyNamingStrategies;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.ragway.bench.IngestBench;
import io.ragway.bench.SearchBench;
import io.ragway.config.RagwayConfig;
import io.ragway.embed.EmbeddingModel;
import io.ragway.eval.LatencyStats;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.stream.Stream;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

@Command(name = "bench", mixinStandardHelpOptions = true,
    description = "Benchmarks that report ratios against a baseline measured in the same run.",
    subcommands = {BenchCommand.Search.class, BenchCommand.Ingest.class})
final class BenchCommand implements Runnable {

  @Spec picocli.CommandLine.Model.CommandSpec spec;

  @Override
  public void run() {
    spec.commandLine().usage(spec.commandLine().getOut());
  }

  static final ObjectMapper JSON = new ObjectMapper()
      .setPropertyNamingStrategy(PropertyNamingStrategies.SNAKE_CASE)
      .disable(SerializationFeature.FAIL_ON_EMPTY_BEANS);

  @Command(name = "search", mixinStandardHelpOptions = true,
      description = {"Search latency per mode (bm25, dense, hybrid) over N synthetic chunks, HNSW recall@10",
          "against exact search, and exact search's latency as the baseline; query embedding with the",
          "real model is timed separately."})
  static final class Search implements Callable<Integer> {
    @Mixin CommonOptions common;
    @Spec picocli.CommandLine.Model.CommandSpec spec;

    @Option(names = "--chunks", defaultValue = "100000", description = "Corpus size (default: ${DEFAULT-VALUE}).")
    int chunks;

    @Option(names = "--queries", defaultValue = "500", description = "Queries per mode (default: ${DEFAULT-VALUE}).")
    int queries;

    @Option(names = "--seed", defaultValue = "42", description = "Random seed (default: ${DEFAULT-VALUE}).")
    long seed;

    @Option(names = "--noise", defaultValue = "0.05",
        description = "Per-dimension spread of vectors around their topic centre; 0.05 gives a cosine of about 0.7 "
            + "to the centre, like same-topic text embeddings; larger is harder for HNSW (default: ${DEFAULT-VALUE}).")
    double noise;

    @Option(names = "--no-embed", description = "Do not load the embedding model to time query embedding.")
    boolean noEmbed;

    @Option(names = "--json", description = "Print one JSON object.")
    boolean json;

    @Override
    public Integer call() throws Exception {
      RagwayConfig config = common.load();
      Path dir = Files.createTempDirectory(tempParent(config), "bench-search-");
      try (Components c = new Components(config)) {
        int dimension = 384;
        SearchBench.Result r;
        try (Progress p = Progress.start("index", chunks, json)) {
          r = SearchBench.run(dir, new SearchBench.Settings(chunks, queries, dimension, config.retrieval().k(), seed, noise,
              config.index().toIndexConfig(), config.retrieval().toRetrieveConfig()), n -> p.stepTo(n));
        }
        ObjectNode out = JSON.valueToTree(r);
        if (!noEmbed) {
          out.set("query_embedding_ms", JSON.valueToTree(queryEmbedding(c.embedder())));
        }
        print(spec, out, json);
        return Main.OK;
      } finally {
        deleteTree(dir);
      }
    }

    private static LatencyStats queryEmbedding(EmbeddingModel model) {
      List<String> questions = List.of("How does ragway rank search results?", "What is reciprocal rank fusion?",
          "Which file formats can be ingested?", "How do I configure the chunk size?",
          "Does vitamin D supplementation reduce the risk of fractures in older adults?",
          "What happens when the index was built with another embedding model?");
      model.embedQuery("warm-up");
      long[] t = new long[50];
      for (int i = 0; i < t.length; i++) {
        long t0 = System.nanoTime();
        model.embedQuery(questions.get(i % questions.size()));
        t[i] = System.nanoTime() - t0;
      }
      return LatencyStats.ofNanos(t);
    }
  }

  @Command(name = "ingest", mixinStandardHelpOptions = true,
      description = {"Ingest pipeline throughput, and its overhead as a ratio over the embedding model's",
          "own inference time on the same chunks in the same run (target <= 1.15)."})
  static final class Ingest implements Callable<Integer> {
    @Mixin CommonOptions common;
    @Spec picocli.CommandLine.Model.CommandSpec spec;

    @Option(names = "--docs", paramLabel = "PATH",
        description = "Folder of documents (default: ../shared/data/cmu-wikipedia-qa/articles if present, else ./docs).")
    Path docs;

    @Option(names = "--max-files", defaultValue = "40", description = "Use at most this many files (default: ${DEFAULT-VALUE}).")
    int maxFiles;

    @Option(names = "--json", description = "Print one JSON object.")
    boolean json;

    @Override
    public Integer call() throws Exception {
      RagwayConfig config = common.load();
      Path folder = docs != null ? docs : Files.isDirectory(Path.of("../shared/data/cmu-wikipedia-qa/articles"))
          ? Path.of("../shared/data/cmu-wikipedia-qa/articles") : Path.of("docs");
      if (!Files.isDirectory(folder)) {
        throw new UsageException("not a folder: " + folder);
      }
      List<Path> files;
      try (Stream<Path> s = Files.list(folder)) {
        files = s.filter(Files::isRegularFile).sorted(Comparator.naturalOrder()).limit(maxFiles).toList();
      }
      if (files.isEmpty()) {
        throw new UsageException("no files in " + folder);
      }
      Path dir = Files.createTempDirectory(tempParent(config), "bench-ingest-");
      try (Components c = new Components(config); Progress.Files progress = new Progress.Files(json)) {
        IngestBench.Result r = IngestBench.run(files, dir, c.embedder(), c.chunker(), c.ingestOptions(List.of()),
            config.index().toIndexConfig(), progress);
        ObjectNode out = JSON.valueToTree(r);
        out.put("docs", folder.toString());
        print(spec, out, json);
        return Main.OK;
      } finally {
        deleteTree(dir);
      }
    }
  }

  static Path tempParent(RagwayConfig config) throws IOException {
    return Files.createDirectories(config.dataPath().resolve("tmp"));
  }

  static void print(picocli.CommandLine.Model.CommandSpec spec, ObjectNode out, boolean json) throws IOException {
    var w = spec.commandLine().getOut();
    w.println(json ? JSON.writeValueAsString(out) : JSON.writerWithDefaultPrettyPrinter().writeValueAsString(out));
    w.flush();
  }

  static void deleteTree(Path dir) throws IOException {
    if (!Files.exists(dir)) {
      return;
    }
    List<Path> all = new ArrayList<>();
    try (Stream<Path> s = Files.walk(dir)) {
      s.forEach(all::add);
    }
    for (int i = all.size() - 1; i >= 0; i--) {
      Files.deleteIfExists(all.get(i));
    }
  }
}
