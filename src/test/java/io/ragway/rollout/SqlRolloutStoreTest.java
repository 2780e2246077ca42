package io.ragway.rollout;

import io.ragway.testkit.FakeClock;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.ragway.store.AuditLog;
import io.ragway.store.Database;
import io.ragway.store.Stores;
import java.nio.file.Path;
import java.time.Duration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class SqlRolloutStoreTest {

  @TempDir Path dir;

  /** The records database the test writes, opened again (the same one) by each call. */
  Database open() {
    return Database.open("", "", "", 2, dir);
  }

  @Test
  void decisionsSetTheStateAreAuditedAndOutliveTheConnection() {
    FakeClock clock = new FakeClock();
    try (Database db = open()) {
      RolloutStore store = RolloutStore.sql(db.dataSource(), clock);
      store.saveFigures("r1", "{\"stable\":{\"requests\":3}}");
      assertEquals(RolloutStore.State.RUNNING, store.state("r1").orElseThrow().state());
      store.decide(new RolloutStore.Decision("r1", clock.instant(), "rollback", "controller", "p99 \"300\" ms", "{\"a\":1}"),
          RolloutStore.State.ROLLED_BACK);
      store.saveFigures("r1", "{\"later\":true}"); // figures change; the state stays
      clock.advance(Duration.ofMinutes(3));
      store.decide(new RolloutStore.Decision("r1", clock.instant(), "resume", "cli:ann", "fixed", "{}"),
          RolloutStore.State.RUNNING);
      store.decide(new RolloutStore.Decision("r1", clock.instant(), "rollback", "cli:ann", "again", "{}"),
          RolloutStore.State.ROLLED_BACK);
    }
    try (Database db = open()) {
      RolloutStore store = RolloutStore.sql(db.dataSource(), clock);
      RolloutStore.Stored s = store.state("r1").orElseThrow();
      assertEquals(RolloutStore.State.ROLLED_BACK, s.state());
      assertEquals("again", s.reason());
      assertEquals(3, store.decisions("r1", 10).size());
      assertEquals("p99 \"300\" ms", store.decisions("r1", 10).get(2).reason());
      assertEquals(clock.instant(), store.decisions("r1", 10).get(0).at());
      AuditLog.Entry audit = Stores.auditLog(db).recent(1).get(0);
      assertEquals("rollout.rollback", audit.action());
      assertEquals("r1", audit.target());
      assertTrue(audit.detail().contains("\"state\":\"rolled_back\""), audit.detail());
      assertEquals(3, Stores.auditLog(db).recent(10).size());
    }
  }
}
