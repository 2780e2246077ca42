package io.ragway.bench;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.github.benmanes.caffeine.cache.Ticker;
import io.ragway.cache.CacheConfig;
import io.ragway.cache.Caches;
import io.ragway.chat.SessionStores;
import io.ragway.ingest.ChunkerConfig;
import io.ragway.ingest.Chunkers;
import io.ragway.ingest.DocumentStore;
import io.ragway.ingest.IngestOptions;
import io.ragway.ingest.Ingestor;
import io.ragway.limit.RateLimiter;
import io.ragway.limit.RateLimiters;
import io.ragway.llm.RoutingPolicy;
import io.ragway.server.Access;
import io.ragway.store.ApiKeys;
import io.ragway.store.Database;
import io.ragway.store.Ledger;
import io.ragway.store.LedgerSync;
import io.ragway.store.Stores;
import java.time.Clock;
import io.ragway.chat.RagPipeline;
import io.ragway.embed.EmbeddingModel;
import io.ragway.embed.TokenCounter;
import io.ragway.eval.LatencyStats;
import io.ragway.guard.Guard;
import io.ragway.index.Index;
import io.ragway.index.IndexConfig;
import io.ragway.index.Indexes;
import io.ragway.llm.ChatModels;
import io.ragway.llm.ExtractiveConfig;
import io.ragway.llm.RetryPolicy;
import io.ragway.llm.Router;
import io.ragway.llm.UpstreamConfig;
import io.ragway.retrieve.RetrieveConfig;
import io.ragway.retrieve.Retriever;
import io.ragway.retrieve.Retrievers;
import io.ragway.retrieve.SearchMode;
import io.ragway.server.RagwayServer;
import io.ragway.server.ServerConfig;
import com.sun.net.httpserver.HttpServer;
import io.ragway.guard.PiiDetector;
import io.ragway.telemetry.RequestLog;
import io.ragway.telemetry.Telemetry;
import io.ragway.telemetry.Tracing;
import java.net.InetSocketAddress;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Random;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.Consumer;
import java.util.function.LongSupplier;

/**
 * Measures what ragway's gateway adds in front of an OpenAI-compatible upstream, with nginx as a
 * plain reverse proxy for the baseline, in one run:
 *
 * <ol>
 *   <li>start a fast fake upstream, ragway's server with one upstream model pointing at it, and
 *       nginx proxying to it;
 *   <li>at each concurrency, send the same non-streaming chat completion over each path (direct,
 *       ragway, nginx) from the same client, after a warm-up on that path;
 *   <li>report p50/p99 and requests/s per path, the latency each proxy adds over the direct path
 *       at the same concurrency, and ragway's ratios to nginx beside their targets;
 *   <li>time ragway's response-cache hits at concurrency 1, beside the direct path.
 * </ol>
 *
 * Everything runs on this machine: client, upstream and ragway in this JVM, nginx in its own
 * processes, all over loopback and sharing the same cores.
 */
public final class GatewayBench {

  /**
   * What to measure.
   *
   * @param requests measured requests per path at each concurrency, in the same order
   * @param warmup requests per path at each concurrency before measuring
   * @param nginx whether to measure the nginx path at all
   * @param nginxBinary the nginx to run; empty to look for it ({@code /usr/sbin/nginx}, then the PATH)
   * @param traceSampleRatio the share of requests the telemetry path traces (telemetry.tracing.sample_ratio)
   */
  public record Settings(List<Integer> concurrency, List<Integer> requests, int warmup, boolean nginx,
      Optional<Path> nginxBinary, double traceSampleRatio) {
    public Settings {
      if (!(traceSampleRatio > 0 && traceSampleRatio <= 1)) {
        throw new IllegalArgumentException("--trace-sample-ratio must be above 0 and at most 1, got " + traceSampleRatio);
      }
      concurrency = List.copyOf(concurrency);
      requests = List.copyOf(requests);
      if (concurrency.isEmpty() || concurrency.stream().anyMatch(c -> c < 1 || c > 1024)) {
        throw new IllegalArgumentException("--concurrency needs values from 1 to 1024, got " + concurrency);
      }
      if (requests.size() != concurrency.size()) {
        throw new IllegalArgumentException("give one --requests value, or one per --concurrency value (" + concurrency.size() + ")");
      }
      for (int i = 0; i < requests.size(); i++) {
        if (requests.get(i) < concurrency.get(i) || requests.get(i) < 10) {
          throw new IllegalArgumentException("--requests must be at least 10 and at least the concurrency, got "
              + requests.get(i) + " at concurrency " + concurrency.get(i));
        }
      }
      if (warmup < 0) {
        throw new IllegalArgumentException("--warmup must be >= 0, got " + warmup);
      }
      nginxBinary = nginxBinary == null ? Optional.empty() : nginxBinary;
    }
  }

