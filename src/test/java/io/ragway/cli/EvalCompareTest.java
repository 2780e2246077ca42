package io.ragway.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.ragway.testkit.Cli;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class EvalCompareTest {

  @TempDir Path dir;

  private Path answers(String name, double f1, double faithfulness, int questions) throws Exception {
    return Files.writeString(dir.resolve(name), "{\"kind\":\"answers\",\"questions\":" + questions
        + ",\"metrics\":{\"f1\":" + f1 + ",\"faithfulness\":" + faithfulness + "},\"abstention_rate\":0.1}\n");
  }

  private Path retrieval(String name, double hybridNdcg, double bm25Ndcg) throws Exception {
    return Files.writeString(dir.resolve(name),
        "{\"mode\":\"bm25\",\"ndcg@10\":" + bm25Ndcg + ",\"recall@100\":0.9,\"mrr@10\":0.6,\"queries\":300,\"docs\":5183}\n"
            + "{\"mode\":\"hybrid\",\"ndcg@10\":" + hybridNdcg + ",\"recall@100\":0.95,\"mrr@10\":0.7,\"queries\":300,\"docs\":5183}\n");
  }

  @Test
  void passesWhenEveryDropIsWithinItsThreshold() throws Exception {
    var run = Cli.run("eval", "compare", answers("a.json", 0.50, 0.90, 10).toString(), answers("b.json", 0.49, 0.95, 10).toString(),
        "--max-drop", "F1=0.02", "--max-drop", "faithfulness=0");
    assertEquals(0, run.code(), run.toString());
    assertTrue(run.out().matches("(?s).*f1\\s+0\\.5000\\s+0\\.4900\\s+-0\\.0100\\s+0\\.0200\\s+PASS.*"), run.out());
    assertTrue(run.out().matches("(?s).*faithfulness\\s+0\\.9000\\s+0\\.9500\\s+\\+0\\.0500\\s+0\\.0000\\s+PASS.*"), run.out());
    assertTrue(run.out().strip().endsWith("PASS"), run.out());
  }

  @Test
  void failsWithExitCodeOneWhenAMetricDropsTooFar() throws Exception {
    var run = Cli.run("eval", "compare", answers("a.json", 0.50, 0.90, 10).toString(), answers("b.json", 0.45, 0.90, 10).toString(),
        "--max-drop", "f1=0.02");
    assertEquals(1, run.code(), run.toString());
    assertTrue(run.out().matches("(?s).*f1\\s+0\\.5000\\s+0\\.4500\\s+-0\\.0500\\s+0\\.0200\\s+FAIL.*"), run.out());
    assertTrue(run.out().matches("(?s).*faithfulness\\s+0\\.9000\\s+0\\.9000\\s+\\+0\\.0000\\s+-\\s+-.*"), run.out());
  }

  @Test
  void aRelativeThresholdIsAShareOfTheBase() throws Exception {
    Path base = answers("a.json", 0.50, 0.90, 10);
    assertEquals(0, Cli.run("eval", "compare", base.toString(), answers("b.json", 0.48, 0.90, 10).toString(),
        "--max-drop", "f1=5%").code());
    assertEquals(1, Cli.run("eval", "compare", base.toString(), answers("c.json", 0.47, 0.90, 10).toString(),
        "--max-drop", "f1=5%").code());
  }

  @Test
  void readsRetrievalSummariesAndGatesEveryModeByName() throws Exception {
    Path base = retrieval("a.jsonl", 0.70, 0.66);
    var run = Cli.run("eval", "compare", base.toString(), retrieval("b.jsonl", 0.70, 0.60).toString(), "--max-drop", "ndcg@10=0.01");
    assertEquals(1, run.code(), run.toString());
    assertTrue(run.out().matches("(?s).*bm25\\.ndcg@10\\s+0\\.6600\\s+0\\.6000\\s+-0\\.0600\\s+0\\.0100\\s+FAIL.*"), run.out());
    assertTrue(run.out().matches("(?s).*hybrid\\.ndcg@10\\s+0\\.7000\\s+0\\.7000\\s+\\+0\\.0000\\s+0\\.0100\\s+PASS.*"), run.out());
    // a star gates every metric not named; a named one overrides it
    assertEquals(0, Cli.run("eval", "compare", base.toString(), retrieval("c.jsonl", 0.70, 0.60).toString(),
        "--max-drop", "*=0.001", "--max-drop", "bm25.ndcg@10=0.1").code());
  }

  @Test
  void readsASingleModeRetrievalLineWithPlainNames() throws Exception {
    Path a = Files.writeString(dir.resolve("a.json"), "{\"mode\":\"hybrid\",\"ndcg@10\":0.7,\"recall@100\":0.9,\"mrr@10\":0.6,\"queries\":3}\n");
    Path b = Files.writeString(dir.resolve("b.json"), "{\"mode\":\"hybrid\",\"ndcg@10\":0.69,\"recall@100\":0.9,\"mrr@10\":0.6,\"queries\":3}\n");
    var run = Cli.run("eval", "compare", a.toString(), b.toString(), "--max-drop", "NDCG@10=0.02", "--json");
    assertEquals(0, run.code(), run.toString());
    assertTrue(run.out().contains("\"metric\":\"ndcg@10\""), run.out());
    assertTrue(run.out().contains("\"result\":\"PASS\""), run.out());
    assertTrue(run.out().contains("\"pass\":true"), run.out());
  }

  @Test
  void aGatedMetricMissingFromTheNewRunFails() throws Exception {
    Path a = Files.writeString(dir.resolve("a.json"), "{\"kind\":\"answers\",\"metrics\":{\"f1\":0.5,\"context_recall\":0.8}}");
    Path b = Files.writeString(dir.resolve("b.json"), "{\"kind\":\"answers\",\"metrics\":{\"f1\":0.5}}");
    var run = Cli.run("eval", "compare", a.toString(), b.toString(), "--max-drop", "context_recall=0.1");
    assertEquals(1, run.code(), run.toString());
  }

  @Test
  void usageErrorsExitWithTwo() throws Exception {
    Path a = answers("a.json", 0.5, 0.9, 10);
    Path b = answers("b.json", 0.5, 0.9, 10);
    var unknown = Cli.run("eval", "compare", a.toString(), b.toString(), "--max-drop", "bleu=0.1");
    assertEquals(2, unknown.code(), unknown.toString());
    assertTrue(unknown.err().contains("unknown metric 'bleu'"), unknown.err());
    assertEquals(2, Cli.run("eval", "compare", a.toString(), dir.resolve("missing.json").toString()).code());
    Path junk = Files.writeString(dir.resolve("junk.json"), "not json at all");
    var bad = Cli.run("eval", "compare", a.toString(), junk.toString());
    assertEquals(2, bad.code(), bad.toString());
    assertTrue(bad.err().contains("junk.json"), bad.err());
    assertEquals(2, Cli.run("eval", "compare", a.toString(), b.toString(), "--max-drop", "f1").code());
    assertEquals(2, Cli.run("eval", "compare", a.toString(), b.toString(), "--max-drop", "f1=lots").code());
    assertEquals(2, Cli.run("eval", "compare", a.toString(), b.toString(), "--max-drop", "f1=-0.1").code());
  }

  @Test
  void notesDifferentDataSetSizes() throws Exception {
    var run = Cli.run("eval", "compare", answers("a.json", 0.5, 0.9, 10).toString(), answers("b.json", 0.5, 0.9, 12).toString());
    assertEquals(0, run.code());
    assertTrue(run.out().contains("different numbers of questions (10 and 12)"), run.out());
  }
}
