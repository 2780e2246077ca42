package io.ragway.store;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.ResultSet;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The records database and the usage journal on a full disk and on a read-only data directory:
 * a clear error, and nothing already stored lost. Tests run as root, where file modes do not
 * stop a write, so the disk is a 1 MiB tmpfs and the read-only directory a read-only bind mount;
 * where mounting is not permitted (no root, no CAP_SYS_ADMIN, not Linux) the tests are skipped.
 */
class StorageFaultsIT {

  @TempDir Path tmp;
  private final List<Path> mounted = new ArrayList<>();

  @AfterEach
  void unmount() throws Exception {
    for (int i = mounted.size() - 1; i >= 0; i--) {
      run("umount", mounted.get(i).toString());
    }
  }

  private static int run(String... command) throws IOException, InterruptedException {
    Process p = new ProcessBuilder(command).redirectErrorStream(true).start();
    String out = new String(p.getInputStream().readAllBytes());
    if (!p.waitFor(30, TimeUnit.SECONDS)) {
      p.destroyForcibly();
      return -1;
    }
    if (p.exitValue() != 0) {
      System.err.println(String.join(" ", command) + ": " + out.strip());
    }
    return p.exitValue();
  }

  private void mount(String why, String... command) throws Exception {
    int code;
    try {
      code = run(command);
    } catch (IOException e) {
      code = -1;
    }
    assumeTrue(code == 0, "skipped: cannot " + why + " here (mount needs Linux, root and CAP_SYS_ADMIN)");
    mounted.add(Path.of(command[command.length - 1]));
  }

  private Path tinyDisk() throws Exception {
    Path dir = Files.createDirectories(tmp.resolve("disk"));
    mount("mount a 1 MiB tmpfs", "mount", "-t", "tmpfs", "-o", "size=1m", "tmpfs", dir.toString());
    return dir;
  }

  private static UsageEvent event(int i) {
    return new UsageEvent(UUID.randomUUID().toString(), "r" + i, Instant.now(), "k", "acme", "m", "m", 10, 2, 0.001, "miss",
        false, 200, 1, 1);
  }

  private static long count(Database db, String table) throws Exception {
    try (Connection c = db.dataSource().getConnection(); ResultSet r = c.createStatement().executeQuery("SELECT COUNT(*) FROM "
        + table)) {
      r.next();
      return r.getLong(1);
    }
  }

  /** Fills what is left of the disk with a file, so the next write there fails. */
  private static Path fill(Path disk) throws IOException {
    Path filler = disk.resolve("filler");
    byte[] block = new byte[4096];
    try (var out = Files.newOutputStream(filler)) {
      while (true) {
        out.write(block);
        out.flush();
      }
    } catch (IOException full) {
      return filler; // no space left
    }
  }

  @Test
  void aFullDiskRefusesNewEventsClearlyAndKeepsEveryAcknowledgedOne() throws Exception {
    Path disk = tinyDisk();
    Database db = Database.open("", "", "", 2, tmp.resolve("db")); // the database elsewhere: this is the journal's disk
    LedgerTest.Switchable source = new LedgerTest.Switchable();
    source.target = db.dataSource();
    source.down = true; // the journal holds everything, as while the database is unreachable
    Path ballast = disk.resolve("ballast");
    Files.write(ballast, new byte[256 << 10]); // what an operator frees later
    int acknowledged = 0;
    DatabaseException refused = null;
    try (Ledger ledger = JournaledLedger.open(disk.resolve("ledger"), source, 1L << 30)) {
      for (int i = 0; i < 20_000 && refused == null; i++) {
        try {
          ledger.record(event(i));
          acknowledged++;
        } catch (DatabaseException e) {
          refused = e;
        }
      }
      assertTrue(refused != null, "a 1 MiB disk fills up");
      assertTrue(acknowledged > 100, "events fit before it did: " + acknowledged);
      assertTrue(refused.getMessage().contains("cannot write the usage journal") && refused.getMessage().contains("space"),
          refused.getMessage());
      assertThrows(DatabaseException.class, () -> ledger.record(event(-1)), "still full: still refused");
      // room again (an operator deleted something) and the database back: nothing acknowledged was lost
      Files.delete(ballast);
      source.down = false;
      assertTrue(ledger.awaitDrained(Duration.ofSeconds(30)), ledger.status().lastError());
    }
    assertEquals(acknowledged, count(db, "usage_events"), "every acknowledged event, and only those");
    db.close();
  }