  /**
   * Latency and throughput of one path at one concurrency; the added latency is this path's
   * percentile minus the direct path's at the same concurrency (absent for the direct path);
   * {@code upstreamConnectionsOpened} counts connections the upstream accepted while this path was
   * measured (after its warm-up): a path that keeps its upstream connections alive opens none;
   * {@code clientResent} counts requests the bench client had to send again (see {@code timed}).
   */
  @JsonInclude(JsonInclude.Include.NON_NULL)
  public record PathFigures(double p50Ms, double p99Ms, double meanMs, double requestsPerSecond, Double addedP50Ms,
      Double addedP99Ms, long upstreamConnectionsOpened, int clientResent) {}

  /**
   * ragway against nginx at one concurrency: added p50 and p99 as ratios of nginx's (null when
   * nginx added nothing measurable), throughput as a ratio of nginx's, and whether all three meet
   * their targets.
   */
  public record VsNginx(Double addedP50Ratio, Double addedP99Ratio, double throughputRatio, boolean meetsTargets) {}

  /**
   * The paths at one concurrency; nginx's fields are null when it was not measured.
   * {@code ragwayWithoutLedger} is the same server with the usage ledger off, and
   * {@code ledgerThroughputRatio} ragway's requests/s with the ledger (as {@code ragway serve}
   * keeps it: {@code ledger.sync: os}) over without it; {@code ragwayLedgerSyncFsync} is ragway with
   * {@code ledger.sync: fsync} (every answer waits for an fsync) and
   * {@code ledgerSyncFsyncThroughputRatio} its requests/s over the server without a ledger.
   */
  public record Level(int concurrency, int requests, PathFigures direct, PathFigures ragway, PathFigures nginx,
      VsNginx ragwayVsNginx, PathFigures ragwayWithoutLedger, double ledgerThroughputRatio, PathFigures ragwayWithTelemetry,
      TelemetryCost telemetryCost, PathFigures ragwayLedgerSyncFsync, double ledgerSyncFsyncThroughputRatio) {}

  /**
   * What telemetry costs ragway at one concurrency: its p50 and p99 with telemetry on over off, and
   * its throughput off over on (so each is at least about 1 and the target is a ceiling for all
   * three), and whether all three are within {@link Targets#telemetryCostMax()}.
   */
  public record TelemetryCost(double p50Ratio, double p99Ratio, double throughputRatio, boolean meetsTarget) {}

  /** The targets the ratios are held to. */
  public record Targets(double addedP50RatioMax, double addedP99RatioMax, double throughputRatioMin, double cacheHitMsMax,
      double telemetryCostMax) {}

  /** A figure another gateway's authors published; not measured here. */
  public record PublishedFigure(String gateway, String figure) {}

