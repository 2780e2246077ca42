package io.ragway.server;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.ragway.testkit.Cli;
import io.ragway.testkit.Completions;
import io.ragway.testkit.FakeOpenAi;
import io.ragway.testkit.PostgresCluster;
import io.ragway.testkit.RedisServer;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Three {@code ragway serve} replicas (child processes, own data directories) on one redis-server
 * and one PostgreSQL behind a round-robin client: a key's limits hold across them, records and
 * sessions written through one are seen by the others, and when Redis goes away each keeps serving
 * by its fail modes, says so in {@code /readyz} and {@code /metrics}, and recovers when it returns.
 */
class SharedStateIT {

  private static final ObjectMapper JSON = new ObjectMapper();
  private static final String METRICS_TOKEN = "scrape-me";

  @TempDir Path tmp;

  private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
  private final List<Integer> ports = new ArrayList<>();

  @Test
  void threeReplicasShareLimitsRecordsAndSessionsAndSurviveRedisGoingAway() throws Exception {
    try (PostgresCluster pg = PostgresCluster.start(); RedisServer redis = RedisServer.launch();
        FakeOpenAi upstream = new FakeOpenAi("upstream")) {
      String db = pg.newDatabase();
      Path config = Files.writeString(tmp.resolve("ragway.yaml"), """
          auth: {required: true}
          telemetry: {metrics_token: %s}
          models:
            - name: main
              base_url: %s
              input_price_per_1m: 1.0
              output_price_per_1m: 2.0
          gateway: {probe_interval_seconds: 0}
          guard: {enabled: false}
          database: {url: "%s"}
          state:
            backend: redis
            redis: {url: "%s", timeout_ms: 1000, prefix: it}
          """.formatted(METRICS_TOKEN, upstream.baseUrl(), db, redis.url()));
      List<Process> replicas = new ArrayList<>();
      try {
        for (int r = 0; r < 3; r++) {
          ports.add(Completions.freePort());
          replicas.add(serve(config, tmp.resolve("data" + r), ports.get(r), "replica" + r));
        }
        for (int r = 0; r < 3; r++) {
          awaitUp(r, replicas.get(r));
        }
        // keys are created through replica 1's configuration and data, while all three run
        String limited = createKey(config, "--rpm", "60", "--tpm", "10000");
        String open = createKey(config);
        String roomy = createKey(config, "--rpm", "10000", "--tpm", "10000000"); // limited, so each request reaches Redis

        limitsHoldAcrossReplicas(limited, db);
        recordsAndSessionsAreShared(open);
        redisGoingAwayAndComingBack(roomy, redis, replicas);
      } finally {
        for (Process p : replicas) {
          p.destroy();
        }
        for (Process p : replicas) {
          p.waitFor(20, TimeUnit.SECONDS);
        }
      }
    }
  }

  /** 300 concurrent requests of one key (60/min, 10,000 tokens/min) round-robin over the replicas. */
  private void limitsHoldAcrossReplicas(String key, String db) throws Exception {
    List<CompletableFuture<HttpResponse<String>>> sent = new ArrayList<>();
    long start = System.nanoTime();
    for (int i = 0; i < 300; i++) {
      sent.add(http.sendAsync(post(i % 3, key, "/v1/chat/completions", chat("question " + i, 300)),
          HttpResponse.BodyHandlers.ofString()));
    }
    int admitted = 0;
    int limited = 0;
    long clientTokens = 0;
    for (CompletableFuture<HttpResponse<String>> f : sent) {
      HttpResponse<String> r = f.get(120, TimeUnit.SECONDS);
      if (r.statusCode() == 200) {
        admitted++;
        JsonNode usage = JSON.readTree(r.body()).path("usage");
        clientTokens += usage.path("prompt_tokens").asLong() + usage.path("completion_tokens").asLong();
      } else {
        assertEquals(429, r.statusCode(), r.body());
        limited++;
      }
    }
    double seconds = (System.nanoTime() - start) / 1e9;
    // greedy refill: a 60/min bucket gives back one request a second while the burst lasts
    long slack = (long) Math.ceil(seconds);
    assertTrue(admitted <= 60 + slack, admitted + " admitted in " + seconds + " s: more than 60 + " + slack);
    assertTrue(admitted >= 30, "only " + admitted + " admitted");
    assertEquals(300, admitted + limited);
    long[] ledger = awaitLedger(db, admitted);
    assertEquals(admitted, ledger[0], "one ledger event per admitted request");
    assertEquals(clientTokens, ledger[1], "the ledger's tokens are what the clients received");
    assertTrue(ledger[1] <= 10_000 + 10_000 / 60 * slack, "tokens within the limit: " + ledger[1]);
    System.out.printf("SharedStateIT: 300 requests over 3 replicas in %.1f s: %d admitted (limit 60/min), %d refused, "
        + "%d tokens%n", seconds, admitted, limited, ledger[1]);
  }

