package io.ragway.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.ragway.testkit.Cli;
import io.ragway.testkit.Cli.Run;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Usage errors: exit code 2, a clear message, no stack trace, nothing written. */
class MainTest {

  @TempDir Path tmp;

  private Run run(String... args) {
    return Cli.run(args);
  }

  private static void assertUsageError(Run r, String fragment) {
    assertEquals(2, r.code(), r.toString());
    assertTrue(r.err().contains(fragment), r.toString());
    assertFalse(r.err().contains("\tat "), "no stack trace: " + r);
  }

  @Test
  void everyCommandHasHelp() {
    for (String[] cmd : new String[][] {{"--help"}, {"ingest", "--help"}, {"search", "--help"}, {"ask", "--help"},
        {"eval", "retrieval", "--help"}, {"bench", "search", "--help"}, {"bench", "ingest", "--help"}}) {
      Run r = run(cmd);
      assertEquals(0, r.code(), String.join(" ", cmd) + ": " + r);
      assertTrue(r.out().contains("Usage:"), r.toString());
    }
  }

  @Test
  void unknownOptionOrMissingArgumentIsAUsageError() {
    assertUsageError(run("search", "--bogus", "x"), "Unknown option");
    assertUsageError(run("ask"), "QUESTION");
    assertUsageError(run("frobnicate"), "Unmatched argument");
  }

  @Test
  void missingPathIsAUsageErrorAndCreatesNoIndex() {
    Path data = tmp.resolve("data");
    assertUsageError(run("ingest", "--data", data.toString(), "--config", tmp.resolve("none.yaml").toString(),
        tmp.resolve("nope").toString()), "no such file or directory");
  }

  @Test
  void contradictoryOrEmptyGroupsAreUsageErrorsAndCreateNoIndex() {
    Path data = tmp.resolve("data");
    String config = tmp.resolve("none.yaml").toString();
    assertUsageError(run("ingest", "--data", data.toString(), "--config", config, "--public", "--groups", "hr", tmp.toString()),
        "--public and --groups");
    assertUsageError(run("ingest", "--data", data.toString(), "--config", config, "--groups", " , ", tmp.toString()), "--public");
    assertFalse(java.nio.file.Files.exists(data));
  }

  @Test
  void emptyQuestionAndQueryAreUsageErrors() {
    assertUsageError(run("ask", "--data", tmp.toString(), "   "), "question is empty");
    assertUsageError(run("search", "--data", tmp.toString(), " "), "query is empty");
  }

  @Test
  void unknownModeIsAUsageError() {
    assertUsageError(run("search", "--data", tmp.toString(), "--mode", "fuzzy", "hello"), "bm25, dense or hybrid");
    assertUsageError(run("eval", "retrieval", "--beir", tmp.toString(), "--mode", "fuzzy"), "bm25, dense or hybrid");
  }

  @Test
  void invalidConfigurationIsAUsageErrorNamingTheKey() throws Exception {
    Path config = Files.writeString(tmp.resolve("ragway.yaml"), "retrieval:\n  kay: 3\n");
    assertUsageError(run("search", "--config", config.toString(), "hello"), "retrieval.kay");
  }

  @Test
  void evalNeedsABeirFolder() {
    assertUsageError(run("eval", "retrieval", "--beir", tmp.resolve("missing").toString()), "not a folder");
    assertUsageError(run("eval", "retrieval", "--beir", tmp.toString()), "corpus.jsonl");
  }
}