  /**
   * The figures of one run. {@code nginx} is its version, or null with the reason in
   * {@code nginxSkipped}. Cache hits are timed by the client at concurrency 1, so they include
   * the loopback HTTP round trip; {@code cacheHitDirectP50Ms} is the direct path measured beside
   * them, for scale.
   */
  public record Result(String upstream, String nginx, String nginxSkipped, List<String> ragwayFeatures,
      List<String> telemetryFeatures, int warmup,
      List<Level> levels, double cacheHitP50Ms, double cacheHitP99Ms, double cacheHitDirectP50Ms, String cacheHitMeasured,
      Targets targets, String publishedPeersNote, List<PublishedFigure> publishedPeers) {}

  static final Targets TARGETS = new Targets(1.5, 1.5, 0.7, 0.5, 1.10);

  static final List<PublishedFigure> PUBLISHED = List.of(
      new PublishedFigure("LiteLLM (Python)", "~8 ms added p99"),
      new PublishedFigure("Bifrost (Go)", "0.44 ms median added"),
      new PublishedFigure("Busbar (Rust)", "116 µs added p99"));

  /* On in the measured ragway path: what any upstream request passes through today. */
  static final List<String> RAGWAY_FEATURES = List.of("api_key_auth", "rate_limits(rpm,tpm)", "request_validation",
      "request_id", "context_window_check(token count)", "router(weighted, circuit breaker)", "retries",
      "timeouts(first token, total)", "response_cache(miss)", "usage_ledger(journal, sync=os: written before the answer, fsync within 5 ms)");

  /* On in the "ragway with telemetry" path only; the "ragway" path has all of them off. */
  static List<String> telemetryFeatures(double sampleRatio) {
    return List.of("metrics(prometheus registry)", "traces(sdk, " + (sampleRatio >= 1 ? "every request"
        : String.format(Locale.ROOT, "%.0f%% of requests", sampleRatio * 100)) + " sampled, batch span processor, "
        + "OTLP http/protobuf to an in-process endpoint)", "request_log(jsonl, async writer, content off)");
  }

  /* The bench key's limits: high enough never to refuse the bench, but checked on every request. */
  private static final long KEY_RPM = 1_000_000_000L;
  private static final long KEY_TPM = 1_000_000_000_000L;

  private static final String MODEL = "bench";
  private static final byte[] MISS_BODY = body(0.7); // sampled: never cached
  private static final byte[] HIT_BODY = body(0.0); // deterministic: cached after the first

  private GatewayBench() {}

  /** Runs the bench; {@code dir} is an empty scratch folder; {@code progress} hears what is being measured. */
  public static Result run(Path dir, Settings s, Consumer<String> progress) throws IOException, InterruptedException {
    String nginxVersion = null;
    String nginxSkipped = null;
    Optional<Path> nginxBinary = Optional.empty();
    if (!s.nginx()) {
      nginxSkipped = "--no-nginx given";
    } else {
      nginxBinary = s.nginxBinary().isPresent() ? s.nginxBinary() : NginxProxy.find();
      if (nginxBinary.isEmpty()) {
        nginxSkipped = "nginx not found at " + NginxProxy.DEBIAN_BINARY + " or on the PATH; install Debian's nginx "
            + "(apt-get install nginx-light, or nginx) to measure the baseline";
      } else {
        nginxVersion = NginxProxy.version(nginxBinary.get());
      }
    }

    try (Database records = Database.open("", "", "", 1, dir)) {
      ApiKeys keys = Stores.apiKeys(records, dir, Clock.systemUTC(), "bench");
      String key = keys.create("default", "bench", List.of(), KEY_RPM, KEY_TPM).secret();
      try (Ledger ledger = Stores.ledger(records, dir, Stores.DEFAULT_LEDGER_BACKLOG_BYTES, LedgerSync.defaults());
          Ledger fsyncLedger = Stores.ledger(records, Files.createDirectories(dir.resolve("sync-fsync")),
              Stores.DEFAULT_LEDGER_BACKLOG_BYTES, LedgerSync.fsync())) {
        return measureAll(dir, s, progress, keys, key, ledger, fsyncLedger, nginxBinary, nginxVersion, nginxSkipped);
      }
    }
  }