  @Test
  void aFullDiskRefusesNewRecordsClearlyAndKeepsTheStoredOnes() throws Exception {
    Path disk = tinyDisk();
    try (Database db = Database.open("", "", "", 2, disk)) {
      ApiKeys keys = Stores.apiKeys(db, disk, Clock.systemUTC(), "test");
      ApiKeys.Created first = keys.create("acme", "first", List.of(), 0, 0);
      Path filler = fill(disk);
      DatabaseException e = assertThrows(DatabaseException.class, () -> {
        for (int i = 0; i < 1000; i++) { // SQLite may fit a few rows in pages it already has
          keys.create("acme", "more-" + i, List.of(), 0, 0);
        }
      });
      assertTrue(e.getMessage().contains("cannot write API keys") && e.getMessage().contains("full"), e.getMessage());
      assertTrue(keys.verify(first.secret()).isPresent(), "a stored key still works");
      DatabaseException budget = assertThrows(DatabaseException.class, () -> {
        for (int i = 0; i < 1000; i++) {
          Stores.budgets(db, Clock.systemUTC(), "test").set(Budgets.Scope.TENANT, "t" + i, 1);
        }
      });
      assertTrue(budget.getMessage().contains("cannot write budgets") && budget.getMessage().contains("full"),
          budget.getMessage());
      long stored = count(db, "api_keys");
      Files.delete(filler);
      keys.create("acme", "after", List.of(), 0, 0);
      assertEquals(stored + 1, count(db, "api_keys"), "writes work again once there is room");
    }
  }

  @Test
  void aReadOnlyDataDirectoryIsAClearErrorAndLosesNothing() throws Exception {
    Path data = Files.createDirectories(tmp.resolve("data"));
    String secret;
    try (Database db = Database.open("", "", "", 2, data)) {
      secret = Stores.apiKeys(db, data, Clock.systemUTC(), "test").create("acme", "", List.of(), 0, 0).secret();
      try (Ledger ledger = Stores.ledger(db, data, 1L << 30)) {
        for (int i = 0; i < 5; i++) {
          ledger.record(event(i));
        }
        assertTrue(ledger.awaitDrained(Duration.ofSeconds(10)));
      }
    }
    Path ro = Files.createDirectories(tmp.resolve("ro"));
    mount("bind-mount a directory", "mount", "--bind", data.toString(), ro.toString());
    assertEquals(0, run("mount", "-o", "remount,ro,bind", ro.toString()), "remount read-only");

    DatabaseException journal = assertThrows(DatabaseException.class, () -> JournaledLedger.open(ro.resolve("ledger"),
        new LedgerTest.Switchable(), 1L << 30));
    assertTrue(journal.getMessage().contains("cannot open the usage journal") && journal.getMessage().contains("Read-only"),
        journal.getMessage());
    DatabaseException records = assertThrows(DatabaseException.class, () -> {
      try (Database db = Database.open("", "", "", 2, ro)) {
        Stores.apiKeys(db, ro, Clock.systemUTC(), "test").create("acme", "", List.of(), 0, 0);
      }
    });
    assertTrue(records.getMessage().contains("cannot open the database at " + ro.resolve("ragway.db"))
        && records.getMessage().contains("is read-only"), records.getMessage());

    try (Database db = Database.open("", "", "", 2, data)) { // the same files, writable
      assertTrue(Stores.apiKeys(db, data, Clock.systemUTC(), "test").verify(secret).isPresent());
      assertEquals(5, count(db, "usage_events"));
    }
  }
}
