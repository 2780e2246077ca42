package io.ragway.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.ragway.testkit.Cli;
import io.ragway.testkit.Cli.Run;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** keys and db from the command line: what a user types, what they see, what is refused. */
class RecordsCliTest {

  @TempDir Path tmp;

  private Run ragway(String... args) {
    String[] all = new String[args.length + 4];
    System.arraycopy(args, 0, all, 0, args.length);
    all[args.length] = "--data";
    all[args.length + 1] = tmp.resolve("data").toString();
    all[args.length + 2] = "--config";
    all[args.length + 3] = tmp.resolve("none.yaml").toString();
    return Cli.run(all);
  }

  @Test
  void keysAreCreatedRotatedRevokedAndAudited() {
    Run created = ragway("keys", "create", "--tenant", "acme", "--rpm", "5", "--name", "ci");
    assertEquals(0, created.code(), created.toString());
    String secret = created.out().strip();
    String id = secret.substring("sk-rgw-".length(), secret.indexOf('-', "sk-rgw-".length()));
    assertTrue(ragway("keys", "list").out().contains(id + "   acme"), "listed with its tenant");
    Run rotated = ragway("keys", "rotate", id);
    assertEquals(0, rotated.code(), rotated.toString());
    assertTrue(!rotated.out().strip().equals(secret) && rotated.out().startsWith("sk-rgw-" + id + "-"));
    assertEquals(1, ragway("keys", "rotate", "nope").code());
    assertEquals(0, ragway("keys", "revoke", id).code());
    assertEquals(1, ragway("keys", "revoke", "nope").code());
    assertTrue(ragway("keys", "list").out().contains("revoked"));
    String audit = ragway("db", "audit").out();
    assertTrue(audit.indexOf("key.revoke") < audit.indexOf("key.rotate") && audit.indexOf("key.rotate") < audit.indexOf("key.create"),
        "newest first: " + audit);
    assertEquals(2, ragway("db", "audit", "--limit", "0").code());
  }

  @Test
  void budgetsOfKeysAndTenantsAreSetListedClearedAndAudited() {
    Run created = ragway("keys", "create", "--tenant", "acme", "--budget-usd", "5");
    assertEquals(0, created.code(), created.toString());
    String secret = created.out().strip();
    String id = secret.substring("sk-rgw-".length(), secret.indexOf('-', "sk-rgw-".length()));
    assertTrue(created.err().contains("USD 5.00 a month"), created.err());
    assertEquals(0, ragway("budgets", "set", "--tenant", "acme", "--usd", "100").code());
    Run listed = ragway("budgets", "list");
    assertTrue(listed.out().contains("tenant   acme") && listed.out().contains("100.00"), listed.out());
    assertTrue(listed.out().contains("key      " + id) && listed.out().contains("5.00"), listed.out());
    assertEquals(0, ragway("keys", "budget", id, "--usd", "7.5").code());
    assertTrue(ragway("budgets", "list").out().contains("7.50"));
    assertEquals(0, ragway("keys", "budget", id, "--none").code());
    assertTrue(!ragway("budgets", "list").out().contains(id));
    assertEquals(1, ragway("keys", "budget", "nope", "--usd", "1").code(), "an unknown key");
    Run negative = ragway("keys", "budget", id, "--usd", "-1");
    assertEquals(2, negative.code(), negative.toString());
    assertTrue(negative.err().contains("--usd must be an amount >= 0"), negative.err());
    assertEquals(2, ragway("keys", "budget", id, "--usd", "1", "--none").code(), "one or the other");
    assertEquals(2, ragway("keys", "budget", id).code(), "one of them");
    assertEquals(2, ragway("keys", "create", "--budget-usd", "NaN").code());
    assertEquals(2, ragway("budgets", "set", "--tenant", "acme", "--usd", "abc").code());
    String audit = ragway("db", "audit").out();
    assertTrue(audit.contains("budget.clear") && audit.contains("budget.set") && audit.contains("tenant:acme"), audit);
  }

  @Test
  void statusBackupAndRestore() throws Exception {
    Run status = ragway("db", "status", "--json");
    assertEquals(0, status.code(), status.toString());
    assertTrue(status.out().contains("\"kind\"") && status.out().contains("SQLITE"), status.out());
    Path backup = tmp.resolve("b.db");
    assertEquals(0, ragway("db", "backup", backup.toString()).code());
    Run again = ragway("db", "backup", backup.toString());
    assertEquals(1, again.code());
    assertTrue(again.err().contains("never overwrites"), again.err());

    Path lockFile = Files.createDirectories(tmp.resolve("data/index")).resolve("write.lock");
    try (FileChannel ch = FileChannel.open(lockFile, StandardOpenOption.CREATE, StandardOpenOption.WRITE);
        FileLock held = ch.lock()) {
      Run busy = ragway("db", "restore", backup.toString());
      assertEquals(1, busy.code());
      assertTrue(busy.err().contains("stop it, then restore"), busy.err());
      assertTrue(held.isValid());
    }
    Run restored = ragway("db", "restore", backup.toString());
    assertEquals(0, restored.code(), restored.toString());
    assertTrue(restored.err().contains("before-restore"), restored.err());
  }