  private static Result measureAll(Path dir, Settings s, Consumer<String> progress, ApiKeys keys, String key, Ledger ledger,
      Ledger fsyncLedger, Optional<Path> nginxBinary, String nginxVersion, String nginxSkipped) throws IOException, InterruptedException {
    try (FastUpstream upstream = FastUpstream.start();
        Index index = Indexes.openLucene(dir.resolve("index"), NoEmbeddings.ID, NoEmbeddings.DIMENSION, IndexConfig.defaults());
        DocumentStore documents = documents(dir, index);
        RagwayServer server = RagwayServer.start(new ServerConfig("127.0.0.1", 0, ServerConfig.defaults().maxBodyBytes()),
            services(router(upstream.baseUrl()), index, keys, documents, ledger));
        RagwayServer unrecorded = RagwayServer.start(new ServerConfig("127.0.0.1", 0, ServerConfig.defaults().maxBodyBytes()),
            services(router(upstream.baseUrl()), index, keys, documents, Ledger.none()));
        RagwayServer fsynced = RagwayServer.start(new ServerConfig("127.0.0.1", 0, ServerConfig.defaults().maxBodyBytes()),
            services(router(upstream.baseUrl()), index, keys, documents, fsyncLedger));
        OtlpSink otlp = OtlpSink.start();
        Telemetry telemetry = Telemetry.prometheus().with(Tracing.of(new Tracing.Config(otlp.endpoint(), s.traceSampleRatio(), "ragway-bench"),
            RequestLog.jsonl(dir.resolve("logs"), RequestLog.Config.defaults(), PiiDetector.all(), Clock.systemUTC())));
        RagwayServer observed = RagwayServer.start(new ServerConfig("127.0.0.1", 0, ServerConfig.defaults().maxBodyBytes()),
            services(router(upstream.baseUrl()), index, keys, documents, ledger, telemetry));
        NginxProxy nginx = nginxBinary.isPresent()
            ? NginxProxy.start(nginxBinary.get(), Files.createDirectories(dir.resolve("nginx")), upstream.port()) : null) {

      Route direct = new Route("direct", uri(upstream.port()), NO_KEY, MISS_BODY, GatewayBench::upstreamAnswer);
      Route ragway = new Route("ragway", uri(server.port()), key, MISS_BODY, cacheSays("miss"));
      Route proxied = nginx == null ? null
          : new Route("nginx", uri(nginx.port()), NO_KEY, MISS_BODY, GatewayBench::upstreamAnswer);
      Route noLedger = new Route("ragway without ledger", uri(unrecorded.port()), key, MISS_BODY, cacheSays("miss"));
      Route traced = new Route("ragway with telemetry", uri(observed.port()), key, MISS_BODY, cacheSays("miss"));
      Route syncFsync = new Route("ragway, ledger sync=fsync", uri(fsynced.port()), key, MISS_BODY, cacheSays("miss"));
      List<Route> routes = proxied == null ? List.of(direct, ragway, noLedger, traced, syncFsync)
          : List.of(direct, ragway, noLedger, traced, syncFsync, proxied);

      List<Level> levels = new ArrayList<>();
      for (int i = 0; i < s.concurrency().size(); i++) {
        int c = s.concurrency().get(i);
        int n = s.requests().get(i);
        progress.accept(String.format(Locale.ROOT, "concurrency %d: %d requests per path after %d warm-up", c, n, s.warmup()));
        Map<Route, Run> runs = measure(routes, c, s.warmup(), n, upstream::connectionsAccepted);
        levels.add(level(c, n, runs.get(direct), runs.get(ragway), proxied == null ? null : runs.get(proxied),
            runs.get(noLedger), runs.get(traced), runs.get(syncFsync)));
      }

      progress.accept("cache hits at concurrency 1");
      Route hits = new Route("ragway cache hit", ragway.uri(), key, HIT_BODY, cacheSays("hit"));
      try (HttpClient client = client()) { // the first temperature-0 request fills the cache
        expect(client.send(request(hits), HttpResponse.BodyHandlers.ofByteArray()), cacheSays("miss"), hits.name());
      }
      Map<Route, Run> hitRuns = measure(List.of(direct, hits), 1, s.warmup(), s.requests().get(0), upstream::connectionsAccepted);
      LatencyStats hit = hitRuns.get(hits).stats();
      LatencyStats directBeside = hitRuns.get(direct).stats();

      return new Result("in-process FastUpstream (fixed " + FastUpstream.COMPLETION.length() + "-byte chat.completion)",
          nginxVersion, nginxSkipped, RAGWAY_FEATURES, telemetryFeatures(s.traceSampleRatio()), s.warmup(), levels, round(hit.p50Ms()), round(hit.p99Ms()),
          round(directBeside.p50Ms()), "client-observed at concurrency 1, includes loopback HTTP", TARGETS,
          "published by each project, not measured here", PUBLISHED);
    }
  }

