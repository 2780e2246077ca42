package io.ragway.cli;

import com.github.benmanes.caffeine.cache.Ticker;
import io.ragway.cache.ResponseCaches;
import io.ragway.index.Index;
import io.ragway.ingest.DocumentStore;
import io.ragway.ingest.IngestReport;
import io.ragway.retrieve.SearchMode;
import io.ragway.server.RagwayServer;
import io.ragway.server.ServerConfig;
import java.nio.file.Path;
import java.time.Clock;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

@Command(name = "serve", mixinStandardHelpOptions = true,
    description = {"Serve the OpenAI-compatible API (/v1/chat/completions with models 'rag' and 'extractive',",
        "/v1/embeddings, /v1/models) plus /v1/search, /v1/documents (upload, list, delete), /healthz and",
        "/readyz. With --docs, the folders are ingested (incrementally) before the server starts;",
        "uploads are kept in <data>/uploads. Stop with Ctrl-C."})
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
        closed.await(10, java.util.concurrent.TimeUnit.SECONDS);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
    }, "ragway-shutdown"));
    try (Components c = common.components()) {
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
      RagwayServer.Services services = new RagwayServer.Services(c.pipeline(index), c.extractivePipeline(index), c.retriever(index), c.embedder(), index,
          c.config().tenant(), SearchMode.parse(c.config().retrieval().mode()), c.config().retrieval().k(), c.router(),
          ResponseCaches.inProcess(c.config().cache().toCacheConfig(), Ticker.systemTicker()), c.config().cache().anyTemperature(), documents);
      try (documents; RagwayServer server = RagwayServer.start(new ServerConfig(host, port, ServerConfig.defaults().maxBodyBytes()), services)) {
        err.printf("ragway: serving http://%s:%d/v1 (%d chunks indexed)%n", host, server.port(), index.size());
        err.println("ragway: API keys are not implemented yet, so requests are not authenticated"
            + (isLoopback(host) ? "; listening on loopback only" : "; WARNING: anyone who can reach " + host + " can use it"));
        err.flush();
        stop.await();
        err.println("ragway: stopping");
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
