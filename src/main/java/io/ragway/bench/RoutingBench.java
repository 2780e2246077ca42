package io.ragway.bench;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.ragway.eval.LatencyStats;
import io.ragway.llm.RetryPolicy;
import io.ragway.llm.Router;
import io.ragway.llm.RoutingPolicy;
import io.ragway.llm.UpstreamConfig;
import java.io.IOException;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Random;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Consumer;

/**
 * Routing among replicas of one model, compared in one run: the same multi-turn RAG workload sent
 * through ragway's {@link Router} to simulated vLLM-style replicas ({@link KvCacheReplica}) under
 * each strategy, with fresh (cold) replicas for each:
 *
 * <ol>
 *   <li>generate the workload from the seed: sessions that share one system prompt, each turn
 *       adding retrieved passages and a question after the session's earlier turns and answers;
 *   <li>warm the JIT with a short run that is not measured;
 *   <li>for each strategy ({@code random}: weighted with equal weights; {@code round-robin};
 *       {@code least-busy}; {@code prefix}), start the replicas, run the sessions on
 *       {@code concurrency} client threads (each runs one session's turns in order, streaming
 *       each answer), and time each request's first event (TTFT) and the whole run;
 *   <li>report TTFT p50/p90/p99, the replicas' cache hit rate (prompt tokens read from their KV
 *       caches over all prompt tokens), requests/s and output tokens/s, and each against random.
 * </ol>
 */
public final class RoutingBench {

  private static final ObjectMapper JSON = new ObjectMapper();
  private static final String MODEL = "sim";

  /** A published figure this bench's ratios are read against. */
  public static final String PUBLISHED = "llm-d (precise prefix-cache-aware scheduling, 2025): about 2x the "
      + "throughput and a much lower TTFT p90 than random routing, on vLLM replicas serving multi-turn chat with "
      + "long shared prefixes";

  /**
   * The shape of the workload.
   *
   * @param systemChars the system prompt every session shares
   * @param passages retrieved passages added to each turn
   * @param passageWords words per passage
   * @param questionWords words per question
   * @param outputTokens {@code max_tokens} of each turn: the answer's length
   * @param thinkMillis mean pause between an answer and the session's next question (exponential, seeded); without
   *     it a closed loop sends each next turn the instant a replica frees a slot, which hands least-busy an
   *     affinity real users would not give it
   */
  public record Workload(int systemChars, int passages, int passageWords, int questionWords, int outputTokens,
      int thinkMillis) {}

  /** The replicas' costs, as {@link KvCacheReplica} spends them. */
  public record Replica(int batchSlots, double baseTtftMs, double prefillMsPerToken, double decodeTokensPerSecond,
      int cacheTokens, int blockTokens, int charsPerToken) {}

  /** @param rounds times each strategy runs; figures are the medians over rounds */
  public record Settings(int replicas, int sessions, int turns, int concurrency, int rounds, long seed, Workload workload,
      Replica replica, RoutingPolicy.Prefix prefix) {
    public Settings {
      if (replicas < 1 || sessions < 1 || turns < 1 || concurrency < 1 || rounds < 1) {
        throw new IllegalArgumentException("--replicas, --sessions, --turns, --concurrency and --rounds must be >= 1");
      }
    }

    /** The full run: 4 replicas, 128 sessions of 4 turns on 32 client threads, 3 rounds. */
    public static Settings full() {
      return new Settings(4, 128, 4, 64, 3, 42, new Workload(3000, 4, 60, 12, 48, 200),
          new Replica(32, 2, 0.05, 500, 24_576, 16, 4), RoutingPolicy.Prefix.defaults());
    }

    /** A run of a few seconds, to check the bench works. */
    public static Settings smoke() {
      Settings f = full();
      return new Settings(2, 8, 3, 4, 1, f.seed(), f.workload(), f.replica(), f.prefix());
    }

    public Settings with(int replicas, int sessions, int turns, int concurrency) {
      return new Settings(replicas, sessions, turns, concurrency, rounds, seed, workload, replica, prefix);
    }
  }

