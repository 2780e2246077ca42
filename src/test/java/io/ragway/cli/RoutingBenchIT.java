package io.ragway.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.ragway.testkit.Cli;
import io.ragway.testkit.Cli.Run;
import java.nio.file.Path;
import java.util.HashSet;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** A tiny run of {@code ragway bench routing}, so it keeps working; the real figures come from full runs. */
class RoutingBenchIT {

  private static final ObjectMapper JSON = new ObjectMapper();

  @TempDir Path tmp;

  @Test
  void smokeRunComparesEveryStrategyAgainstRandom() throws Exception {
    Run r = Cli.run("bench", "routing", "--smoke", "--json", "--data", tmp.toString(),
        "--config", tmp.resolve("none.yaml").toString());
    assertEquals(0, r.code(), r.toString());
    JsonNode n = JSON.readTree(r.out());
    assertEquals(2, n.get("settings").get("replicas").asInt(), r.out());
    assertEquals(8 * 3, n.get("requests_per_strategy").asInt(), r.out());
    assertTrue(n.get("settings").get("replica").get("prefill_ms_per_token").asDouble() > 0, "the replicas' parameters are printed");
    Set<String> names = new HashSet<>();
    for (JsonNode s : n.get("strategies")) {
      names.add(s.get("strategy").asText());
      assertEquals(24, s.get("requests").asInt(), r.out());
      assertEquals(0, s.get("errors").asInt(), r.out());
      assertTrue(s.get("ttft_p99_ms").asDouble() >= s.get("ttft_p50_ms").asDouble() && s.get("ttft_p50_ms").asDouble() > 0, r.out());
      double hit = s.get("cache_hit_rate").asDouble();
      assertTrue(hit > 0 && hit <= n.get("cache_hit_ceiling").asDouble() + 1e-9,
          "later turns and the shared system prompt hit the cache, never more than they can: " + r.out());
      assertTrue(s.get("requests_per_second").asDouble() > 0 && s.get("output_tokens_per_second").asDouble() > 0, r.out());
      assertEquals(24, sum(s.get("requests_per_replica")), "every request reached a replica once: " + r.out());
    }
    assertEquals(Set.of("random", "round-robin", "least-busy", "prefix"), names);
    assertEquals(1.0, n.get("strategies").get(0).get("throughput_vs_random").asDouble(), 1e-9);
    assertTrue(n.get("published").asText().contains("llm-d"));
  }

  @Test
  void rejectsAZeroCount() throws Exception {
    Run r = Cli.run("bench", "routing", "--replicas", "0", "--data", tmp.toString(),
        "--config", tmp.resolve("none.yaml").toString());
    assertEquals(2, r.code(), r.toString());
    assertTrue(r.err().contains("--replicas"), r.err());
  }

  private static int sum(JsonNode counts) {
    int total = 0;
    for (JsonNode c : counts) {
      total += c.asInt();
    }
    return total;
  }
}
