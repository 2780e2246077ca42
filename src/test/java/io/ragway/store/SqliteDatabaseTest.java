package io.ragway.store;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.time.Clock;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The SQLite file's faults: corrupt, truncated, newer, backed up and restored, never lost. */
class SqliteDatabaseTest {

  @TempDir Path dir;

  private Database open() {
    return Database.open("", "", "", 1, dir);
  }

  @Test
  void aFreshDataDirectoryGetsTheSchema() {
    try (Database db = open()) {
      Database.Status s = db.status();
      assertEquals(Database.Kind.SQLITE, s.kind());
      assertEquals(0, s.pending());
      assertTrue(Integer.parseInt(s.schemaVersion()) >= 1, s.toString());
    }
    assertTrue(Files.exists(dir.resolve(Database.SQLITE_FILE)));
  }

  @Test
  void aFileThatIsNotSqliteIsRefusedAndLeftAsItIs() throws Exception {
    byte[] garbage = "this is not a database, it was overwritten by mistake".getBytes();
    Files.write(dir.resolve(Database.SQLITE_FILE), garbage);
    DatabaseException e = assertThrows(DatabaseException.class, this::open);
    assertTrue(e.getMessage().contains("not a SQLite database"), e.getMessage());
    assertArrayEquals(garbage, Files.readAllBytes(dir.resolve(Database.SQLITE_FILE)));
  }

  @Test
  void aTruncatedDatabaseIsAClearError() throws Exception {
    String secret;
    try (Database db = open()) {
      secret = Stores.apiKeys(db, dir, Clock.systemUTC(), "t").create("acme", "", List.of(), 0, 0).secret();
      assertTrue(secret.startsWith("sk-rgw-"));
      try (Connection c = db.dataSource().getConnection()) {
        c.createStatement().execute("PRAGMA wal_checkpoint(TRUNCATE)");
      }
    }
    Path file = dir.resolve(Database.SQLITE_FILE);
    byte[] whole = Files.readAllBytes(file);
    byte[] half = java.util.Arrays.copyOf(whole, whole.length / 2);
    Files.write(file, half);
    DatabaseException e = assertThrows(DatabaseException.class, this::open);
    assertTrue(e.getMessage().contains(file.toString()), e.getMessage());
    assertArrayEquals(half, Files.readAllBytes(file), "nothing was written over it");
  }

  @Test
  void aSchemaFromANewerRagwayIsRefusedUntouched() throws Exception {
    try (Database db = open(); Connection c = db.dataSource().getConnection()) {
      c.createStatement().execute("INSERT INTO flyway_schema_history (installed_rank, version, description, type, script, "
          + "checksum, installed_by, execution_time, success) VALUES (99, '99', 'from the future', 'SQL', 'V99__x.sql', 0, "
          + "'x', 0, 1)");
    }
    DatabaseException e = assertThrows(DatabaseException.class, this::open);
    assertTrue(e.getMessage().contains("newer than this ragway"), e.getMessage());
  }

  @Test
  void aBackupRestoresTheKeysAndKeepsWhatItReplaced() throws Exception {
    Path backup = dir.resolve("backup.db");
    String before;
    String after;
    try (Database db = open()) {
      ApiKeys keys = Stores.apiKeys(db, dir, Clock.systemUTC(), "t");
      before = keys.create("acme", "kept", List.of(), 0, 0).secret();
      db.backup(backup);
      assertThrows(DatabaseException.class, () -> db.backup(backup), "a backup never overwrites a file");
      after = keys.create("acme", "later", List.of(), 0, 0).secret();
    }
    Path kept = Database.restore(backup, dir.resolve(Database.SQLITE_FILE)).orElseThrow();
    try (Database db = open()) {
      ApiKeys keys = Stores.apiKeys(db, dir, Clock.systemUTC(), "t");
      assertTrue(keys.verify(before).isPresent());
      assertTrue(keys.verify(after).isEmpty(), "the restored database is the backup's");
    }
    try (Database old = Database.open("jdbc:sqlite:" + kept, "", "", 1, dir)) {
      assertTrue(Stores.apiKeys(old, dir.resolve("none"), Clock.systemUTC(), "t").verify(after).isPresent(),
          "the replaced database is kept whole");
    }
  }

  @Test
  void restoringSomethingElseIsRefused() throws Exception {
    Path notDb = Files.writeString(dir.resolve("notes.txt"), "hello");
    assertThrows(DatabaseException.class, () -> Database.restore(notDb, dir.resolve(Database.SQLITE_FILE)));
    assertThrows(DatabaseException.class, () -> Database.restore(dir.resolve("missing.db"), dir.resolve(Database.SQLITE_FILE)));
    Path other = dir.resolve("other.db");
    try (var c = java.sql.DriverManager.getConnection("jdbc:sqlite:" + other)) {
      c.createStatement().execute("CREATE TABLE t (x INT)");
    }
    DatabaseException e = assertThrows(DatabaseException.class, () -> Database.restore(other, dir.resolve(Database.SQLITE_FILE)));
    assertTrue(e.getMessage().contains("not a ragway one"), e.getMessage());
    assertTrue(!Files.exists(dir.resolve(Database.SQLITE_FILE)), "nothing was put in place");
  }

  @Test
  void keyChangesAndLedgerWritesInterleaveWithoutBusyErrors() throws Exception {
    try (Database db = Database.open("", "", "", 4, dir);
        Ledger ledger = Stores.ledger(db, dir, 1 << 30)) {
      ApiKeys keys = Stores.apiKeys(db, dir, Clock.systemUTC(), "t");
      Thread writer = Thread.ofVirtual().start(() -> {
        for (int i = 0; i < 300; i++) {
          ledger.record(new UsageEvent(java.util.UUID.randomUUID().toString(), "r", java.time.Instant.now(), "k", "t", "m",
              "m", 1, 1, 0, "miss", false, 200, 1, 1));
        }
      });
      for (int i = 0; i < 30; i++) { // each reads the key, then writes: the drain writes in between
        ApiKeys.Created c = keys.create("acme", "", List.of(), 0, 0);
        assertTrue(keys.rotate(c.key().id()).isPresent());
        assertTrue(keys.revoke(c.key().id()));
      }
      writer.join();
      assertTrue(ledger.awaitDrained(java.time.Duration.ofSeconds(10)));
    }
  }
}