  /**
   * One strategy's figures.
   *
   * @param cacheHitRate prompt tokens the replicas read from their KV caches over all prompt tokens
   * @param ttftP50VsRandom this strategy's TTFT p50 over random's (below 1: faster)
   * @param throughputVsRandom this strategy's requests/s over random's (above 1: more)
   */
  public record Figures(String strategy, int requests, int errors, double ttftP50Ms, double ttftP90Ms, double ttftP99Ms,
      double cacheHitRate, double requestsPerSecond, double outputTokensPerSecond, double seconds,
      List<Long> requestsPerReplica, double ttftP50VsRandom, double ttftP90VsRandom, double ttftP99VsRandom,
      double throughputVsRandom) {}

  /**
   * @param cacheHitCeiling the most any routing could read from the caches: on a first turn the system prompt, on a
   *     later one the whole previous turn's prompt, in whole blocks, with caches that never evict
   */
  public record Result(Settings settings, int requestsPerStrategy, double promptTokensPerRequest, double cacheHitCeiling,
      List<Figures> strategies, String published, String note) {}

  private RoutingBench() {}

  /** Runs every strategy on {@code settings}; {@code progress} hears of each step. */
  public static Result run(Settings settings, Consumer<String> progress) throws IOException, InterruptedException {
    List<List<String>> questions = workload(settings);
    String system = systemPrompt(settings);
    progress.accept("warming up");
    measure(RoutingPolicy.Strategy.ROUND_ROBIN, settings.with(settings.replicas(), Math.min(8, settings.sessions()),
        Math.min(2, settings.turns()), Math.min(4, settings.concurrency())), system, questions);
    List<RoutingPolicy.Strategy> strategies = List.of(RoutingPolicy.Strategy.WEIGHTED,
        RoutingPolicy.Strategy.ROUND_ROBIN, RoutingPolicy.Strategy.LEAST_BUSY, RoutingPolicy.Strategy.PREFIX);
    List<List<Figures>> rounds = new ArrayList<>();
    strategies.forEach(s -> rounds.add(new ArrayList<>()));
    for (int round = 0; round < settings.rounds(); round++) {
      // each round starts with another strategy, so a slow spell of a shared machine does not always hit the same one
      for (int i = 0; i < strategies.size(); i++) {
        int at = (i + round) % strategies.size();
        RoutingPolicy.Strategy s = strategies.get(at);
        progress.accept("round " + (round + 1) + "/" + settings.rounds() + ", " + name(s) + ": " + settings.sessions()
            + " sessions x " + settings.turns() + " turns on " + settings.replicas() + " replicas");
        rounds.get(at).add(measure(s, settings, system, questions));
      }
    }
    List<Figures> raw = rounds.stream().map(RoutingBench::median).toList();
    Figures random = raw.get(0);
    List<Figures> out = new ArrayList<>();
    for (Figures f : raw) {
      out.add(new Figures(f.strategy(), f.requests(), f.errors(), f.ttftP50Ms(), f.ttftP90Ms(), f.ttftP99Ms(),
          f.cacheHitRate(), f.requestsPerSecond(), f.outputTokensPerSecond(), f.seconds(), f.requestsPerReplica(),
          ratio(f.ttftP50Ms(), random.ttftP50Ms()), ratio(f.ttftP90Ms(), random.ttftP90Ms()),
          ratio(f.ttftP99Ms(), random.ttftP99Ms()), ratio(f.requestsPerSecond(), random.requestsPerSecond())));
    }
    long[] ceiling = ceiling(settings, system, questions);
    return new Result(settings, settings.sessions() * settings.turns(),
        Math.round(ceiling[0] / (double) (settings.sessions() * settings.turns())),
        round(ceiling[1] / (double) ceiling[0]), out, PUBLISHED,
        "simulated replicas on loopback: TTFT = queueing + base + uncached prompt tokens x per-token prefill, one "
            + "prefill at a time per replica; decode in batch slots; all times are real sleeps, so a loaded machine "
            + "adds client-side delay to every strategy alike");
  }

