package io.ragway.server;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import io.ragway.testkit.Completions;
import io.ragway.testkit.FakeOpenAi;
import io.ragway.testkit.FakeOpenAi.Fault;
import io.ragway.testkit.PostgresCluster;
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
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * SIGKILL of {@code ragway serve} under load, one server on SQLite and three replicas sharing one
 * PostgreSQL: after a restart, every response a client received in full is in the ledger exactly
 * once, with the usage the client was told.
 */
class LedgerCrashIT {

  @TempDir Path tmp;

  private record Received(String requestId, long promptTokens, long completionTokens) {}

  @Test
  void everyCompletedResponseSurvivesAKillInTheLedgerOnce() throws Exception {
    killUnderLoadAndCheck(1, "", data -> "jdbc:sqlite:" + data.resolve("ragway.db"), "fsync");
  }

  @Test
  void withLedgerSyncOsEveryCompletedResponseSurvivesAKillInTheLedgerOnce() throws Exception {
    // answered once written to the journal file: the kernel keeps it when the process is killed
    killUnderLoadAndCheck(1, "", data -> "jdbc:sqlite:" + data.resolve("ragway.db"), "os");
  }

  @Test
  void threeReplicasOnOnePostgresAllKilledLoseNothing() throws Exception {
    try (PostgresCluster pg = PostgresCluster.start()) {
      String url = pg.newDatabase();
      killUnderLoadAndCheck(3, url, data -> url, "fsync");
    }
  }