  // ---- the measured ragway server ----

  /**
   * One upstream model, {@value #MODEL}, served by the fake upstream, behind the router
   * {@code ragway serve} builds: default routing (weighted, circuit breaker, no concurrency cap)
   * and retry policy, an 8k context window so every prompt is counted against it.
   */
  private static Router router(URI upstream) {
    UpstreamConfig model = new UpstreamConfig(MODEL, upstream, "", "bench-model", 8192, 0, 0, List.of(),
        Duration.ofSeconds(5), Duration.ofSeconds(30), Duration.ofSeconds(60));
    return new Router(List.of(model), RoutingPolicy.defaults(), RetryPolicy.defaults(), new Random(), Thread::sleep,
        Clock.systemUTC());
  }

  /*
   * The server as `ragway serve` builds it, with authentication on and the default caches, and
   * telemetry off unless given, over an empty index: only the upstream model is exercised, so the
   * document side gets an embedder that refuses to embed rather than the real model's second of
   * loading.
   */
  private static RagwayServer.Services services(Router router, Index index, ApiKeys keys, DocumentStore documents,
      Ledger ledger) {
    return services(router, index, keys, documents, ledger, Telemetry.off());
  }

  private static RagwayServer.Services services(Router router, Index index, ApiKeys keys, DocumentStore documents,
      Ledger ledger, Telemetry telemetry) {
    EmbeddingModel embedder = new NoEmbeddings();
    Retriever retriever = Retrievers.fusion(index, embedder, RetrieveConfig.defaults(), Optional.empty());
    RagPipeline extractive = new RagPipeline(retriever, ChatModels.extractive(embedder, ExtractiveConfig.defaults()));
    Ticker ticker = Ticker.systemTicker();
    Access access = new Access(keys, true, RateLimiters.inProcess(), RateLimiter.Limits.NONE, "default");
    return new RagwayServer.Services(extractive, extractive, retriever, embedder, index, SearchMode.HYBRID, 5, router,
        Caches.inProcess(CacheConfig.defaults(), ticker), access,
        SessionStores.inProcess(1000, Duration.ofHours(1), 1000, Clock.systemUTC(), ticker), 4000, documents, ledger,
        Guard.off(), telemetry);
  }

  private static DocumentStore documents(Path dir, Index index) {
    EmbeddingModel embedder = new NoEmbeddings();
    Ingestor ingestor = new Ingestor(index, embedder, Chunkers.create(ChunkerConfig.defaults(), embedder.tokenCounter()),
        new IngestOptions("default", List.of(), 16, 1000, 1 << 20));
    return DocumentStore.open(dir.resolve("uploads"), index, ingestor, Clock.systemUTC());
  }

  /** The document side's embedder in this bench, which sends no document questions. */
  private static final class NoEmbeddings implements EmbeddingModel {
    static final String ID = "none";
    static final int DIMENSION = 4;

