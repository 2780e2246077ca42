package io.ragway.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.ragway.store.AnswerRecords;
import io.ragway.store.Database;
import io.ragway.testkit.Cli;
import io.ragway.testkit.FeedbackRecords;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The eval export is a data set {@code ragway eval answers} reads as it is (real embedding model: an IT). */
class FeedbackExportIT {

  @TempDir Path tmp;

  @Test
  void evalAnswersScoresTheEvalExport() throws Exception {
    Path data = Files.createDirectories(tmp.resolve("data"));
    Instant t0 = Instant.now();
    try (Database db = Database.open("", "", "", 2, data);
        AnswerRecords r = AnswerRecords.sql(db, new AnswerRecords.Config(true, Map.of(), 0), s -> s,
            Clock.fixed(t0, ZoneOffset.UTC), 100)) {
      FeedbackRecords.fill(r, t0);
    }
    Path docs = Files.createDirectories(tmp.resolve("docs"));
    Files.writeString(docs.resolve("lighthouse.md"), "# Lighthouse\n\nThe lighthouse on the north cape was built in 1872. "
        + "It is painted red and white and stands about 30 m tall.\n");
    String config = tmp.resolve("absent.yaml").toString();
    Path out = tmp.resolve("eval.jsonl");
    Cli.Run export = Cli.run("feedback", "export", "--data", data.toString(), "--config", config, "--tenant", "acme",
        "--format", "eval", out.toString());
    assertEquals(0, export.code(), export.toString());
    Cli.Run eval = Cli.run("eval", "answers", "--dataset", out.toString(), "--docs", docs.toString(), "--data",
        data.toString(), "--config", config, "--json");
    assertEquals(0, eval.code(), eval.toString());
    assertTrue(eval.err().contains("2 rows with ground_truth: their recorded answer is scored as it is"), eval.err());
    JsonNode summary = new ObjectMapper().readTree(eval.out());
    assertEquals(2, summary.get("reading").get("recorded").asInt());
    assertEquals(0.0, summary.get("metrics").get("exact_match").asDouble(), 1e-9, "1870 is not 1872: scored, not copied");
  }
}