  /** All prompt tokens of the workload, and those a cache that never evicts could hold, as the replicas count them. */
  private static long[] ceiling(Settings s, String system, List<List<String>> questions) {
    int charsPerToken = s.replica().charsPerToken();
    int blockChars = s.replica().blockTokens() * charsPerToken;
    String answer = KvCacheReplica.words(s.workload().outputTokens());
    long prompt = 0;
    long cacheable = 0;
    for (List<String> turns : questions) {
      ObjectNode body = JSON.createObjectNode();
      ArrayNode messages = body.putArray("messages");
      messages.addObject().put("role", "system").put("content", system);
      int before = KvCacheReplica.render(body).length(); // a first turn can find the shared system prompt
      for (String turn : turns.subList(0, s.turns())) {
        messages.addObject().put("role", "user").put("content", turn);
        int length = KvCacheReplica.render(body).length();
        prompt += (length + charsPerToken - 1) / charsPerToken;
        cacheable += (long) (before / blockChars) * s.replica().blockTokens();
        messages.addObject().put("role", "assistant").put("content", answer);
        before = length;
      }
    }
    return new long[] {prompt, cacheable};
  }

  /** One strategy's rounds as one: the median of each figure, the sums of the counts. */
  private static Figures median(List<Figures> rounds) {
    java.util.function.Function<java.util.function.ToDoubleFunction<Figures>, Double> m = f -> {
      double[] v = rounds.stream().mapToDouble(f).sorted().toArray();
      return v.length % 2 == 1 ? v[v.length / 2] : round((v[v.length / 2 - 1] + v[v.length / 2]) / 2);
    };
    List<Long> perReplica = new ArrayList<>(rounds.get(0).requestsPerReplica());
    for (Figures f : rounds.subList(1, rounds.size())) {
      for (int i = 0; i < perReplica.size(); i++) {
        perReplica.set(i, perReplica.get(i) + f.requestsPerReplica().get(i));
      }
    }
    Figures first = rounds.get(0);
    return new Figures(first.strategy(), rounds.stream().mapToInt(Figures::requests).sum(),
        rounds.stream().mapToInt(Figures::errors).sum(), m.apply(Figures::ttftP50Ms), m.apply(Figures::ttftP90Ms),
        m.apply(Figures::ttftP99Ms), m.apply(Figures::cacheHitRate), m.apply(Figures::requestsPerSecond),
        m.apply(Figures::outputTokensPerSecond), m.apply(Figures::seconds), perReplica, 1, 1, 1, 1);
  }

  private static String name(RoutingPolicy.Strategy s) {
    return s == RoutingPolicy.Strategy.WEIGHTED ? "random" : s.label();
  }

  private static double ratio(double a, double b) {
    return b <= 0 ? 0 : Math.round(a / b * 1000) / 1000.0;
  }

  private static String systemPrompt(Settings s) {
    StringBuilder b = new StringBuilder("You are the team's assistant. Answer from the passages given with each "
        + "question, cite them by number, and say when they do not hold the answer. ");
    SyntheticCorpus words = new SyntheticCorpus(4, 8, 4000, 0.1, s.seed() - 1);
    for (int i = 0; b.length() < s.workload().systemChars(); i++) {
      b.append("Rule ").append(i + 1).append(": ").append(words.query(20).text()).append(". ");
    }
    return b.substring(0, s.workload().systemChars());
  }

  /** Each session's user turns: retrieved passages then a question, from the seed. */
  private static List<List<String>> workload(Settings s) {
    SyntheticCorpus corpus = new SyntheticCorpus(4, 32, 20_000, 0.1, s.seed());
    List<List<String>> sessions = new ArrayList<>();
    for (int i = 0; i < s.sessions(); i++) {
      List<String> turns = new ArrayList<>();
      for (int t = 0; t < s.turns(); t++) {
        StringBuilder b = new StringBuilder("Passages:\n");
        for (int p = 0; p < s.workload().passages(); p++) {
          b.append('[').append(p + 1).append("] ")
              .append(corpus.next(i * 1000 + t * 10 + p, s.workload().passageWords()).chunk().text()).append('\n');
        }
        b.append("\nQuestion: ").append(corpus.query(s.workload().questionWords()).text()).append('?');
        turns.add(b.toString());
      }
      sessions.add(turns);
    }
    return sessions;
  }