    @Override
    public String id() {
      return ID;
    }

    @Override
    public int dimension() {
      return DIMENSION;
    }

    @Override
    public List<float[]> embedDocuments(List<String> texts) {
      throw new UnsupportedOperationException("the gateway bench asks upstream models only");
    }

    @Override
    public float[] embedQuery(String query) {
      throw new UnsupportedOperationException("the gateway bench asks upstream models only");
    }

    @Override
    public TokenCounter tokenCounter() {
      return TokenCounter.approximate();
    }
  }

  // ---- the client ----

  /** One way to the upstream: where requests go, what they send, what every answer must be. */
  private record Route(String name, URI uri, String key, byte[] body, Check check) {}

  /** Sent where no key is wanted: the fake upstream and nginx ignore it either way. */
  private static final String NO_KEY = "";

  /** Latencies of the measured requests, the throughput over their wall time, and requests the client had to resend. */
  private record Run(LatencyStats stats, double requestsPerSecond, long upstreamConnections, int resent) {}

  private static final int ROUNDS = 4;

  /**
   * The same client for every route: HTTP/1.1 over keep-alive connections, answers completed on
   * the client's selector thread. The JDK's default executor would hand each answer to a pool
   * thread first, which costs a few hundred microseconds a request on a busy machine: more than
   * nginx adds, so it would blur exactly what the bench measures.
   */
  private static HttpClient client() {
    return HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).connectTimeout(Duration.ofSeconds(5))
        .executor(Runnable::run).build();
  }

  /**
   * Warms each route up, then measures them in interleaved rounds (each round visits every route,
   * starting with a different one), so a noisy spell on this shared machine, a collection or a
   * late compilation falls on all routes alike rather than on whichever ran then.
   */
  private static Map<Route, Run> measure(List<Route> routes, int concurrency, int warmup, int requests,
      LongSupplier upstreamConnections) throws InterruptedException {
    Map<Route, HttpClient> clients = new LinkedHashMap<>();
    try {
      for (Route r : routes) {
        clients.put(r, client());
      }
      for (Route r : routes) {
        int n = Math.max(warmup, concurrency);
        load(clients.get(r), r, concurrency, new long[n], 0, n, new AtomicInteger());
      }
      int rounds = Math.max(1, Math.min(ROUNDS, requests / concurrency));
      Map<Route, long[]> nanos = new LinkedHashMap<>();
      Map<Route, Long> wall = new LinkedHashMap<>();
      Map<Route, Long> connections = new LinkedHashMap<>();
      Map<Route, AtomicInteger> resent = new LinkedHashMap<>();
      routes.forEach(r -> {
        nanos.put(r, new long[requests]);
        wall.put(r, 0L);
        connections.put(r, 0L);
        resent.put(r, new AtomicInteger());
      });
      int done = 0;
      for (int round = 0; round < rounds; round++) {
        int n = requests / rounds + (round < requests % rounds ? 1 : 0);
        for (int k = 0; k < routes.size(); k++) {
          Route r = routes.get((round + k) % routes.size());
          long before = upstreamConnections.getAsLong();
          wall.merge(r, load(clients.get(r), r, concurrency, nanos.get(r), done, n, resent.get(r)), Long::sum);
          connections.merge(r, upstreamConnections.getAsLong() - before, Long::sum);
        }
        done += n;
      }
      Map<Route, Run> out = new LinkedHashMap<>();
      for (Route r : routes) {
        out.put(r, new Run(LatencyStats.ofNanos(nanos.get(r)), requests / (wall.get(r) / 1e9), connections.get(r),
            resent.get(r).get()));
      }
      return out;
    } finally {
      clients.values().forEach(HttpClient::close);
    }
  }

  /**
   * Sends {@code n} requests from {@code concurrency} threads, each sending its next request as
   * soon as its last is answered (a closed loop); their latencies go to {@code nanos} from
   * {@code offset}. Returns the wall time in nanoseconds.
   */
  private static long load(HttpClient client, Route route, int concurrency, long[] nanos, int offset, int n,
      AtomicInteger resent) throws InterruptedException {
    HttpRequest request = request(route);
    AtomicInteger next = new AtomicInteger();
    AtomicReference<RuntimeException> failure = new AtomicReference<>();
    CountDownLatch start = new CountDownLatch(1);
    List<Thread> threads = new ArrayList<>();
    for (int t = 0; t < Math.min(concurrency, n); t++) {
      threads.add(Thread.ofPlatform().daemon().name("bench-client-" + t).start(() -> {
        try {
          start.await();
          for (int i = next.getAndIncrement(); i < n && failure.get() == null; i = next.getAndIncrement()) {
            nanos[offset + i] = timed(client, request, route, resent);
          }
        } catch (InterruptedException e) {
          Thread.currentThread().interrupt();
        } catch (RuntimeException e) {
          failure.compareAndSet(null, e);
        }
      }));
    }
    long t0 = System.nanoTime();
    start.countDown();
    for (Thread t : threads) {
      t.join();
    }
    long wall = System.nanoTime() - t0;
    if (failure.get() != null) {
      throw failure.get();
    }
    return wall;
  }

  /*
   * One request, timed. The JDK client can lose a race between its connection pool and a very fast
   * peer on a reused connection ("HTTP/1.1 header parser received no bytes", JDK-8357639); that
   * request is sent once more and counted as resent, and the timing is the answered attempt's.
   */
  private static long timed(HttpClient client, HttpRequest request, Route route, AtomicInteger resent)
      throws InterruptedException {
    for (int attempt = 1; ; attempt++) {
      long t0 = System.nanoTime();
      try {
        HttpResponse<byte[]> response = client.send(request, HttpResponse.BodyHandlers.ofByteArray());
        long t = System.nanoTime() - t0;
        expect(response, route.check(), route.name());
        return t;
      } catch (IOException e) {
        if (attempt == 3) {
          throw new IllegalStateException(route.name() + " (" + route.uri() + ") failed three times: " + e, e);
        }
        resent.incrementAndGet();
      }
    }
  }

  private static URI uri(int port) {
    return URI.create("http://127.0.0.1:" + port + "/v1/chat/completions");
  }

  private static HttpRequest request(Route route) {
    HttpRequest.Builder b = HttpRequest.newBuilder(route.uri()).header("Content-Type", "application/json")
        .timeout(Duration.ofSeconds(30)).POST(HttpRequest.BodyPublishers.ofByteArray(route.body()));
    if (!route.key().isEmpty()) {
      b.header("Authorization", "Bearer " + route.key());
    }
    return b.build();
  }

  /** What every response of a path must be; the bench stops at the first one that is not. */
  @FunctionalInterface
  private interface Check {
    boolean ok(HttpResponse<byte[]> response);
  }

  private static boolean upstreamAnswer(HttpResponse<byte[]> r) {
    return r.statusCode() == 200 && r.body().length == FastUpstream.COMPLETION.length();
  }

  private static Check cacheSays(String value) {
    return r -> r.statusCode() == 200 && r.headers().firstValue("x-ragway-cache").orElse("").equals(value);
  }

  private static void expect(HttpResponse<byte[]> response, Check check, String what) {
    if (!check.ok(response)) {
      String body = new String(response.body(), StandardCharsets.UTF_8);
      throw new IllegalStateException(what + " answered " + response.statusCode() + " (x-ragway-cache: "
          + response.headers().firstValue("x-ragway-cache").orElse("none") + "): "
          + (body.length() > 300 ? body.substring(0, 300) + "..." : body));
    }
  }

  private static byte[] body(double temperature) {
    return ("{\"model\":\"" + MODEL + "\",\"messages\":[{\"role\":\"system\",\"content\":\"Answer in one word.\"},"
        + "{\"role\":\"user\",\"content\":\"Reply with OK.\"}],\"temperature\":" + temperature + ",\"max_tokens\":8}")
        .getBytes(StandardCharsets.UTF_8);
  }

  // ---- figures ----

  private static Level level(int concurrency, int requests, Run direct, Run ragway, Run nginx, Run noLedger, Run traced,
      Run syncFsync) {
    PathFigures d = figures(direct, null);
    PathFigures r = figures(ragway, direct);
    PathFigures x = nginx == null ? null : figures(nginx, direct);
    VsNginx vs = null;
    if (x != null) {
      Double p50 = ratio(r.addedP50Ms(), x.addedP50Ms());
      Double p99 = ratio(r.addedP99Ms(), x.addedP99Ms());
      double throughput = round(r.requestsPerSecond() / x.requestsPerSecond());
      boolean meets = p50 != null && p50 <= TARGETS.addedP50RatioMax() && p99 != null && p99 <= TARGETS.addedP99RatioMax()
          && throughput >= TARGETS.throughputRatioMin();
      vs = new VsNginx(p50, p99, throughput, meets);
    }
    PathFigures off = figures(noLedger, direct);
    PathFigures on = figures(traced, direct);
    PathFigures fsync = figures(syncFsync, direct);
    double p50 = round(traced.stats().p50Ms() / ragway.stats().p50Ms());
    double p99 = round(traced.stats().p99Ms() / ragway.stats().p99Ms());
    double throughput = round(ragway.requestsPerSecond() / traced.requestsPerSecond());
    double max = TARGETS.telemetryCostMax();
    return new Level(concurrency, requests, d, r, x, vs, off, round(r.requestsPerSecond() / off.requestsPerSecond()), on,
        new TelemetryCost(p50, p99, throughput, p50 <= max && p99 <= max && throughput <= max), fsync,
        round(fsync.requestsPerSecond() / off.requestsPerSecond()));
  }

  private static PathFigures figures(Run run, Run direct) {
    LatencyStats s = run.stats();
    return new PathFigures(round(s.p50Ms()), round(s.p99Ms()), round(s.meanMs()), Math.round(run.requestsPerSecond()),
        direct == null ? null : round(s.p50Ms() - direct.stats().p50Ms()),
        direct == null ? null : round(s.p99Ms() - direct.stats().p99Ms()), run.upstreamConnections(), run.resent());
  }

  /** {@code a / b}, or null when nginx's added latency is not above zero and the ratio means nothing. */
  private static Double ratio(double a, double b) {
    return b <= 0 ? null : round(a / b);
  }

  private static double round(double v) {
    return Math.round(v * 1000) / 1000.0;
  }

  /**
   * An OTLP/HTTP endpoint in this process that reads each export and answers as a collector does
   * (200, an empty protobuf response), so the traced path pays for batching, encoding and sending
   * its spans.
   */
  private static final class OtlpSink implements AutoCloseable {
    private final HttpServer server;
    private final java.util.concurrent.ExecutorService executor = java.util.concurrent.Executors.newSingleThreadExecutor();

    private OtlpSink(HttpServer server) {
      this.server = server;
    }

    static OtlpSink start() throws IOException {
      OtlpSink sink = new OtlpSink(HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0));
      sink.server.setExecutor(sink.executor);
      sink.server.createContext("/v1/traces", ex -> {
        try (ex) {
          ex.getRequestBody().readAllBytes();
          ex.getResponseHeaders().add("Content-Type", "application/x-protobuf");
          ex.sendResponseHeaders(200, -1);
        }
      });
      sink.server.start();
      return sink;
    }

    String endpoint() {
      return "http://127.0.0.1:" + server.getAddress().getPort() + "/v1/traces";
    }

    @Override
    public void close() {
      server.stop(0);
      executor.shutdownNow();
    }
  }
}