  /**
   * Starts {@code replicas} servers (own data directories, one database: {@code databaseUrl}, or
   * each its SQLite when empty), sends streamed and non-streamed requests round-robin from 32
   * clients, SIGKILLs every replica once 150 responses are in, restarts them, and checks the
   * ledger {@code ledgerUrl} shows against what the clients received; {@code sync} is the ledger's
   * {@code ledger.sync}.
   */
  private void killUnderLoadAndCheck(int replicas, String databaseUrl, java.util.function.Function<Path, String> ledgerUrl,
      String sync) throws Exception {
    try (FakeOpenAi primary = new FakeOpenAi("primary"); FakeOpenAi backup = new FakeOpenAi("backup")) {
      for (int i = 0; i < 40; i++) { // faults land on whichever requests come: retries and fallbacks
        primary.next(Fault.ok(), Fault.ok(), Fault.status(503), Fault.ok(), Fault.status(503), Fault.status(503));
      }
      Path config = Files.writeString(tmp.resolve("ragway.yaml"), """
          models:
            - name: main
              base_url: %s
              input_price_per_1m: 1.0
              output_price_per_1m: 2.0
              fallbacks: [big]
            - name: big
              base_url: %s
          gateway:
            max_attempts: 2
            base_delay_ms: 1
            max_delay_ms: 2
            failure_rate_percent: 100
            probe_interval_seconds: 0
          database:
            url: "%s"
          ledger:
            sync: %s
          """.formatted(primary.baseUrl(), backup.baseUrl(), databaseUrl, sync));
      List<Path> data = new java.util.ArrayList<>();
      List<Integer> ports = new java.util.ArrayList<>();
      List<Process> running = new java.util.ArrayList<>();
      for (int r = 0; r < replicas; r++) {
        data.add(tmp.resolve("data" + r));
        ports.add(Completions.freePort());
        running.add(serve(config, data.get(r), ports.get(r), "first" + r));
      }
      for (int r = 0; r < replicas; r++) {
        awaitReady(ports.get(r), running.get(r), "first" + r);
      }

      List<Received> received = new CopyOnWriteArrayList<>();
      AtomicInteger sent = new AtomicInteger();
      HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build();
      List<Thread> clients = new java.util.ArrayList<>();
      for (int t = 0; t < 32; t++) {
        int worker = t;
        clients.add(Thread.ofVirtual().start(() -> {
          for (int i = 0; i < 40; i++) {
            int n = sent.incrementAndGet();
            boolean stream = n % 2 == 0;
            String temperature = n % 5 == 0 ? "0" : "0.7"; // some deterministic, so some are cache hits
            String body = "{\"model\":\"main\",\"temperature\":" + temperature + ",\"messages\":[{\"role\":\"user\","
                + "\"content\":\"question " + (n % 5 == 0 ? worker % 3 : n) + "\"}]"
                + (stream ? ",\"stream\":true,\"stream_options\":{\"include_usage\":true}" : "") + "}";
            int port = ports.get(n % ports.size());
            try {
              HttpResponse<String> r = http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port
                  + "/v1/chat/completions")).header("Content-Type", "application/json")
                  .POST(HttpRequest.BodyPublishers.ofString(body)).build(), HttpResponse.BodyHandlers.ofString());
              Received got = complete(r);
              if (got != null) {
                received.add(got);
              }
            } catch (IOException e) {
              return; // the server is gone
            } catch (InterruptedException e) {
              return;
            }
          }
        }));
      }
      long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
      while (received.size() < 150 && System.nanoTime() < deadline) {
        Thread.sleep(5);
      }
      for (Process p : running) {
        p.destroyForcibly(); // SIGKILL under load, every replica
      }
      for (Process p : running) {
        p.waitFor(10, TimeUnit.SECONDS);
      }
      for (Thread t : clients) {
        t.join(30_000);
      }
      assertTrue(received.size() >= 150, "responses before the kill: " + received.size());
      assertTrue(received.size() < 32 * 40, "the kill came under load: " + received.size() + " of " + 32 * 40);

      List<Process> restarted = new java.util.ArrayList<>();
      try {
        for (int r = 0; r < replicas; r++) {
          restarted.add(serve(config, data.get(r), ports.get(r), "second" + r));
        }
        for (int r = 0; r < replicas; r++) {
          awaitReady(ports.get(r), restarted.get(r), "second" + r);
        }
        Map<String, long[]> ledger = awaitLedger(ledgerUrl.apply(data.get(0)), received);
        long clientTokens = 0;
        long ledgerTokens = 0;
        for (Received r : received) {
          long[] row = ledger.get(r.requestId());
          assertTrue(row != null, "request " + r.requestId() + " completed before the kill and is in the ledger");
          assertEquals(1, row[2], "request " + r.requestId() + " once");
          assertEquals(r.promptTokens(), row[0], r.requestId());
          assertEquals(r.completionTokens(), row[1], r.requestId());
          clientTokens += r.promptTokens() + r.completionTokens();
          ledgerTokens += row[0] + row[1];
        }
        assertEquals(clientTokens, ledgerTokens);
      } finally {
        for (Process p : restarted) {
          p.destroy();
        }
        for (Process p : restarted) {
          p.waitFor(20, TimeUnit.SECONDS);
        }
      }
    }
  }

  /** The request id and usage of a response the client received whole; null for one cut off or refused. */
  private static Received complete(HttpResponse<String> r) throws IOException {
    if (r.statusCode() != 200) {
      return null;
    }
    String id = r.headers().firstValue("x-request-id").orElseThrow();
    if (Completions.isStream(r.body()) && !Completions.streamDone(r.body())) {
      return null;
    }
    JsonNode usage = Completions.usage(r.body());
    if (usage == null) {
      throw new AssertionError("a complete response without usage: " + r.body());
    }
    return new Received(id, usage.get("prompt_tokens").asLong(), usage.get("completion_tokens").asLong());
  }

  /** request id to {prompt, completion, rows}, once every received request is there (or after 30 s). */
  private static Map<String, long[]> awaitLedger(String url, List<Received> received) throws Exception {
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
    Map<String, long[]> out = new HashMap<>();
    while (System.nanoTime() < deadline) {
      out.clear();
      try (Connection c = DriverManager.getConnection(url);
          ResultSet r = c.createStatement().executeQuery("SELECT request_id, SUM(prompt_tokens), SUM(completion_tokens), "
              + "COUNT(*) FROM usage_events WHERE kind = 'request' GROUP BY request_id")) {
        while (r.next()) {
          out.put(r.getString(1), new long[] {r.getLong(2), r.getLong(3), r.getLong(4)});
        }
      }
      if (received.stream().allMatch(x -> out.containsKey(x.requestId()))) {
        return out;
      }
      Thread.sleep(100);
    }
    return out;
  }

  private Process serve(Path config, Path data, int port, String name) throws IOException {
    String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
    return new ProcessBuilder(java, "-cp", System.getProperty("java.class.path"), "io.ragway.cli.Main", "serve",
        "--config", config.toString(), "--data", data.toString(), "--port", String.valueOf(port))
        .redirectErrorStream(true).redirectOutput(tmp.resolve(name + ".log").toFile()).start();
  }

  private void awaitReady(int port, Process p, String name) throws Exception {
    HttpClient http = HttpClient.newHttpClient();
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(90);
    while (System.nanoTime() < deadline) {
      if (!p.isAlive()) {
        throw new AssertionError("serve exited: " + Files.readString(tmp.resolve(name + ".log")));
      }
      try {
        if (http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + "/healthz")).build(),
            HttpResponse.BodyHandlers.discarding()).statusCode() == 200) {
          return;
        }
      } catch (IOException e) {
        // not listening yet
      }
      Thread.sleep(100);
    }
    throw new AssertionError("serve did not start in 90 s");
  }
}