  private static Figures measure(RoutingPolicy.Strategy strategy, Settings s, String system, List<List<String>> questions)
      throws IOException, InterruptedException {
    Replica p = s.replica();
    KvCacheReplica.Params params = new KvCacheReplica.Params(p.batchSlots(), p.baseTtftMs(), p.prefillMsPerToken(),
        p.decodeTokensPerSecond(), p.cacheTokens(), p.blockTokens(), p.charsPerToken(), s.workload().outputTokens());
    List<KvCacheReplica> replicas = new ArrayList<>();
    try {
      List<UpstreamConfig> deployments = new ArrayList<>();
      for (int i = 0; i < s.replicas(); i++) {
        KvCacheReplica r = KvCacheReplica.start(params);
        replicas.add(r);
        deployments.add(new UpstreamConfig(MODEL, r.baseUrl(), "", MODEL, 0, 0, 0, List.of(), Duration.ofSeconds(5),
            Duration.ofSeconds(60), Duration.ofSeconds(300), 1, 0, 0));
      }
      RoutingPolicy routing = new RoutingPolicy(strategy, 50, 20, 5, Duration.ofSeconds(30), Duration.ofSeconds(10),
          Duration.ZERO, s.prefix());
      Router router = new Router(deployments, routing, new RetryPolicy(2, Duration.ZERO, Duration.ZERO, Duration.ZERO),
          new Random(s.seed()), d -> { }, Clock.systemUTC());
      int total = s.sessions() * s.turns();
      long[] ttft = new long[total];
      AtomicInteger done = new AtomicInteger();
      AtomicInteger errors = new AtomicInteger();
      AtomicInteger next = new AtomicInteger();
      long[] outputTokens = new long[s.sessions()];
      long start = System.nanoTime();
      try (ExecutorService pool = Executors.newVirtualThreadPerTaskExecutor()) {
        List<Future<?>> workers = new ArrayList<>();
        for (int w = 0; w < s.concurrency(); w++) {
          workers.add(pool.submit(() -> {
            for (int session = next.getAndIncrement(); session < s.sessions(); session = next.getAndIncrement()) {
              outputTokens[session] = converse(router, system, questions.get(session), s, ttft, done, errors,
                  new Random(s.seed() * 31 + session));
            }
          }));
        }
        for (Future<?> f : workers) {
          try {
            f.get();
          } catch (java.util.concurrent.ExecutionException e) {
            throw new IllegalStateException("a bench client failed", e.getCause());
          }
        }
      }
      double seconds = (System.nanoTime() - start) / 1e9;
      int measured = done.get();
      LatencyStats stats = LatencyStats.ofNanos(java.util.Arrays.copyOf(ttft, measured));
      long prompt = 0;
      long cached = 0;
      List<Long> perReplica = new ArrayList<>();
      for (KvCacheReplica r : replicas) {
        KvCacheReplica.Served served = r.served();
        prompt += served.promptTokens();
        cached += served.cachedTokens();
        perReplica.add(served.requests());
      }
      long out = java.util.Arrays.stream(outputTokens).sum();
      return new Figures(name(strategy), measured, errors.get(), round(stats.p50Ms()), round(stats.p90Ms()),
          round(stats.p99Ms()), prompt == 0 ? 0 : round(cached / (double) prompt), round(measured / seconds),
          round(out / seconds), round(seconds), perReplica, 1, 1, 1, 1);
    } finally {
      replicas.forEach(KvCacheReplica::close);
    }
  }

