package io.ragway.cli;

import io.ragway.chat.Answer;
import io.ragway.chat.RagPipeline;
import io.ragway.config.RagwayConfig;
import io.ragway.eval.AnswerDataset;
import io.ragway.eval.AnswerEvaluation;
import io.ragway.eval.AnswerReport;
import io.ragway.eval.Comparison;
import io.ragway.eval.HtmlReport;
import io.ragway.eval.Judge;
import io.ragway.eval.LatencyStats;
import io.ragway.index.Index;
import io.ragway.ingest.IngestReport;
import io.ragway.llm.ChatMessage;
import io.ragway.llm.ChatModels;
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
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.function.Function;
import java.util.function.UnaryOperator;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

@Command(name = "eval", mixinStandardHelpOptions = true, description = "Measure quality on a data set.",
    subcommands = {EvalCommand.Retrieval.class, EvalCommand.Answers.class, EvalCommand.Compare.class})
final class EvalCommand implements Runnable {

  private static final com.fasterxml.jackson.databind.ObjectMapper JSON = new com.fasterxml.jackson.databind.ObjectMapper();

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

    @Option(names = "--index", defaultValue = "embedded", paramLabel = "WHICH",
        description = {"embedded, solr or both (default: ${DEFAULT-VALUE}). solr copies the embedded corpus index",
            "with its vectors into a Solr collection (index.solr; see --solr-url, --collection) and measures it there."})
    String indexes;

    @Option(names = "--solr-url", paramLabel = "URL", description = "A Solr node's base URL (repeatable; default: index.solr.urls).")
    List<String> solrUrls = new ArrayList<>();

    @Option(names = "--collection", paramLabel = "NAME", description = "Solr collection for --index solr (default: beir-FOLDER).")
    String collection;

