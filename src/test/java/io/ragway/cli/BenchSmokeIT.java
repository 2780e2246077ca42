package io.ragway.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.ragway.testkit.Cli;
import io.ragway.testkit.Cli.Run;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Tiny runs of each benchmark, so they keep working; the real figures come from full runs. */
class BenchSmokeIT {

  private static final ObjectMapper JSON = new ObjectMapper();

  @TempDir Path tmp;

  @Test
  void searchBenchReportsLatencyPerModeAndRecall() throws Exception {
    Run r = Cli.run("bench", "search", "--chunks", "3000", "--queries", "30", "--no-embed", "--json",
        "--data", tmp.toString(), "--config", tmp.resolve("none.yaml").toString());
    assertEquals(0, r.code(), r.toString());
    JsonNode n = JSON.readTree(r.out());
    assertEquals(3000, n.get("chunks").asInt());
    for (String mode : new String[] {"bm25", "dense", "hybrid"}) {
      assertTrue(n.get("latency_ms").get(mode).get("p99").asDouble() > 0, r.out());
    }
    assertTrue(n.get("hnsw_recall_at10").asDouble() >= 0.9, r.out());
    assertTrue(n.get("exact_p50_ms").asDouble() > 0, r.out());
    try (var left = Files.list(tmp.resolve("tmp"))) {
      assertEquals(0, left.count(), "the bench deletes its temporary index");
    }
  }

  @Test
  void ingestBenchComparesPipelineWithModelTime() throws Exception {
    Path docs = Files.createDirectories(tmp.resolve("docs"));
    for (int i = 0; i < 3; i++) {
      Files.writeString(docs.resolve("d" + i + ".md"), "# Doc " + i + "\n\n" + "Sentence about topic " + i + " and more words. ".repeat(40));
    }
    Run r = Cli.run("bench", "ingest", "--docs", docs.toString(), "--json", "--data", tmp.toString(),
        "--config", tmp.resolve("none.yaml").toString());
    assertEquals(0, r.code(), r.toString());
    JsonNode n = JSON.readTree(r.out());
    assertEquals(3, n.get("files").asInt());
    assertTrue(n.get("chunks").asInt() >= 3, r.out());
    assertTrue(n.get("overhead_ratio").asDouble() > 0.5, r.out());
    assertTrue(n.get("embed_seconds").asDouble() > 0, r.out());
  }

  @Test
  void gatewayBenchMeasuresEveryPathAndTheCache() throws Exception {
    Run r = Cli.run("bench", "gateway", "--requests", "50", "--warmup", "10", "--concurrency", "1,4", "--json",
        "--data", tmp.toString(), "--config", tmp.resolve("none.yaml").toString());
    assertEquals(0, r.code(), r.toString());
    JsonNode n = JSON.readTree(r.out());
    assertEquals(2, n.get("levels").size(), r.out());
    boolean nginx = !n.path("nginx").isMissingNode() && !n.path("nginx").isNull();
    for (JsonNode level : n.get("levels")) {
      assertEquals(50, level.get("requests").asInt());
      assertTrue(level.get("direct").get("p50_ms").asDouble() > 0, r.out());
      JsonNode ragway = level.get("ragway");
      assertTrue(ragway.get("p99_ms").asDouble() >= ragway.get("p50_ms").asDouble(), r.out());
      assertTrue(ragway.get("requests_per_second").asDouble() > 0, r.out());
      assertTrue(ragway.has("added_p50_ms") && ragway.has("added_p99_ms"), r.out());
      assertEquals(nginx, level.has("nginx") && !level.get("nginx").isNull(), r.out());
      assertTrue(level.get("ragway_without_ledger").get("requests_per_second").asDouble() > 0, r.out());
      assertTrue(level.get("ledger_throughput_ratio").asDouble() > 0, r.out());
      assertTrue(level.get("ragway_ledger_sync_fsync").get("requests_per_second").asDouble() > 0, r.out());
      assertTrue(level.get("ledger_sync_fsync_throughput_ratio").asDouble() > 0, r.out());
      assertTrue(level.get("ragway_with_telemetry").get("requests_per_second").asDouble() > 0, r.out());
      assertTrue(level.get("telemetry_cost").get("p99_ratio").asDouble() > 0, r.out());
      assertTrue(level.get("telemetry_cost").has("meets_target"), r.out());
    }
    assertTrue(n.get("ragway_features").toString().contains("api_key_auth"), r.out());
    assertTrue(n.get("cache_hit_p50_ms").asDouble() > 0, r.out());
    assertEquals(3, n.get("published_peers").size(), r.out());
    try (var left = Files.list(tmp.resolve("tmp"))) {
      assertEquals(0, left.count(), "the bench deletes its scratch folder, nginx's files included");
    }
  }

  @Test
  void ledgerBenchTimesCommitsAgainstARawFsync() throws Exception {
    Run r = Cli.run("bench", "ledger", "--events", "200", "--concurrency", "1,4", "--json",
        "--data", tmp.toString(), "--config", tmp.resolve("none.yaml").toString());
    assertEquals(0, r.code(), r.toString());
    JsonNode n = JSON.readTree(r.out());
    assertTrue(n.get("fsync_p50_ms").asDouble() > 0, r.out());
    assertEquals(4, n.get("levels").size(), r.out()); // fsync and os, at 1 and 4 writers
    List<String> syncs = new ArrayList<>();
    for (JsonNode level : n.get("levels")) {
      assertEquals("sqlite", level.get("database").asText());
      syncs.add(level.get("sync").asText());
      assertTrue(level.get("events_per_second").asDouble() > 0, r.out());
      assertTrue(level.get("commit_p99_ms").asDouble() >= level.get("commit_p50_ms").asDouble(), r.out());
      assertTrue(level.get("drained_per_second").asDouble() > 0, r.out());
    }
    assertEquals(List.of("fsync", "fsync", "os", "os"), syncs, r.out());
    assertEquals(2, Cli.run("bench", "ledger", "--events", "5", "--data", tmp.toString(),
        "--config", tmp.resolve("none.yaml").toString()).code());
  }
}
