package io.ragway.cli;

import io.ragway.config.RagwayConfig;
import io.ragway.eval.BeirDataset;
import io.ragway.eval.BeirIndex;
import io.ragway.eval.RetrievalEvaluation;
import io.ragway.eval.RetrievalReport;
import io.ragway.index.Filter;
import io.ragway.retrieve.Retrieved;
import io.ragway.retrieve.Retriever;
import io.ragway.retrieve.SearchMode;
import io.ragway.retrieve.SearchRequest;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

@Command(name = "eval", mixinStandardHelpOptions = true, description = "Measure quality on a data set.",
    subcommands = {EvalCommand.Retrieval.class})
final class EvalCommand implements Runnable {

  @Spec picocli.CommandLine.Model.CommandSpec spec;

  @Override
  public void run() {
    spec.commandLine().usage(spec.commandLine().getOut());
  }

  @Command(name = "retrieval", mixinStandardHelpOptions = true,
      description = {"Retrieval quality on a BEIR-layout data set (corpus.jsonl, queries.jsonl, qrels/SPLIT.tsv):",
          "nDCG@10, recall@100 and MRR@10 per mode, with indexing time and query latency.",
          "The corpus index is cached under DATA/eval and reused while corpus, model and settings are unchanged."})
  static final class Retrieval implements Callable<Integer> {
    @Mixin CommonOptions common;
    @Spec picocli.CommandLine.Model.CommandSpec spec;

    @Option(names = "--beir", required = true, paramLabel = "DIR", description = "BEIR data set folder.")
    Path beir;

    @Option(names = "--split", defaultValue = "test", description = "Qrels split (default: ${DEFAULT-VALUE}).")
    String split;

    @Option(names = "--mode", defaultValue = "all", description = "bm25, dense, hybrid or all (default: ${DEFAULT-VALUE}).")
    String mode;

    @Option(names = "--max-queries", paramLabel = "N", description = "Evaluate only the first N queries (and a corpus subset, with --max-docs).")
    Integer maxQueries;

    @Option(names = "--max-docs", paramLabel = "N", description = "With --max-queries: corpus of their relevant documents plus others up to N.")
    Integer maxDocs;

    @Option(names = "--rebuild", description = "Rebuild the cached index.")
    boolean rebuild;

    @Option(names = "--json", description = "One JSON object per line per mode.")
    boolean json;

    @Override
    public Integer call() throws Exception {
      if (!Files.isDirectory(beir)) {
        throw new UsageException("not a folder: " + beir + " (expected corpus.jsonl, queries.jsonl and qrels/" + split + ".tsv)");
      }
      List<SearchMode> modes = "all".equalsIgnoreCase(mode) ? List.of(SearchMode.values()) : List.of(SearchMode.parse(mode));
      BeirDataset data = BeirDataset.load(beir, split);
      if (maxQueries != null) {
        data = data.subset(maxQueries, maxDocs != null ? maxDocs : data.corpus().size());
      }
      RagwayConfig config = common.load();
      var out = spec.commandLine().getOut();
      try (Components c = new Components(config)) {
        BeirIndex.Built built;
        try (Progress p = Progress.start("index", data.corpus().size(), json)) {
          built = BeirIndex.openOrBuild(data, c.embedder(), config.index().toIndexConfig(),
              config.dataPath().resolve("eval"), rebuild, p::stepTo);
        }
        try (var index = built.index()) {
          Retriever retriever = c.retriever(index);
          int depth = 100;
          for (SearchMode m : modes) {
            RetrievalReport report;
            try (Progress p = Progress.start(m.label(), data.queries().size(), json)) {
              report = RetrievalEvaluation.run(data, m.label(), q -> docIds(retriever.retrieve(
                  new SearchRequest(q, m, depth, Filter.all(), false))), built.buildSeconds(), n -> p.stepTo(n));
            }
            Double hnswRecall = m == SearchMode.DENSE ? hnswRecall(index, c, data) : null;
            if (json) {
              var line = (com.fasterxml.jackson.databind.node.ObjectNode) JSON.readTree(report.toJson());
              if (hnswRecall != null) {
                line.put("hnsw_recall@10", Math.round(hnswRecall * 10000) / 10000.0);
              }
              out.println(JSON.writeValueAsString(line));
            } else {
              out.printf("%-7s nDCG@10 %.4f  recall@100 %.4f  MRR@10 %.4f  (%d queries, %d docs; query p50 %.1f ms, p99 %.1f ms)%n",
                  report.mode(), report.ndcgAt10(), report.recallAt100(), report.mrrAt10(), report.queries(), report.docs(),
                  report.queryMsP50(), report.queryMsP99());
              if (hnswRecall != null) {
                out.printf("        HNSW recall@10 against exact search: %.4f%n", hnswRecall);
              }
            }
            out.flush();
          }
          if (!json) {
            out.printf("index: %.1f s to build%s%n", built.buildSeconds(), built.reused() ? " (cached index reused)" : "");
          }
        }
      }
      return Main.OK;
    }

    /** Share of the exact top 10 (brute force) that the HNSW search finds, averaged over the queries. */
    private static double hnswRecall(io.ragway.index.Index index, Components c, BeirDataset data) {
      double sum = 0;
      for (String q : data.queries().values()) {
        float[] v = c.embedder().embedQuery(q);
        var exact = index.exactKnn(v, 10, Filter.all()).stream().map(h -> h.chunk().id()).toList();
        var approx = index.knnIds(v, 10, Filter.all()).stream().map(s -> s.id()).toList();
        sum += exact.isEmpty() ? 1 : (double) approx.stream().filter(exact::contains).count() / exact.size();
      }
      return sum / Math.max(1, data.queries().size());
    }

    private static final com.fasterxml.jackson.databind.ObjectMapper JSON = new com.fasterxml.jackson.databind.ObjectMapper();

    /** Document ids in rank order; a document with several chunks counts at its best rank. */
    private static List<String> docIds(List<Retrieved> results) {
      LinkedHashSet<String> ids = new LinkedHashSet<>();
      results.forEach(r -> ids.add(r.chunk().source()));
      return new ArrayList<>(ids);
    }
  }
}