  @Test
  void aCorruptDatabaseIsAClearErrorForEveryCommandThatNeedsIt() throws Exception {
    Files.createDirectories(tmp.resolve("data"));
    Files.writeString(tmp.resolve("data/ragway.db"), "not a database");
    Run r = ragway("keys", "list");
    assertEquals(1, r.code());
    assertTrue(r.err().contains("is not a SQLite database") && r.err().contains("ragway db restore"), r.err());
    assertEquals("not a database", Files.readString(tmp.resolve("data/ragway.db")));
  }

  @Test
  void usageTakesWhatAStoppedServerLeftInItsJournal() throws Exception {
    Path data = tmp.resolve("data");
    try (io.ragway.store.Database db = io.ragway.store.Database.open("", "", "", 1, data)) {
      // a server that died before its journal reached the database: the events are only in the journal
      io.ragway.store.LedgerTestSupport.journalOnly(db, data, 3);
      io.ragway.store.LedgerTestSupport.failedRequestInJournal(db, data);
    }
    Run r = ragway("usage", "--since", "1h", "--by", "model", "--json");
    assertEquals(0, r.code(), r.toString());
    assertTrue(r.out().contains("\"requests\":3"), r.out());
    assertEquals(2, ragway("usage", "--by", "colour").code());
    assertEquals(2, ragway("usage", "--since", "yesterday").code());
    Run table = ragway("usage");
    assertTrue(table.out().contains("cached tok"), table.out());
    assertTrue(table.out().lines().anyMatch(l -> l.matches("total\\s+3\\s+30\\s+12\\s+6\\s.*")), table.out());
    Run byStatus = ragway("usage", "--by", "status");
    assertTrue(byStatus.out().lines().anyMatch(l -> l.matches("request 200\\s+3\\s.*")), byStatus.out());
    assertTrue(byStatus.out().lines().anyMatch(l -> l.matches("attempt 503\\s+1\\s.*")), byStatus.out());
    assertTrue(byStatus.out().lines().anyMatch(l -> l.matches("failed 502\\s+1\\s.*")), byStatus.out());
    Run attempts = ragway("usage", "--attempts");
    assertEquals(0, attempts.code(), attempts.toString());
    List<String> lines = attempts.out().lines().filter(l -> l.contains(" rf ")).toList();
    assertEquals(2, lines.size(), attempts.out());
    assertTrue(lines.get(0).contains("502") && lines.get(0).endsWith("none"), "newest first: " + attempts.out());
    assertTrue(lines.get(1).contains("503") && lines.get(1).endsWith("retry"), attempts.out());
    assertTrue(ragway("usage", "--attempts", "--json").out().contains("\"followed_by\":\"retry\""));
    assertEquals(2, ragway("usage", "--attempts", "--limit", "0").code());
  }

  @Test
  void copyMovesEveryRecordToAnotherDatabase() {
    String secret = ragway("keys", "create", "--tenant", "acme").out().strip();
    Path target = tmp.resolve("other.db");
    assertEquals(0, ragway("budgets", "set", "--tenant", "acme", "--usd", "9").code());
    Run copy = ragway("db", "copy", "--to", "jdbc:sqlite:" + target);
    assertEquals(0, copy.code(), copy.toString());
    assertTrue(copy.err().contains("api_keys=1"), copy.err());
    assertTrue(copy.err().contains("budgets=1"), "budgets are records too: " + copy.err());
    Run again = ragway("db", "copy", "--to", "jdbc:sqlite:" + target);
    assertEquals(1, again.code());
    assertTrue(again.err().contains("copy into an empty database"), again.err());
    assertEquals(2, ragway("db", "copy", "--to", "mysql://x").code());
    try (io.ragway.store.Database db = io.ragway.store.Database.open("jdbc:sqlite:" + target, "", "", 1, tmp)) {
      assertTrue(io.ragway.store.Stores.apiKeys(db, tmp.resolve("none"), java.time.Clock.systemUTC(), "t").verify(secret).isPresent());
    }
  }
}