  private void recordsAndSessionsAreShared(String key) throws Exception {
    HttpResponse<String> answer = send(2, key, "/v1/chat/completions", chat("rate me", 20));
    assertEquals(200, answer.statusCode(), answer.body());
    String id = JSON.readTree(answer.body()).path("id").asText();
    String rating = JSON.createObjectNode().put("id", id).put("rating", "up").toString();
    HttpResponse<String> rated = eventually(() -> send(1, key, "/v1/feedback", rating), 201);
    assertEquals(201, rated.statusCode(), "feedback through replica 2 on replica 3's answer: " + rated.body());
    HttpResponse<String> listed = get(0, key, "/v1/feedback?id=" + id);
    assertEquals("up", JSON.readTree(listed.body()).path("data").path(0).path("rating").asText(), listed.body());

    HttpResponse<String> created = send(0, key, "/v1/sessions", "{}");
    assertEquals(201, created.statusCode(), created.body());
    String session = JSON.readTree(created.body()).path("id").asText();
    String turn = JSON.createObjectNode().put("model", "main").put("session_id", session).set("messages",
        JSON.createArrayNode().add(JSON.createObjectNode().put("role", "user").put("content", "hello"))).toString();
    assertEquals(200, send(1, key, "/v1/chat/completions", turn).statusCode());
    JsonNode seen = JSON.readTree(get(2, key, "/v1/sessions/" + session).body());
    assertEquals(2, seen.path("messages").size(), "the turn and its answer, on a third replica: " + seen);
  }

  private void redisGoingAwayAndComingBack(String key, RedisServer redis, List<Process> replicas) throws Exception {
    redis.stop();
    for (int r = 0; r < 3; r++) {
      HttpResponse<String> served = send(r, key, "/v1/chat/completions", chat("while redis is down " + r, 20));
      assertEquals(200, served.statusCode(), "limits and caches fail open: " + served.body());
    }
    HttpResponse<String> refused = send(0, key, "/v1/sessions", "{}");
    assertEquals(503, refused.statusCode(), "sessions fail closed: " + refused.body());
    assertEquals("state_unavailable", JSON.readTree(refused.body()).path("error").path("code").asText());
    HttpResponse<String> ready = get(0, null, "/readyz");
    assertEquals(200, ready.statusCode(), "failing open, a replica stays ready: " + ready.body());
    assertEquals("down", JSON.readTree(ready.body()).path("checks").path("state").path("redis").asText(), ready.body());
    String metrics = get(1, METRICS_TOKEN, "/metrics").body();
    assertTrue(metrics.contains("ragway_state_backend_up{backend=\"redis\"} 0.0"), metrics);
    assertTrue(metrics.matches("(?s).*ragway_state_errors_total\\{backend=\"redis\",store=\"limits\"} [1-9].*"), metrics);

    redis.start();
    HttpResponse<String> back = eventually(() -> get(0, null, "/readyz"), 200, r -> r.body().contains("\"redis\":\"up\""));
    assertTrue(back.body().contains("\"redis\":\"up\""), back.body());
    HttpResponse<String> again = eventually(() -> send(2, key, "/v1/sessions", "{}"), 201);
    assertEquals(201, again.statusCode(), "sessions work again once Redis is back: " + again.body());
    String log = Files.readString(tmp.resolve("replica0.log"));
    assertEquals(1, count(log, "is down ("), "one line when Redis went away, however many requests failed:\n" + log);
    assertTrue(log.lastIndexOf("is back") > log.lastIndexOf("is down ("), "a line when it came back:\n" + log);
    assertTrue(replicas.stream().allMatch(Process::isAlive));
  }

