package io.ragway.store;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.SQLFeatureNotSupportedException;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import java.util.logging.Logger;
import javax.sql.DataSource;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The journal and its drain into SQLite: nothing recorded is lost or counted twice. */
class LedgerTest {

  @TempDir Path dir;
  Database db;
  final Switchable source = new Switchable();

  @BeforeEach
  void open() {
    db = Database.open("", "", "", 4, dir);
    source.target = db.dataSource();
  }

  @AfterEach
  void close() {
    db.close();
  }

  private static UsageEvent event(String tenant, long prompt, long completion) {
    return new UsageEvent(UUID.randomUUID().toString(), "req", Instant.parse("2026-11-25T10:00:00Z"), "k1", tenant, "m",
        "m", prompt, completion, 0.001, "miss", false, 200, 5, 1);
  }

  private long[] sums() throws SQLException {
    try (Connection c = db.dataSource().getConnection();
        ResultSet r = c.createStatement().executeQuery(
            "SELECT COUNT(*), COALESCE(SUM(prompt_tokens), 0), COALESCE(SUM(completion_tokens), 0) FROM usage_events")) {
      r.next();
      return new long[] {r.getLong(1), r.getLong(2), r.getLong(3)};
    }
  }

  @Test
  void concurrentRecordsAllReachTheDatabaseOnce() throws Exception {
    try (Ledger ledger = JournaledLedger.open(dir.resolve("ledger"), source, 1 << 30)) {
      List<Thread> threads = new ArrayList<>();
      for (int t = 0; t < 16; t++) {
        threads.add(Thread.ofVirtual().start(() -> {
          for (int i = 0; i < 50; i++) {
            ledger.record(event("acme", 10, 3));
          }
        }));
      }
      for (Thread t : threads) {
        t.join();
      }
      assertTrue(ledger.awaitDrained(Duration.ofSeconds(10)));
      assertEquals(800, ledger.status().eventsWritten());
    }
    assertEquals(800, sums()[0]);
    assertEquals(8000, sums()[1]);
    assertEquals(2400, sums()[2]);
    List<UsageReport.Row> rows = UsageReport.since(db, Instant.parse("2026-01-01T00:00:00Z"), UsageReport.By.TENANT);
    assertEquals(1, rows.size());
    assertEquals(800, rows.get(0).requests());
    assertEquals(0.8, rows.get(0).costUsd(), 1e-9);
  }

  @Test
  void whileTheDatabaseIsDownEventsWaitInTheJournalThenDrain() throws Exception {
    try (Ledger ledger = JournaledLedger.open(dir.resolve("ledger"), source, 1 << 30)) {
      source.down = true;
      for (int i = 0; i < 20; i++) {
        ledger.record(event("acme", 1, 1));
      }
      Thread.sleep(300);
      assertFalse(ledger.status().databaseOk());
      assertTrue(ledger.status().backlogBytes() > 0);
      assertFalse(ledger.status().lastError().isEmpty());
      source.down = false;
      assertTrue(ledger.awaitDrained(Duration.ofSeconds(15)));
      assertTrue(ledger.status().databaseOk());
    }
    assertEquals(20, sums()[0]);
  }

  @Test
  void pastItsBoundTheJournalRefusesRatherThanLoses() throws Exception {
    source.down = true;
    try (Ledger ledger = JournaledLedger.open(dir.resolve("ledger"), source, 2_000)) {
      assertThrows(Ledger.LedgerFull.class, () -> {
        for (int i = 0; i < 1000; i++) {
          ledger.record(event("acme", 1, 1));
          Thread.sleep(2); // the drainer notices the backlog between writes
        }
      });
      source.down = false;
      assertTrue(ledger.awaitDrained(Duration.ofSeconds(15)));
      long recorded = sums()[0];
      assertTrue(recorded > 0 && recorded < 1000, "what was accepted is there: " + recorded);
      ledger.record(event("acme", 1, 1)); // room again
    }
  }

  @Test
  void aCrashBeforeTheDrainIsReplayedAtTheNextStartAndNothingTwice() throws Exception {
    source.down = true;
    Ledger first = JournaledLedger.open(dir.resolve("ledger"), source, 1 << 30);
    for (int i = 0; i < 30; i++) {
      first.record(event("acme", 2, 1));
    }
    first.close(); // gives up draining: the database is down; the journal keeps them
    source.down = false;
    try (Ledger second = JournaledLedger.open(dir.resolve("ledger"), source, 1 << 30)) {
      assertTrue(second.awaitDrained(Duration.ofSeconds(10)));
    }
    assertEquals(30, sums()[0]);
    // a crash after the database took a batch but before the checkpoint: the batch comes again
    Files.writeString(dir.resolve("ledger/checkpoint"), "0 0\n");
    try (Ledger third = JournaledLedger.open(dir.resolve("ledger"), source, 1 << 30)) {
      third.record(event("acme", 2, 1));
      assertTrue(third.awaitDrained(Duration.ofSeconds(10)));
    }
    assertEquals(31, sums()[0], "the replayed events were not added twice");
  }