  /** One session's turns in order; returns its output tokens. */
  private static long converse(Router router, String system, List<String> turns, Settings s, long[] ttft,
      AtomicInteger done, AtomicInteger errors, Random think) {
    ObjectNode body = JSON.createObjectNode().put("model", MODEL).put("stream", true)
        .put("max_tokens", s.workload().outputTokens());
    body.putObject("stream_options").put("include_usage", true);
    ArrayNode messages = body.putArray("messages");
    messages.addObject().put("role", "system").put("content", system);
    long output = 0;
    for (String turn : turns.subList(0, s.turns())) {
      if (messages.size() > 1 && s.workload().thinkMillis() > 0) {
        try {
          Thread.sleep((long) (-Math.log(1 - think.nextDouble()) * s.workload().thinkMillis()));
        } catch (InterruptedException e) {
          Thread.currentThread().interrupt();
          return output;
        }
      }
      messages.addObject().put("role", "user").put("content", turn);
      StringBuilder answer = new StringBuilder();
      long[] first = {0};
      long[] tokens = {0};
      long t0 = System.nanoTime();
      try {
        router.stream(MODEL, body.deepCopy(), data -> {
          if (first[0] == 0) {
            first[0] = System.nanoTime();
          }
          if (data.equals("[DONE]")) {
            return;
          }
          try {
            JsonNode chunk = JSON.readTree(data);
            answer.append(chunk.path("choices").path(0).path("delta").path("content").asText(""));
            if (chunk.path("usage").isObject()) {
              tokens[0] = chunk.get("usage").path("completion_tokens").asLong();
            }
          } catch (IOException e) {
            throw new IllegalStateException("the replica sent a malformed event: " + data, e);
          }
        });
        ttft[done.getAndIncrement()] = first[0] - t0;
        output += tokens[0];
      } catch (RuntimeException e) {
        errors.incrementAndGet();
        return output; // the rest of this conversation would not be comparable
      }
      messages.addObject().put("role", "assistant").put("content", answer.toString());
    }
    return output;
  }

  private static double round(double v) {
    return Math.round(v * 1000) / 1000.0;
  }

  /** The figures as a table, with the replicas' parameters and the published anchor. */
  public static String table(Result r) {
    Settings s = r.settings();
    Replica p = s.replica();
    StringBuilder b = new StringBuilder();
    b.append(String.format(Locale.ROOT, "%d sessions x %d turns (%d requests per strategy and round) on %d simulated "
        + "replicas, %d client threads; about %.0f prompt tokens per request; medians of %d rounds%n", s.sessions(),
        s.turns(), r.requestsPerStrategy(), s.replicas(), s.concurrency(), r.promptTokensPerRequest(), s.rounds()));
    b.append(String.format(Locale.ROOT, "cache hit ceiling (system prompt on first turns, the previous prompt on later "
        + "ones, no eviction): %.1f%%%n", r.cacheHitCeiling() * 100));
    b.append(String.format(Locale.ROOT, "replica: %d batch slots, TTFT = %.1f ms + %.3f ms per uncached prompt token "
        + "(one prefill at a time), decode %.0f tokens/s per request, KV cache %d tokens in blocks of %d, %d chars per "
        + "token%n", p.batchSlots(), p.baseTtftMs(), p.prefillMsPerToken(), p.decodeTokensPerSecond(), p.cacheTokens(),
        p.blockTokens(), p.charsPerToken()));
    b.append(String.format(Locale.ROOT, "workload: a %d-char system prompt; each turn %d passages of %d words, a "
        + "question, %d output tokens; %d ms mean pause between turns%n", s.workload().systemChars(),
        s.workload().passages(), s.workload().passageWords(), s.workload().outputTokens(), s.workload().thinkMillis()));
    b.append(String.format(Locale.ROOT, "prefix routing: blocks of %d chars, %d entries, overload slack %d%n",
        s.prefix().blockChars(), s.prefix().maxEntries(), s.prefix().overloadSlack()));
    b.append(String.format(Locale.ROOT, "%-12s %9s %9s %9s %8s %8s %10s %8s %8s %8s%n", "strategy", "TTFT p50", "p90",
        "p99 ms", "cache", "req/s", "out tok/s", "p50/rnd", "p99/rnd", "tput/rnd"));
    for (Figures f : r.strategies()) {
      b.append(String.format(Locale.ROOT, "%-12s %9.1f %9.1f %9.1f %7.1f%% %8.1f %10.0f %7.2fx %7.2fx %7.2fx%s%n",
          f.strategy(), f.ttftP50Ms(), f.ttftP90Ms(), f.ttftP99Ms(), f.cacheHitRate() * 100, f.requestsPerSecond(),
          f.outputTokensPerSecond(), f.ttftP50VsRandom(), f.ttftP99VsRandom(), f.throughputVsRandom(),
          f.errors() == 0 ? "" : "  (" + f.errors() + " failed)"));
    }
    b.append("published: ").append(r.published()).append('\n');
    b.append("note: ").append(r.note()).append('\n');
    return b.toString();
  }
}
