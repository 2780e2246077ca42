package io.ragway.cli;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.PropertyNamingStrategies;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.ragway.bench.GatewayBench;
import io.ragway.bench.IngestBench;
import io.ragway.bench.LedgerBench;
import io.ragway.bench.RoutingBench;
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
import java.util.Locale;
import java.util.Optional;
import java.util.concurrent.Callable;
import java.util.stream.Stream;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

@Command(name = "bench", mixinStandardHelpOptions = true,
    description = "Benchmarks that report ratios against a baseline measured in the same run.",
    subcommands = {BenchCommand.Search.class, BenchCommand.Ingest.class, BenchCommand.Gateway.class,
        BenchCommand.LedgerRun.class, BenchCommand.Routing.class})
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

  @Command(name = "gateway", mixinStandardHelpOptions = true,
      description = {"What ragway's gateway adds in front of an OpenAI-compatible upstream, against nginx as a plain",
          "reverse proxy, in one run: the same non-streaming chat completion sent directly to an in-process fake",
          "upstream, through ragway (an upstream model, called with an API key that has rate limits; the response",
          "cache misses; the usage ledger on, as ragway serve keeps it), through the same server with the ledger",
          "off, with ledger.sync: fsync, and with metrics, traces and the request log on, and through nginx",
          "(proxy_pass, keep-alive), at each concurrency. Prints p50/p99 and requests/s per path, the latency each",
          "proxy adds over the direct path, ragway/nginx ratios beside their targets (added p50 and p99 <= 1.5x,",
          "throughput >= 0.7x), ragway's throughput with/without the ledger (target >= 0.95x) and telemetry on/off",
          "(target <= 1.10x); then ragway's cache hits at concurrency 1, timed by the client. Without nginx (not",
          "installed, or --no-nginx) the nginx fields are null."})
  static final class Gateway implements Callable<Integer> {
    @Mixin CommonOptions common;
    @Spec picocli.CommandLine.Model.CommandSpec spec;

    @Option(names = "--concurrency", split = ",", paramLabel = "N[,N...]", defaultValue = "1,64",
        description = "Client threads, each with its own keep-alive connection (default: ${DEFAULT-VALUE}).")
    List<Integer> concurrency;

    @Option(names = "--requests", split = ",", paramLabel = "N[,N...]",
        description = "Measured requests per path at each concurrency: one value for all, or one per --concurrency "
            + "value (default: 5000 at concurrency 1, 20000 above).")
    List<Integer> requests;

    @Option(names = "--warmup", defaultValue = "20000",
        description = "Requests per path at each concurrency before measuring (default: ${DEFAULT-VALUE}: the JIT's "
            + "optimising compiler takes a method after 10,000-15,000 calls, and code only one path runs, such as the "
            + "ledger's or telemetry's, is otherwise measured half-compiled).")
    int warmup;

    @Option(names = "--trace-sample-ratio", paramLabel = "R", defaultValue = "1.0",
        description = "Share of requests the telemetry path traces, as telemetry.tracing.sample_ratio (default: "
            + "${DEFAULT-VALUE}, every request).")
    double traceSampleRatio;

    @Option(names = "--nginx", paramLabel = "FILE",
        description = "The nginx binary (default: /usr/sbin/nginx, else nginx on the PATH).")
    Path nginx;

    @Option(names = "--no-nginx", description = "Do not measure the nginx baseline.")
    boolean noNginx;

    @Option(names = "--json", description = "Print one JSON object.")
    boolean json;

    @Override
    public Integer call() throws Exception {
      RagwayConfig config = common.load();
      if (nginx != null && !Files.isExecutable(nginx)) {
        throw new UsageException("--nginx: not an executable file: " + nginx);
      }
      List<Integer> perLevel = requests == null ? concurrency.stream().map(c -> c == 1 ? 5000 : 20000).toList()
          : requests.size() == 1 ? java.util.Collections.nCopies(concurrency.size(), requests.get(0)) : requests;
      GatewayBench.Settings settings = new GatewayBench.Settings(concurrency, perLevel, warmup, !noNginx,
          Optional.ofNullable(nginx), traceSampleRatio);
      var err = spec.commandLine().getErr();
      Path dir = Files.createTempDirectory(tempParent(config), "bench-gateway-");
      try {
        GatewayBench.Result r = GatewayBench.run(dir, settings, step -> {
          if (!json) {
            err.println("bench gateway: " + step);
            err.flush();
          }
        });
        if (r.nginxSkipped() != null) {
          err.println("bench gateway: nginx not measured: " + r.nginxSkipped());
          err.flush();
        }
        if (json) {
          print(spec, JSON.valueToTree(r), true);
        } else {
          spec.commandLine().getOut().print(table(r));
          spec.commandLine().getOut().flush();
        }
        return Main.OK;
      } finally {
        deleteTree(dir);
      }
    }

    static String table(GatewayBench.Result r) {
      StringBuilder b = new StringBuilder();
      b.append("client -> path -> ").append(r.upstream()).append(", over loopback\n");
      b.append("nginx: ").append(r.nginx() != null ? r.nginx() : "not measured (" + r.nginxSkipped() + ")").append('\n');
      b.append("ragway features on: ").append(String.join(", ", r.ragwayFeatures())).append("\n");
      b.append("telemetry path adds: ").append(String.join(", ", r.telemetryFeatures())).append("\n");
      GatewayBench.Targets t = r.targets();
      for (GatewayBench.Level l : r.levels()) {
        b.append(String.format(Locale.ROOT, "%nconcurrency %d, %d requests per path after %d warm-up%n", l.concurrency(),
            l.requests(), r.warmup()));
        b.append(String.format(Locale.ROOT, "%-10s %9s %9s %9s %13s %13s %16s%n", "path", "p50 ms", "p99 ms", "req/s",
            "added p50 ms", "added p99 ms", "upstream conns"));
        row(b, "direct", l.direct());
        row(b, "ragway", l.ragway());
        row(b, "no ledger", l.ragwayWithoutLedger());
        row(b, "sync=fsync", l.ragwayLedgerSyncFsync());
        row(b, "telemetry", l.ragwayWithTelemetry());
        if (l.nginx() != null) {
          row(b, "nginx", l.nginx());
        }
        b.append(String.format(Locale.ROOT, "ragway with/without its usage ledger (ledger.sync: os, the default): "
            + "throughput %.2fx (target >= 0.95x)%n", l.ledgerThroughputRatio()));
        b.append(String.format(Locale.ROOT, "ragway with ledger.sync: fsync, with/without its usage ledger: throughput %.2fx%n",
            l.ledgerSyncFsyncThroughputRatio()));
        GatewayBench.TelemetryCost tc = l.telemetryCost();
        b.append(String.format(Locale.ROOT, "ragway telemetry on/off: p50 %.2fx, p99 %.2fx, throughput (off/on) %.2fx "
            + "(target <= %.2fx each): %s%n", tc.p50Ratio(), tc.p99Ratio(), tc.throughputRatio(), t.telemetryCostMax(),
            tc.meetsTarget() ? "meets target" : "MISSES target"));
        GatewayBench.VsNginx vs = l.ragwayVsNginx();
        if (vs != null) {
          b.append(String.format(Locale.ROOT, "ragway/nginx: added p50 %s (target <= %.1fx), added p99 %s (target <= %.1fx), "
              + "throughput %.2fx (target >= %.1fx): %s%n", times(vs.addedP50Ratio()), t.addedP50RatioMax(),
              times(vs.addedP99Ratio()), t.addedP99RatioMax(), vs.throughputRatio(), t.throughputRatioMin(),
              vs.meetsTargets() ? "meets targets" : "MISSES targets"));
        }
      }
      b.append(String.format(Locale.ROOT, "%ncache hit (%s): p50 %.3f ms, p99 %.3f ms; direct to upstream beside it: p50 "
          + "%.3f ms (target for the server-side hit: < %.1f ms)%n", r.cacheHitMeasured(), r.cacheHitP50Ms(), r.cacheHitP99Ms(),
          r.cacheHitDirectP50Ms(), t.cacheHitMsMax()));
      b.append("\npublished figures of other gateways (").append(r.publishedPeersNote()).append("):\n");
      for (GatewayBench.PublishedFigure p : r.publishedPeers()) {
        b.append("  ").append(p.gateway()).append(": ").append(p.figure()).append('\n');
      }
      return b.toString();
    }

    private static void row(StringBuilder b, String path, GatewayBench.PathFigures f) {
      b.append(String.format(Locale.ROOT, "%-10s %9.3f %9.3f %9.0f %13s %13s %16d%s%n", path, f.p50Ms(), f.p99Ms(),
          f.requestsPerSecond(), f.addedP50Ms() == null ? "-" : String.format(Locale.ROOT, "%.3f", f.addedP50Ms()),
          f.addedP99Ms() == null ? "-" : String.format(Locale.ROOT, "%.3f", f.addedP99Ms()), f.upstreamConnectionsOpened(),
          f.clientResent() == 0 ? "" : "  (" + f.clientResent() + " resent by the client)"));
    }

    private static String times(Double ratio) {
      return ratio == null ? "n/a (nginx added nothing measurable)" : String.format(Locale.ROOT, "%.2fx", ratio);
    }
  }

  @Command(name = "ledger", mixinStandardHelpOptions = true,
      description = {"The usage ledger on its own: events/s and commit latency (until an event is on disk in the",
          "journal with ledger.sync fsync, written to it with os) at each number of writers, and events/s into the",
          "database, for SQLite and, with --postgres, PostgreSQL; beside a write + fdatasync loop on the same disk",
          "measured first, the least a durable commit costs."})
  static final class LedgerRun implements Callable<Integer> {
    @Mixin CommonOptions common;
    @Spec picocli.CommandLine.Model.CommandSpec spec;

    @Option(names = "--events", defaultValue = "20000", description = "Events at each concurrency (default: ${DEFAULT-VALUE}).")
    int events;

    @Option(names = "--concurrency", split = ",", paramLabel = "N[,N...]", defaultValue = "1,64",
        description = "Writers (default: ${DEFAULT-VALUE}).")
    List<Integer> concurrency;

    @Option(names = "--postgres", paramLabel = "URL", defaultValue = "",
        description = "A PostgreSQL to measure too, e.g. jdbc:postgresql://localhost:5432/bench?user=postgres "
            + "(it gets ragway's tables).")
    String postgres;

    @Option(names = "--json", description = "Print one JSON object.")
    boolean json;

    @Override
    public Integer call() throws Exception {
      RagwayConfig config = common.load();
      LedgerBench.Settings settings = new LedgerBench.Settings(events, concurrency, postgres);
      Path dir = Files.createTempDirectory(tempParent(config), "bench-ledger-");
      var err = spec.commandLine().getErr();
      try {
        LedgerBench.Result r = LedgerBench.run(dir, settings, step -> {
          if (!json) {
            err.println("bench ledger: " + step);
            err.flush();
          }
        });
        if (json) {
          print(spec, JSON.valueToTree(r), true);
          return Main.OK;
        }
        var out = spec.commandLine().getOut();
        out.printf(Locale.ROOT, "baseline, write + fdatasync of 200 bytes: p50 %.3f ms, p99 %.3f ms%n", r.fsyncP50Ms(), r.fsyncP99Ms());
        out.printf(Locale.ROOT, "%-11s %6s %8s %10s %14s %14s %12s %18s%n", "database", "sync", "writers", "events/s",
            "commit p50 ms", "commit p99 ms", "drained/s", "commit p50/fsync");
        for (LedgerBench.Level l : r.levels()) {
          out.printf(Locale.ROOT, "%-11s %6s %8d %10.0f %14.3f %14.3f %12.0f %17.2fx%n", l.database(), l.sync(),
              l.concurrency(), l.eventsPerSecond(), l.commitP50Ms(), l.commitP99Ms(), l.drainedPerSecond(), l.commitP50Ratio());
        }
        out.println("postgresql: " + r.postgres());
        out.flush();
        return Main.OK;
      } finally {
        deleteTree(dir);
      }
    }
  }

  @Command(name = "routing", mixinStandardHelpOptions = true,
      description = {"Routing among replicas of one model, in one run: the same multi-turn RAG workload (sessions sharing",
          "a system prompt; each turn adds retrieved passages and a question after the session's history) sent",
          "through ragway's router to simulated vLLM-style replicas with a prefix KV cache, under random,",
          "round-robin, least-busy and prefix routing (gateway.prefix of the configuration), each on fresh replicas.",
          "Prints TTFT p50/p90/p99, the replicas' cache hit rate, requests/s and output tokens/s per strategy, and",
          "each against random, with the replicas' parameters."})
  static final class Routing implements Callable<Integer> {
    @Mixin CommonOptions common;
    @Spec picocli.CommandLine.Model.CommandSpec spec;

    @Option(names = "--replicas", description = "Replicas of the model (default: 4; 2 with --smoke).")
    Integer replicas;

    @Option(names = "--sessions", description = "Conversations (default: 128; 8 with --smoke).")
    Integer sessions;

    @Option(names = "--turns", description = "Turns per conversation (default: 4; 3 with --smoke).")
    Integer turns;

    @Option(names = "--concurrency", description = "Client threads, each running one conversation at a time "
        + "(default: 64; 4 with --smoke).")
    Integer concurrency;

    @Option(names = "--rounds", description = "Times each strategy runs, in rotating order; the figures are medians "
        + "(default: 3; 1 with --smoke).")
    Integer rounds;

    @Option(names = "--smoke", description = "A run of a few seconds, to check that the bench works.")
    boolean smoke;

    @Option(names = "--json", description = "Print one JSON object.")
    boolean json;

    @Override
    public Integer call() throws Exception {
      RagwayConfig config = common.load();
      RoutingBench.Settings base = smoke ? RoutingBench.Settings.smoke() : RoutingBench.Settings.full();
      for (Integer v : new Integer[] {replicas, sessions, turns, concurrency, rounds}) {
        if (v != null && v < 1) {
          throw new UsageException("--replicas, --sessions, --turns, --concurrency and --rounds must be at least 1");
        }
      }
      if (replicas != null && replicas > 64) {
        throw new UsageException("--replicas: at most 64");
      }
      RoutingBench.Settings settings = new RoutingBench.Settings(
          replicas != null ? replicas : base.replicas(), sessions != null ? sessions : base.sessions(),
          turns != null ? turns : base.turns(), concurrency != null ? concurrency : base.concurrency(),
          rounds != null ? rounds : base.rounds(), base.seed(),
          base.workload(), base.replica(), config.gateway().prefix());
      var err = spec.commandLine().getErr();
      RoutingBench.Result r = RoutingBench.run(settings, step -> {
        if (!json) {
          err.println("bench routing: " + step);
          err.flush();
        }
      });
      if (json) {
        print(spec, JSON.valueToTree(r), true);
      } else {
        spec.commandLine().getOut().print(RoutingBench.table(r));
        spec.commandLine().getOut().flush();
      }
      return Main.OK;
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