    @Override
    public Integer call() throws Exception {
      if (!List.of("embedded", "solr", "both").contains(indexes)) {
        throw new UsageException("--index must be embedded, solr or both, got '" + indexes + "'");
      }
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
        try (var embeddedIndex = built.index();
            var solrIndex = indexes.equals("embedded") ? null : solrCopy(config, embeddedIndex, c)) {
          for (var index : indexes.equals("both") ? List.of(embeddedIndex, solrIndex)
              : List.of(indexes.equals("solr") ? solrIndex : embeddedIndex)) {
            String label = index == embeddedIndex ? "embedded" : "solr";
            Retriever retriever = c.retriever(index);
            int depth = 100;
            for (SearchMode m : modes) {
              RetrievalReport report;
              try (Progress p = Progress.start(label + " " + m.label(), data.queries().size(), json)) {
                report = RetrievalEvaluation.run(data, m.label(), q -> docIds(retriever.retrieve(
                    new SearchRequest(q, m, depth, Filter.all(), false))), built.buildSeconds(), n -> p.stepTo(n));
              }
              Double hnswRecall = m == SearchMode.DENSE ? hnswRecall(index, c, data) : null;
              if (json) {
                var line = (com.fasterxml.jackson.databind.node.ObjectNode) JSON.readTree(report.toJson());
                if (hnswRecall != null) {
                  line.put("hnsw_recall@10", Math.round(hnswRecall * 10000) / 10000.0);
                }
                line.put("index", label);
                out.println(JSON.writeValueAsString(line));
              } else {
                out.print(indexes.equals("embedded") ? "" : label + " ");
                out.printf("%-7s nDCG@10 %.4f  recall@100 %.4f  MRR@10 %.4f  (%d queries, %d docs; query p50 %.1f ms, p99 %.1f ms)%n",
                    report.mode(), report.ndcgAt10(), report.recallAt100(), report.mrrAt10(), report.queries(), report.docs(),
                    report.queryMsP50(), report.queryMsP99());
                if (hnswRecall != null) {
                  out.printf("        HNSW recall@10 against exact search: %.4f%n", hnswRecall);
                }
              }
              out.flush();
            }
          }
          if (!json) {
            out.printf("index: %.1f s to build%s%n", built.buildSeconds(), built.reused() ? " (cached index reused)" : "");
          }
        }
      }
      return Main.OK;
    }

    /** The Solr collection for this data set, filled from the embedded corpus index (idempotent: ids are kept). */
    private io.ragway.index.Index solrCopy(RagwayConfig config, io.ragway.index.Index embedded, Components c) {
      io.ragway.index.SolrConfig solr = IndexCommand.solrConfig(config.index().solr(), solrUrls,
          collection != null ? collection : "beir-" + beir.toAbsolutePath().normalize().getFileName());
      var target = io.ragway.index.Indexes.openSolr(solr, c.embedder().id(), c.embedder().dimension(),
          config.index().toIndexConfig());
      try (Progress p = Progress.start("copy to solr", embedded.size(), json)) {
        io.ragway.index.SolrMigration.copy(embedded, target, 500, p::stepTo);
      } catch (RuntimeException e) {
        target.close();
        throw e;
      }
      return target;
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

  @Command(name = "answers", mixinStandardHelpOptions = true,
      description = {"Answer quality on a question set (JSON lines {question, answer, contexts, ground_truth}):",
          "exact match, token F1, ROUGE-L, BLEU, embedding similarity, faithfulness, answer relevancy,",
          "context precision and recall, abstention rate and answer latency. A row with ground_truth has its",
          "own answer scored (unless --model is given); a row without takes 'answer' as the reference and",
          "ragway answers. See docs/evaluation.md."})
  static final class Answers implements Callable<Integer> {
    @Mixin CommonOptions common;
    @Spec picocli.CommandLine.Model.CommandSpec spec;

    @Option(names = "--dataset", required = true, paramLabel = "FILE", description = "Questions, one JSON object per line.")
    Path dataset;

    @Option(names = "--model", paramLabel = "M",
        description = "Who answers: rag (the configured generator, else extractive), extractive, or a model of ragway.yaml (default: rag). Given, rows with ground_truth are answered again.")
    String model;

    @Option(names = "--docs", paramLabel = "PATH", description = "Ingest these files or folders first, incrementally (repeatable).")
    List<Path> docs = new ArrayList<>();

    @Option(names = "--limit", paramLabel = "N", description = "Only the first N rows.")
    int limit;

    @Option(names = "--judge", paramLabel = "MODEL",
        description = "'embeddings', or a model of ragway.yaml that judges faithfulness, relevancy and context precision/recall (default: eval.judge_model, else embeddings).")
    String judge;

    @Option(names = "--support-threshold", paramLabel = "X", defaultValue = "0.8",
        description = "Support a statement needs in the embeddings judge (default: ${DEFAULT-VALUE}).")
    double supportThreshold;

    @Option(names = "--mode", paramLabel = "MODE", description = "bm25, dense or hybrid (default: retrieval.mode).")
    String mode;

    @Option(names = {"-k", "--k"}, paramLabel = "N", description = "Chunks retrieved per question (default: retrieval.k).")
    Integer k;

    @Option(names = "--json", description = "Print the summary as JSON.")
    boolean json;

    @Option(names = "--report", paramLabel = "FILE", description = "Write a self-contained HTML report.")
    Path report;

    @Option(names = "--out", paramLabel = "FILE", description = "Write the summary and every question's answer, contexts and scores as JSON.")
    Path out;

    @Override
    public Integer call() throws Exception {
      if (limit < 0) {
        throw new UsageException("--limit must be >= 0");
      }
      AnswerDataset data = AnswerDataset.read(dataset, model != null, limit);
      var print = spec.commandLine().getOut();
      var err = spec.commandLine().getErr();
      (json ? err : print).println("reading of " + dataset + ": " + data.reading().describe());
      (json ? err : print).flush();
      try (Components c = common.components()) {
        RagwayConfig config = c.config();
        SearchMode m = SearchMode.parse(mode != null ? mode : config.retrieval().mode());
        int n = k != null ? k : config.retrieval().k();
        Filter filter = Filter.tenant(config.tenant());
        boolean mmr = config.retrieval().mmr();
        boolean needsIndex = !docs.isEmpty() || data.rows().stream()
            .anyMatch(r -> r.recordedAnswer().isEmpty() || r.contexts().isEmpty());
        Index index = null;
        if (needsIndex) {
          index = openIndex(c);
        }
        String who = model != null ? model : "rag";
        RagPipeline pipeline = index == null ? null : pipeline(c, index, who);
        Retriever retriever = index == null ? null : c.retriever(index);
        String judgeModel = judge != null ? judge.strip() : config.eval().judgeModel();
        Judge j = judgeModel.isEmpty() || judgeModel.equals("embeddings")
            ? Judge.embeddings(c.embedder(), supportThreshold) : llmJudge(c, judgeModel);
        AnswerEvaluation.Generator generator = q -> generate(pipeline, q, m, n, filter, mmr);
        Function<String, List<String>> retrieve = q -> retriever.retrieve(new SearchRequest(q, m, n, filter, mmr)).stream()
            .map(r -> r.chunk().text()).toList();
        Map<String, String> shown = new LinkedHashMap<>();
        shown.put("dataset", dataset.toString());
        shown.put("rows", Integer.toString(data.rows().size()));
        shown.put("reading", data.reading().describe());
        shown.put("model", data.reading().recorded() == data.rows().size() ? "(recorded answers)"
            : who + (pipeline != null && !pipeline.modelName().equals(who) ? " (" + pipeline.modelName() + ")" : ""));
        shown.put("judge", j.name() + (j.name().equals("embeddings") ? " (support threshold " + supportThreshold + ")" : ""));
        shown.put("embedding_model", c.embedder().id());
        shown.put("retrieval", m.label() + ", k=" + n);
        List<AnswerEvaluation.Result> results;
        try (Progress p = Progress.start("answers", data.rows().size(), false)) {
          results = new AnswerEvaluation(generator, retrieve, c.embedder(), j, System::nanoTime).run(data.rows(), p::stepTo);
        }
        AnswerReport r = new AnswerReport(shown, data.reading(), results);
        if (out != null) {
          Files.writeString(out, JSON.writerWithDefaultPrettyPrinter().writeValueAsString(r.resultsJson()));
        }
        if (report != null) {
          Files.writeString(report, HtmlReport.render(r));
        }
        if (json) {
          print.println(JSON.writeValueAsString(r.summaryJson()));
        } else {
          printText(print, r);
        }
        print.flush();
      }
      return Main.OK;
    }

    private Index openIndex(Components c) throws Exception {
      if (docs.isEmpty()) {
        if (!Files.isDirectory(c.indexDir())) {
          throw new UsageException("no index in " + c.config().dataPath() + ": give --docs DIR, or run 'ragway ingest' first");
        }
        return c.index(true);
      }
      Index index = c.index(false);
      try (Progress.Files progress = new Progress.Files(json)) {
        IngestReport ingested = c.ingestor(index, List.of()).ingest(docs, progress);
        if (!json) {
          IngestCommand.print(spec, ingested, false);
        }
      }
      return index;
    }

    private static RagPipeline pipeline(Components c, Index index, String who) {
      return switch (who) {
        case "rag" -> c.pipeline(index);
        case "extractive" -> c.extractivePipeline(index);
        default -> {
          if (!c.router().serves(who)) {
            throw new UsageException("unknown model '" + who + "': rag, extractive or one of the models of ragway.yaml "
                + c.router().models());
          }
          yield new RagPipeline(c.retriever(index), ChatModels.generating(c.router(), who));
        }
      };
    }

    private static Judge llmJudge(Components c, String model) {
      if (!c.router().serves(model)) {
        throw new UsageException("judge '" + model + "' is not one of the models of ragway.yaml " + c.router().models());
      }
      return Judge.llm(c.router(), model, c.embedder());
    }

    static AnswerEvaluation.Generated generate(RagPipeline pipeline, String q, SearchMode m, int n, Filter filter,
        boolean mmr) {
      List<String> contexts = new ArrayList<>();
      Answer a = pipeline.answer(List.of(ChatMessage.user(q)), m, n, filter, mmr, 0, new RagPipeline.Hooks(null, ch -> true,
          sources -> sources.forEach(s -> contexts.add(s.chunk().text())), UnaryOperator.identity()));
      return new AnswerEvaluation.Generated(a.text(), contexts, a.abstained());
    }

    private void printText(java.io.PrintWriter print, AnswerReport r) {
      r.config().forEach((key, v) -> {
        if (!key.equals("reading")) {
          print.printf("%-16s %s%n", key, v);
        }
      });
      print.println();
      print.printf("%-22s %8s %6s%n", "metric", "mean", "n");
      Map<String, Integer> counts = r.counts();
      r.means().forEach((metric, v) -> print.printf(java.util.Locale.ROOT, "%-22s %8.4f %6d%n", metric, v, counts.get(metric)));
      print.printf(java.util.Locale.ROOT, "%nabstained: %d of %d (%.2f%%)%n", r.abstentions(), r.results().size(),
          100 * r.abstentionRate());
      LatencyStats l = r.latency();
      if (l.count() > 0) {
        print.printf(java.util.Locale.ROOT, "answer latency: p50 %.1f ms, p99 %.1f ms, mean %.1f ms (%d answers)%n",
            l.p50Ms(), l.p99Ms(), l.meanMs(), l.count());
      }
      r.judgeFailures().forEach((metric, kinds) -> print.println("judge failures, " + metric + ": " + kinds));
      if (report != null) {
        print.println("report: " + report);
      }
      if (out != null) {
        print.println("results: " + out);
      }
    }
  }

  @Command(name = "compare", mixinStandardHelpOptions = true,
      description = {"Compare two summaries (of 'eval answers --json' or 'eval retrieval --json') metric by metric.",
          "Exit code 1 when a metric drops more than its --max-drop, 0 otherwise: a CI gate."})
  static final class Compare implements Callable<Integer> {
    @Spec picocli.CommandLine.Model.CommandSpec spec;

    @Parameters(index = "0", paramLabel = "BASE.json", description = "The summary of the accepted configuration.")
    Path base;

    @Parameters(index = "1", paramLabel = "NEW.json", description = "The summary of the candidate.")
    Path next;

    @Option(names = "--max-drop", paramLabel = "METRIC=X",
        description = "Largest drop allowed: absolute (f1=0.02) or relative (ndcg@10=5%%); METRIC * = every metric not named (repeatable).")
    List<String> maxDrops = new ArrayList<>();

    @Option(names = "--json", description = "Print the comparison as JSON.")
    boolean json;

    @Override
    public Integer call() throws Exception {
      Map<String, Comparison.MaxDrop> gates = new LinkedHashMap<>();
      for (String d : maxDrops) {
        int eq = d.lastIndexOf('=');
        if (eq <= 0) {
          throw new UsageException("--max-drop wants METRIC=X, not '" + d + "'");
        }
        gates.put(d.substring(0, eq).strip().toLowerCase(java.util.Locale.ROOT), Comparison.MaxDrop.parse(d.substring(eq + 1)));
      }
      Comparison cmp = Comparison.of(Comparison.read(base), Comparison.read(next), gates);
      var print = spec.commandLine().getOut();
      if (json) {
        var root = JSON.createObjectNode().put("base", base.toString()).put("new", next.toString()).put("pass", cmp.passed());
        var rows = root.putArray("metrics");
        for (Comparison.Row r : cmp.rows()) {
          var o = rows.addObject().put("metric", r.metric());
          r.base().ifPresentOrElse(v -> o.put("base", v), () -> o.putNull("base"));
          r.next().ifPresentOrElse(v -> o.put("new", v), () -> o.putNull("new"));
          r.delta().ifPresentOrElse(v -> o.put("delta", Math.round(v * 10000) / 10000.0), () -> o.putNull("delta"));
          r.maxDrop().ifPresentOrElse(v -> o.put("max_drop", v.toString()), () -> o.putNull("max_drop"));
          o.put("result", r.maxDrop().isEmpty() ? "-" : r.pass() ? "PASS" : "FAIL");
        }
        var notes = root.putArray("notes");
        cmp.notes().forEach(notes::add);
        print.println(JSON.writeValueAsString(root));
      } else {
        print.printf("%-28s %9s %9s %9s %10s  %s%n", "metric", "base", "new", "delta", "max drop", "result");
        for (Comparison.Row r : cmp.rows()) {
          print.printf(java.util.Locale.ROOT, "%-28s %9s %9s %9s %10s  %s%n", r.metric(), num(r.base()), num(r.next()),
              r.delta().map(v -> String.format(java.util.Locale.ROOT, "%+.4f", v)).orElse("-"),
              r.maxDrop().map(Object::toString).orElse("-"), r.maxDrop().isEmpty() ? "-" : r.pass() ? "PASS" : "FAIL");
        }
        cmp.notes().forEach(note -> print.println("note: " + note));
        long failed = cmp.rows().stream().filter(r -> !r.pass()).count();
        print.println(failed == 0 ? "PASS" : "FAIL: " + failed + " metric(s) dropped more than allowed");
      }
      print.flush();
      return cmp.passed() ? Main.OK : Main.FAILURE;
    }

    private static String num(java.util.Optional<Double> v) {
      return v.map(x -> String.format(java.util.Locale.ROOT, "%.4f", x)).orElse("-");
    }
  }
}
