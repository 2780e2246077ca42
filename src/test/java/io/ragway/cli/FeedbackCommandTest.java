package io.ragway.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.ragway.store.AnswerRecords;
import io.ragway.store.Database;
import io.ragway.testkit.Cli;
import io.ragway.testkit.FeedbackRecords;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code ragway feedback export} on a SQLite records database of three tenants. */
class FeedbackCommandTest {

  @TempDir static Path tmp;
  static Path data;

  @BeforeAll
  static void records() throws Exception {
    data = Files.createDirectories(tmp.resolve("data"));
    Instant t0 = Instant.now().minus(Duration.ofHours(1));
    try (Database db = Database.open("", "", "", 2, data);
        AnswerRecords r = AnswerRecords.sql(db, new AnswerRecords.Config(true, Map.of("quiet", false), 0), s -> s,
            Clock.fixed(t0, ZoneOffset.UTC), 100)) {
      FeedbackRecords.fill(r, t0);
    }
  }

  private static Cli.Run export(String... args) {
    List<String> all = new java.util.ArrayList<>(List.of("feedback", "export", "--data", data.toString(), "--config",
        tmp.resolve("absent.yaml").toString()));
    all.addAll(List.of(args));
    return Cli.run(all.toArray(String[]::new));
  }

  @Test
  void exportsOneTenantAndPrintsWhatWasSkipped() throws Exception {
    Path out = tmp.resolve("dpo.jsonl");
    Cli.Run run = export("--tenant", "acme", "--format", "dpo", "--since", "7d", out.toString());
    assertEquals(0, run.code(), run.toString());
    assertTrue(run.out().contains("2 rows written"), run.out());
    assertTrue(run.out().contains("skipped 3: no correction"), run.out());
    List<String> lines = Files.readAllLines(out);
    assertEquals(2, lines.size());
    assertTrue(lines.getFirst().startsWith("{\"input\":{\"messages\":[{\"role\":\"user\""), lines.getFirst());
    assertFalse(Files.readString(out).contains("globex"), "never another tenant's data");
  }

  @Test
  void severalTenantsNeedTenantAndConsentlessContentIsNeverExported() throws Exception {
    Path out = tmp.resolve("any.jsonl");
    Cli.Run run = export("--format", "eval", out.toString());
    assertEquals(2, run.code(), run.toString());
    assertTrue(run.err().contains("acme, globex") && run.err().contains("--tenant"), run.err());
    assertFalse(Files.exists(out), "nothing written");
    run = export("--tenant", "quiet", "--format", "eval", "--min-rating", "1", out.toString());
    assertEquals(0, run.code(), run.toString());
    assertTrue(run.out().contains("0 rows written"), run.out());
    assertEquals("", Files.readString(out));
  }

  @Test
  void theSinceLimitLeavesOlderAnswersOut() throws Exception {
    Path out = tmp.resolve("recent.jsonl");
    Cli.Run run = export("--tenant", "globex", "--format", "eval", "--since", "10m", out.toString());
    assertEquals(0, run.code(), run.toString());
    assertTrue(run.out().contains("0 rows written"), run.out());
    run = export("--tenant", "globex", "--format", "eval", "--since", "2h", out.toString());
    assertTrue(run.out().contains("1 rows written"), run.out());
    assertTrue(Files.readString(out).contains("\"ground_truth\":\"The globex secret is green.\""));
  }

  @Test
  void usageErrorsExitTwoWithOneLineAndLeaveTheOldFile() throws Exception {
    Path out = Files.writeString(tmp.resolve("kept.jsonl"), "old\n");
    List<List<String>> bad = List.of(
        List.of("--tenant", "acme", "--format", "csv", out.toString()),
        List.of("--tenant", "acme", "--format", "eval", "--since", "yesterday", out.toString()),
        List.of("--tenant", "acme", "--format", "eval", "--min-rating", "0", out.toString()),
        List.of("--tenant", "acme", "--format", "eval", "--min-rating", "6", out.toString()),
        List.of("--tenant", "acme", "--format", "openai-chat", "--max-tokens", "0", out.toString()),
        List.of("--tenant", "acme", "--format", "eval", tmp.resolve("no/such/dir/out.jsonl").toString()),
        List.of("--tenant", "acme", "--format", "eval", tmp.toString()),
        List.of("--tenant", "acme", "--format", "eval"));
    for (List<String> args : bad) {
      Cli.Run run = export(args.toArray(String[]::new));
      assertEquals(2, run.code(), args + "\n" + run);
      assertFalse(run.err().isBlank(), run.toString());
    }
    assertEquals("old\n", Files.readString(out));
    Cli.Run help = Cli.run("feedback", "export", "--help");
    assertEquals(0, help.code());
    assertTrue(help.out().contains("--min-rating") && help.out().contains("openai-chat"), help.out());
  }
}