  @Test
  void aLineTornByACrashIsSkipped() throws Exception {
    source.down = true;
    Ledger first = JournaledLedger.open(dir.resolve("ledger"), source, 1 << 30);
    first.record(event("acme", 5, 5));
    first.close();
    Path segment;
    try (var files = Files.list(dir.resolve("ledger"))) {
      segment = files.filter(p -> p.toString().endsWith(".jsonl")).findFirst().orElseThrow();
    }
    Files.writeString(segment, "{\"event_id\":\"torn", StandardOpenOption.APPEND);
    source.down = false;
    try (Ledger second = JournaledLedger.open(dir.resolve("ledger"), source, 1 << 30)) {
      second.record(event("acme", 1, 1));
      assertTrue(second.awaitDrained(Duration.ofSeconds(10)));
    }
    assertEquals(2, sums()[0]);
  }

  @Test
  void aJournalLineOfAnEarlierRagwayWithoutCachedTokensStillReplays() throws Exception {
    Files.createDirectories(dir.resolve("ledger"));
    // as ragway wrote it before cached_tokens: an old server killed before its drain
    Files.writeString(dir.resolve("ledger/00000001.jsonl"), "{\"event_id\":\"old-1\",\"request_id\":\"r\","
        + "\"at\":\"2026-11-25T10:00:00Z\",\"key_id\":\"k1\",\"tenant\":\"acme\",\"model\":\"m\",\"backend\":\"m\","
        + "\"prompt_tokens\":7,\"completion_tokens\":2,\"cost_usd\":0.001,\"cache\":\"miss\",\"stream\":false,"
        + "\"status\":200,\"latency_ms\":5,\"attempts\":1}\n");
    try (Ledger ledger = JournaledLedger.open(dir.resolve("ledger"), source, 1 << 30)) {
      ledger.record(new UsageEvent("new-1", "r2", Instant.parse("2026-11-25T10:00:01Z"), "k1", "acme", "m", "m", 10, 2,
          0.001, "miss", true, 200, 5, 1, 6));
      assertTrue(ledger.awaitDrained(Duration.ofSeconds(10)));
    }
    try (Connection c = db.dataSource().getConnection();
        ResultSet r = c.createStatement().executeQuery("SELECT event_id, cached_tokens FROM usage_events ORDER BY event_id")) {
      assertTrue(r.next());
      assertEquals("new-1", r.getString(1));
      assertEquals(6, r.getLong(2));
      assertTrue(r.next());
      assertEquals("old-1", r.getString(1));
      assertEquals(0, r.getLong(2), "an old line has no cached tokens");
    }
  }

  @Test
  void oneProcessWritesTheJournalAtATime() {
    try (Ledger ledger = JournaledLedger.open(dir.resolve("ledger"), source, 1 << 30)) {
      assertNull(JournaledLedger.open(dir.resolve("ledger"), source, 1 << 30));
      ledger.record(event("acme", 1, 1));
    }
  }

  /** A data source that can be switched off, as a database that goes away. */
  static final class Switchable implements DataSource {
    volatile DataSource target;
    volatile boolean down;

    @Override
    public Connection getConnection() throws SQLException {
      if (down) {
        throw new SQLException("connection refused (the test took the database down)");
      }
      return target.getConnection();
    }

    @Override
    public Connection getConnection(String user, String password) throws SQLException {
      return getConnection();
    }

    @Override
    public PrintWriter getLogWriter() {
      return null;
    }

    @Override
    public void setLogWriter(PrintWriter out) {}

    @Override
    public void setLoginTimeout(int seconds) {}

    @Override
    public int getLoginTimeout() {
      return 0;
    }

    @Override
    public Logger getParentLogger() throws SQLFeatureNotSupportedException {
      throw new SQLFeatureNotSupportedException();
    }

    @Override
    public <T> T unwrap(Class<T> iface) throws SQLException {
      throw new SQLException("not a wrapper");
    }

    @Override
    public boolean isWrapperFor(Class<?> iface) {
      return false;
    }
  }
}
