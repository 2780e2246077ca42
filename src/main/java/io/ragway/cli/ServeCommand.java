package io.ragway.cli;

import io.ragway.index.Index;
import io.ragway.ingest.DocumentStore;
import io.ragway.ingest.IngestReport;
import io.ragway.retrieve.SearchMode;
import io.ragway.config.RagwayConfig;
import io.ragway.guard.PiiDetector;
import io.ragway.store.AnswerRecords;
import io.ragway.store.Ledger;
import io.ragway.store.Stores;
import io.ragway.limit.RateLimiter;
import io.ragway.server.Access;
import io.ragway.server.RagwayServer;
import io.ragway.server.ServerConfig;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

@Command(name = "serve", mixinStandardHelpOptions = true,
    description = {"Serve the OpenAI-compatible API (/v1/chat/completions with models 'rag', 'extractive', 'agent'",
        "and the upstream models of ragway.yaml, /v1/embeddings, /v1/models) plus /v1/search, /v1/documents",
        "(upload, list, delete), /v1/chunks/{id}, /v1/sessions, /v1/rollouts, /healthz, /readyz, /metrics and",
        "the web UI at /. With --docs, the folders are ingested (incrementally) before the server starts; uploads",
        "are kept in <data>/uploads, the request log in <data>/logs. API keys are required when listening beyond",
        "loopback (auth.required: auto). Stop with Ctrl-C."})
final class ServeCommand implements Callable<Integer> {

  @Mixin CommonOptions common;
  @Spec picocli.CommandLine.Model.CommandSpec spec;

  @Option(names = "--docs", paramLabel = "PATH", description = "Ingest these files or folders first (repeatable).")
  List<Path> docs = new ArrayList<>();

  @Option(names = "--host", defaultValue = "127.0.0.1", description = "Interface to listen on (default: ${DEFAULT-VALUE}).")
  String host;

  @Option(names = "--port", defaultValue = "8080", description = "Port (default: ${DEFAULT-VALUE}; 0 picks a free one).")
  int port;

  @Override
  public Integer call() throws Exception {
    // On Ctrl-C the shutdown hook releases the main thread, then waits until the server and the
    // index are closed, so the JVM does not halt halfway through.
    CountDownLatch stop = new CountDownLatch(1);
    CountDownLatch closed = new CountDownLatch(1);
    Runtime.getRuntime().addShutdownHook(new Thread(() -> {
      stop.countDown();
      try {
        closed.await(10, TimeUnit.SECONDS);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
    }, "ragway-shutdown"));
    try (Components c = common.components()) {
      ConfiguredVersions.register(c.database(), c.config(), spec.commandLine().getErr()); // answer records name these
      Index index = c.index(false);
      if (!docs.isEmpty()) {
        try (Progress.Files progress = new Progress.Files(false)) {
          IngestReport report = c.ingestor(index, List.of()).ingest(docs, progress);
          IngestCommand.print(spec, report, false);
        }
      }
      var err = spec.commandLine().getErr();
      // after the folder ingest: the store's background writes must not interleave with it
      DocumentStore documents = DocumentStore.open(c.config().dataPath().resolve("uploads"), index, c.ingestor(index, List.of()),
          Clock.systemUTC());
      RagwayConfig config = c.config();
      boolean authRequired = config.auth().requiredOn(host);
      Access access = new Access(c.keys(), authRequired, c.limiter(),
          new RateLimiter.Limits(config.limits().rpm(), config.limits().tpm()), config.tenant(),
          config.telemetry().metricsToken());
      RagwayConfig.Sessions s = config.sessions();
      Ledger ledger = Stores.budgetedLedger(c.database(), config.dataPath(), Stores.DEFAULT_LEDGER_BACKLOG_BYTES, Clock.systemUTC(),
          Stores.BUDGET_REFRESH, config.ledger().toSync());
      if (ledger == null) {
        documents.close();
        throw new UsageException("another ragway process is serving from " + config.dataPath() + " (its usage journal "
            + "is open); stop it, or give this one its own --data");
      }
      AnswerRecords answers = AnswerRecords.sql(c.database(), config.records().toConfig(), PiiDetector.all()::redact,
          Clock.systemUTC(), 10_000); // docs/feedback.md
      c.evaluateOnDrift(index, answers); // drift.on_fire.eval
      RagwayServer.Services services = new RagwayServer.Services(c.pipeline(index), c.extractivePipeline(index),
          c.retriever(index), c.embedder(), index, SearchMode.parse(config.retrieval().mode()), config.retrieval().k(),
          c.router(), c.caches(), access, c.sessions(),
          s.historyTokens(), documents, ledger, c.guard(), c.tracedTelemetry(), config.agent(), c.rollouts(), answers,
          io.ragway.rollout.Rollouts.promptVersions(config.generator(), config.prompts().rag(), config.rollouts()), c.state());
      ScheduledExecutorService probes = Executors.newSingleThreadScheduledExecutor(Thread.ofVirtual().name("ragway-probe").factory());
      Duration every = c.router().probeInterval();
      if (!c.router().models().isEmpty() && !every.isZero()) {
        probes.scheduleWithFixedDelay(c.router()::probe, 0, every.toMillis(), TimeUnit.MILLISECONDS);
      }
      try (ledger; documents; answers; RagwayServer server = RagwayServer.start(new ServerConfig(host, port, ServerConfig.defaults().maxBodyBytes()), services)) {
        err.printf("ragway: serving http://%s:%d/v1 (%d chunks indexed)%n", host, server.port(), index.size());
        if (authRequired) {
          err.println("ragway: API keys are required (Authorization: Bearer <key>); create one with 'ragway keys create --tenant NAME'");
          if (config.telemetry().metrics() && config.telemetry().metricsToken().isEmpty()) {
            err.println("ragway: /metrics answers 403 until telemetry.metrics_token is set in ragway.yaml");
          }
        } else {
          err.println("ragway: auth is OFF: requests without an API key are served as tenant '" + config.tenant() + "'"
              + (isLoopback(host) ? " (listening on loopback only; set auth.required: true to require keys)"
              : "; WARNING: anyone who can reach " + host + " can use it"));
        }
        err.flush();
        stop.await();
        err.println("ragway: stopping");
      } finally {
        probes.shutdownNow();
      }
      return Main.OK;
    } finally {
      closed.countDown();
    }
  }

  private static boolean isLoopback(String host) {
    return host.equals("localhost") || host.startsWith("127.") || host.equals("::1");
  }
}
