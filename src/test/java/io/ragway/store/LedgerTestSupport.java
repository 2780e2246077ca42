package io.ragway.store;

import java.nio.file.Path;
import java.time.Instant;
import java.util.UUID;

/** Puts events in a data directory's journal only, as a server killed before its drain would leave them. */
public final class LedgerTestSupport {

  private LedgerTestSupport() {}

  /** Records {@code events} events (10 prompt tokens, 4 of them cached, 2 completion) that reach the journal only. */
  public static void journalOnly(Database db, Path dataDir, int events) {
    LedgerTest.Switchable down = new LedgerTest.Switchable();
    down.target = db.dataSource();
    down.down = true;
    JournaledLedger ledger = JournaledLedger.open(dataDir.resolve("ledger"), down, 1 << 30);
    for (int i = 0; i < events; i++) {
      ledger.record(new UsageEvent(UUID.randomUUID().toString(), "r" + i, Instant.now(), "k", "acme", "main", "main", 10, 2,
          0.0001, "miss", false, 200, 3, 1, 4));
    }
    ledger.close();
  }

  /** Puts one failed request with two failed upstream attempts (503, then retried; 502, then given up) in the journal only. */
  public static void failedRequestInJournal(Database db, Path dataDir) {
    LedgerTest.Switchable down = new LedgerTest.Switchable();
    down.target = db.dataSource();
    down.down = true;
    JournaledLedger ledger = JournaledLedger.open(dataDir.resolve("ledger"), down, 1 << 30);
    Instant at = Instant.now();
    ledger.record(new UsageEvent(UUID.randomUUID().toString(), "rf", at, "k", "acme", "main", "main@127.0.0.1:9", 0, 0, 0,
        "miss", false, 503, 12, 1, 0, UsageEvent.ATTEMPT, "upstream_error", "retry"));
    ledger.record(new UsageEvent(UUID.randomUUID().toString(), "rf", at.plusMillis(20), "k", "acme", "main",
        "main@127.0.0.1:9", 0, 0, 0, "miss", false, 502, 15, 1, 0, UsageEvent.ATTEMPT, "upstream_error", "none"));
    ledger.record(new UsageEvent(UUID.randomUUID().toString(), "rf", at.plusMillis(21), "k", "acme", "main", "", 0, 0, 0,
        "miss", false, 502, 40, 2, 0, UsageEvent.FAILED, "upstream_error", ""));
    ledger.close();
  }
}