  private String createKey(Path config, String... limits) {
    List<String> args = new ArrayList<>(List.of("keys", "create", "--tenant", "acme", "--config", config.toString(),
        "--data", tmp.resolve("data0").toString()));
    args.addAll(List.of(limits));
    Cli.Run run = Cli.run(args.toArray(String[]::new));
    assertEquals(0, run.code(), run.toString());
    return run.out().strip();
  }

  private static String chat(String question, int maxTokens) {
    return "{\"model\":\"main\",\"max_tokens\":" + maxTokens + ",\"messages\":[{\"role\":\"user\",\"content\":\""
        + question + "\"}]}";
  }

  private HttpRequest post(int replica, String key, String path, String body) {
    return HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + ports.get(replica) + path))
        .header("Authorization", "Bearer " + key).header("Content-Type", "application/json")
        .timeout(Duration.ofSeconds(120)).POST(HttpRequest.BodyPublishers.ofString(body)).build();
  }

  private HttpResponse<String> send(int replica, String key, String path, String body) throws Exception {
    return http.send(post(replica, key, path, body), HttpResponse.BodyHandlers.ofString());
  }

  private HttpResponse<String> get(int replica, String key, String path) throws Exception {
    HttpRequest.Builder b = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + ports.get(replica) + path));
    if (key != null) {
      b.header("Authorization", "Bearer " + key);
    }
    return http.send(b.GET().build(), HttpResponse.BodyHandlers.ofString());
  }

  private interface Call {
    HttpResponse<String> call() throws Exception;
  }

  private static HttpResponse<String> eventually(Call call, int status) throws Exception {
    return eventually(call, status, r -> true);
  }

  /** Calls until the answer has {@code status} and passes {@code check}, for at most 15 s; the last answer. */
  private static HttpResponse<String> eventually(Call call, int status,
      java.util.function.Predicate<HttpResponse<String>> check) throws Exception {
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(15);
    HttpResponse<String> last = call.call();
    while ((last.statusCode() != status || !check.test(last)) && System.nanoTime() < deadline) {
      Thread.sleep(100);
      last = call.call();
    }
    return last;
  }

  /** {requests, prompt + completion tokens} of the ledger's request events, once it holds {@code expected} of them. */
  private static long[] awaitLedger(String url, int expected) throws Exception {
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
    long[] out = {0, 0};
    while (System.nanoTime() < deadline) {
      try (Connection c = DriverManager.getConnection(url);
          ResultSet r = c.createStatement().executeQuery("SELECT COUNT(*), COALESCE(SUM(prompt_tokens + completion_tokens), 0) "
              + "FROM usage_events WHERE kind = 'request' AND status = 200")) {
        r.next();
        out = new long[] {r.getLong(1), r.getLong(2)};
      }
      if (out[0] >= expected) {
        return out;
      }
      Thread.sleep(100);
    }
    return out;
  }

  private static int count(String text, String what) {
    int n = 0;
    for (int i = text.indexOf(what); i >= 0; i = text.indexOf(what, i + 1)) {
      n++;
    }
    return n;
  }

  private Process serve(Path config, Path data, int port, String name) throws IOException {
    String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
    return new ProcessBuilder(java, "-cp", System.getProperty("java.class.path"), "io.ragway.cli.Main", "serve",
        "--config", config.toString(), "--data", data.toString(), "--port", String.valueOf(port))
        .redirectErrorStream(true).redirectOutput(tmp.resolve(name + ".log").toFile()).start();
  }

  private void awaitUp(int replica, Process p) throws Exception {
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(240); // generous: three JVMs start at once
    while (System.nanoTime() < deadline) {
      if (!p.isAlive()) {
        throw new AssertionError("serve exited: " + Files.readString(tmp.resolve("replica" + replica + ".log")));
      }
      try {
        if (get(replica, null, "/healthz").statusCode() == 200) {
          return;
        }
      } catch (IOException e) {
        // not listening yet
      }
      Thread.sleep(100);
    }
    throw new AssertionError("serve did not start in 240 s");
  }
}
