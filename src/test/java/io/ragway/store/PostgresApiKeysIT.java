package io.ragway.store;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.ragway.testkit.PostgresExtension;
import java.nio.file.Path;
import java.sql.SQLException;
import java.time.Clock;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/** The same contract on a real PostgreSQL, plus what only a shared database has to get right. */
class PostgresApiKeysIT extends ApiKeysContract {

  @RegisterExtension
  static final PostgresExtension PG = new PostgresExtension();

  private String url;

  @Override
  Database open(Path dir) {
    try {
      if (url == null) {
        url = PG.newDatabase();
      }
      return Database.open(url, "", "", 2, dir);
    } catch (SQLException e) {
      throw new IllegalStateException(e);
    }
  }

  @Test
  void twoReplicasShareKeys() {
    Database other = Database.open(url, "", "", 2, dir.resolve("replica2"));
    try {
      assertEquals(Database.Kind.POSTGRESQL, other.kind());
      ApiKeys.Created c = Stores.apiKeys(db, dir, Clock.systemUTC(), "replica1").create("acme", "", List.of(), 0, 0);
      assertTrue(Stores.apiKeys(other, dir.resolve("replica2"), Clock.systemUTC(), "replica2").verify(c.secret()).isPresent());
    } finally {
      other.close();
    }
  }

  @Test
  void anUnreachableDatabaseIsAClearErrorAtStartup() {
    DatabaseException e = assertThrows(DatabaseException.class,
        () -> Database.open("jdbc:postgresql://127.0.0.1:1/none?user=postgres&password=secret", "", "", 1, dir));
    assertTrue(e.getMessage().contains("cannot open the database at jdbc:postgresql://127.0.0.1:1/none"), e.getMessage());
    assertTrue(!e.getMessage().contains("secret"), "the password is not shown: " + e.getMessage());
  }

  @Test
  void theLedgerDrainsIntoPostgresOnceEvenWhenReplayed() throws Exception {
    try (Ledger ledger = Stores.ledger(db, dir, 1 << 30)) {
      for (int i = 0; i < 50; i++) {
        ledger.record(new UsageEvent(java.util.UUID.randomUUID().toString(), "r" + i, java.time.Instant.now(), "k", "acme",
            "main", "main", 10, 2, 0.001, "miss", i % 2 == 0, 200, 3, 1));
      }
      assertTrue(ledger.awaitDrained(java.time.Duration.ofSeconds(10)));
    }
    java.nio.file.Files.writeString(dir.resolve("ledger/checkpoint"), "0 0\n"); // as if the checkpoint was lost
    try (Ledger again = Stores.ledger(db, dir, 1 << 30)) {
      assertTrue(again.awaitDrained(java.time.Duration.ofSeconds(10)));
    }
    List<UsageReport.Row> rows = UsageReport.since(db, java.time.Instant.now().minusSeconds(600), UsageReport.By.TENANT);
    assertEquals(1, rows.size());
    assertEquals(50, rows.get(0).requests(), "replayed events are not counted twice");
    assertEquals(500, rows.get(0).promptTokens());
    assertEquals(0.05, rows.get(0).costUsd(), 1e-9);
  }

  @Test
  void sqliteRecordsCopyToPostgresAndKeepWorking() throws Exception {
    Path sqliteDir = dir.resolve("sqlite");
    String secret;
    try (Database sqlite = Database.open("", "", "", 2, sqliteDir)) {
      ApiKeys keys = Stores.apiKeys(sqlite, sqliteDir, Clock.systemUTC(), "cli:test");
      secret = keys.create("acme", "ci", List.of("eng"), 5, 0).secret();
      keys.create("beta", "", List.of(), 0, 0);
      LedgerTestSupport.journalOnly(sqlite, sqliteDir, 4);
      try (Ledger drain = Stores.ledger(sqlite, sqliteDir, 1 << 30)) {
        assertTrue(drain.awaitDrained(java.time.Duration.ofSeconds(10)));
      }
      assertEquals(java.util.Map.of("api_keys", 2L, "audit_log", 2L, "usage_events", 4L, "budgets", 0L, "rollout_states", 0L,
          "rollout_decisions", 0L, "answer_records", 0L, "feedback", 0L, "prompt_and_policy_versions", 0L), sqlite.copyTo(db));
      DatabaseException again = assertThrows(DatabaseException.class, () -> sqlite.copyTo(db));
      assertTrue(again.getMessage().contains("already has api_keys"), again.getMessage());
    }
    ApiKeys.Key k = Stores.apiKeys(db, dir, Clock.systemUTC(), "server").verify(secret).orElseThrow();
    assertEquals(List.of("eng"), k.groups());
    assertEquals(4, UsageReport.since(db, java.time.Instant.now().minusSeconds(600), UsageReport.By.TENANT).get(0).requests());
  }

  @Test
  void aDatabaseThatIsNotRagwaysIsRefusedUntouched() throws Exception {
    String other = PG.newDatabase();
    try (java.sql.Connection c = java.sql.DriverManager.getConnection(other)) {
      c.createStatement().execute("CREATE TABLE customers (id INT PRIMARY KEY, name TEXT)");
      c.createStatement().execute("INSERT INTO customers VALUES (1, 'Ada')");
    }
    DatabaseException e = assertThrows(DatabaseException.class, () -> Database.open(other, "", "", 1, dir));
    assertTrue(e.getMessage().contains("cannot migrate"), e.getMessage());
    try (java.sql.Connection c = java.sql.DriverManager.getConnection(other);
        java.sql.ResultSet r = c.createStatement().executeQuery(
            "SELECT COUNT(*) FROM information_schema.tables WHERE table_schema = 'public'")) {
      r.next();
      assertEquals(1, r.getInt(1), "no table was added to somebody else's database");
    }
  }
}
