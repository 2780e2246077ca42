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
}
