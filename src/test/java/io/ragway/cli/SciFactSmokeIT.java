package io.ragway.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.ragway.testkit.Cli;
import io.ragway.testkit.Cli.Run;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.Map;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A small run of {@code eval retrieval} on SciFact (40 test queries over 400 abstracts) with
 * floors well below the full-set figures; the full run is in the README, not in the suite.
 */
class SciFactSmokeIT {

  @TempDir Path tmp;

  @Test
  void retrievalQualityStaysAboveFloors() throws Exception {
    Path scifact = Path.of("..", "shared", "data", "beir-scifact");
    Assumptions.assumeTrue(Files.isDirectory(scifact), "shared SciFact data not present");
    Run r = Cli.run("eval", "retrieval", "--beir", scifact.toString(), "--mode", "all", "--json",
        "--max-queries", "40", "--max-docs", "400", "--data", tmp.toString(), "--config", tmp.resolve("none.yaml").toString());
    assertEquals(0, r.code(), r.toString());
    Map<String, JsonNode> byMode = new HashMap<>();
    for (String line : r.out().strip().split("\n")) {
      JsonNode n = new ObjectMapper().readTree(line);
      byMode.put(n.get("mode").asText(), n);
      assertEquals(40, n.get("queries").asInt());
      assertEquals(400, n.get("docs").asInt());
    }
    assertTrue(byMode.get("bm25").get("ndcg@10").asDouble() > 0.55, r.out());
    assertTrue(byMode.get("dense").get("ndcg@10").asDouble() > 0.60, r.out());
    assertTrue(byMode.get("hybrid").get("ndcg@10").asDouble() > 0.60, r.out());
    assertTrue(byMode.get("dense").get("hnsw_recall@10").asDouble() >= 0.9, r.out());
  }
}
