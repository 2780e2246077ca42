package io.ragway.store;

import io.ragway.testkit.FakeClock;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.UUID;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Monthly budgets over the ledger: running totals, the exact boundary, key and tenant, month rollover, restart. */
class BudgetedLedgerTest {

  @TempDir Path dir;
  Database db;
  FakeClock clock = new FakeClock(Instant.parse("2026-11-30T23:59:00Z"));
  Budgets budgets;
  BudgetedLedger ledger;
  ApiKeys keys;

  @BeforeEach
  void open() {
    db = Database.open("", "", "", 4, dir);
    budgets = Stores.budgets(db, clock, "test");
    keys = Stores.apiKeys(db, dir, clock, "test");
    ledger = open(false);
  }

  private BudgetedLedger open(boolean shared) {
    return new BudgetedLedger(JournaledLedger.open(dir.resolve("ledger"), db.dataSource(), 1 << 30), db.dataSource(), clock,
        shared, Duration.ZERO);
  }

  @AfterEach
  void close() {
    ledger.close();
    db.close();
  }

  private void spend(String key, String tenant, double usd) {
    ledger.record(new UsageEvent(UUID.randomUUID().toString(), "r", clock.instant(), key, tenant, "m", "m", 10, 2, usd,
        "miss", false, 200, 1, 1));
  }

  @Test
  void aKeyIsRefusedOnceItsSpendReachesItsBudgetExactly() {
    String key = keys.create("acme", "", List.of(), 0, 0).key().id();
    budgets.set(Budgets.Scope.KEY, key, 0.50);
    ledger.refresh(false);
    spend(key, "acme", 0.25);
    spend(key, "acme", 0.2499);
    ledger.ensureBudget(key, "acme"); // 0.4999 < 0.50
    spend(key, "acme", 0.0001);
    BudgetExceeded e = assertThrows(BudgetExceeded.class, () -> ledger.ensureBudget(key, "acme"));
    assertEquals(Budgets.Scope.KEY, e.scope());
    assertEquals(0.50, e.spentUsd(), 1e-12);
    assertEquals(Instant.parse("2026-12-01T00:00:00Z"), e.resets());
    assertTrue(e.getMessage().contains("ragway keys budget " + key), e.getMessage());
    ledger.ensureBudget("other", "acme"); // another key of the tenant is not limited by it
  }

  @Test
  void aTenantBudgetCountsEveryKeyOfTheTenant() {
    budgets.set(Budgets.Scope.TENANT, "acme", 1.0);
    ledger.refresh(false);
    spend("k1", "acme", 0.6);
    spend("k2", "acme", 0.3);
    spend("k3", "globex", 5.0);
    ledger.ensureBudget("k1", "acme");
    spend("k2", "acme", 0.1);
    BudgetExceeded e = assertThrows(BudgetExceeded.class, () -> ledger.ensureBudget("k3", "acme"));
    assertEquals(Budgets.Scope.TENANT, e.scope());
    assertEquals("acme", e.name());
    ledger.ensureBudget("k3", "globex"); // no budget
  }

  @Test
  void aZeroBudgetRefusesAtOnceAndFreeEventsSpendNothing() {
    budgets.set(Budgets.Scope.TENANT, "acme", 0);
    budgets.set(Budgets.Scope.TENANT, "globex", 0.01);
    ledger.refresh(false);
    assertThrows(BudgetExceeded.class, () -> ledger.ensureBudget("k", "acme"));
    for (int i = 0; i < 100; i++) {
      spend("k", "globex", 0); // cache hits
    }
    ledger.ensureBudget("k", "globex");
  }

  @Test
  void theMonthsEndStartsAFreshTotal() {
    budgets.set(Budgets.Scope.TENANT, "acme", 1.0);
    ledger.refresh(false);
    spend("k", "acme", 1.0);
    assertThrows(BudgetExceeded.class, () -> ledger.ensureBudget("k", "acme"));
    clock.set(Instant.parse("2026-11-30T23:59:59.999Z"));
    assertThrows(BudgetExceeded.class, () -> ledger.ensureBudget("k", "acme"));
    clock.set(Instant.parse("2026-12-01T00:00:00Z"));
    ledger.ensureBudget("k", "acme");
    assertEquals(0, ledger.spent(Budgets.Scope.TENANT, "acme"));
    spend("k", "acme", 0.4);
    assertEquals(0.4, ledger.spent(Budgets.Scope.TENANT, "acme"), 1e-12);
  }

  @Test
  void aRestartReadsTheMonthsSpendBackFromTheLedger() throws Exception {
    budgets.set(Budgets.Scope.TENANT, "acme", 1.0);
    spend("k", "acme", 0.7);
    spend("k", "acme", 0.3);
    ledger.close();
    ledger = open(false); // waits for the journal to drain, then reads the sums
    assertEquals(1.0, ledger.spent(Budgets.Scope.TENANT, "acme"), 1e-12);
    assertThrows(BudgetExceeded.class, () -> ledger.ensureBudget("k", "acme"));
  }

  @Test
  void aSharedRebuildCountsEveryEventOnceWhetherDrainedOrNot() throws Exception {
    ledger.close();
    ledger = open(true);
    for (int i = 0; i < 50; i++) {
      spend("k", "acme", 0.01);
      if (i % 7 == 0) {
        ledger.refresh(false); // rebuilds from the database plus what is not drained yet
      }
    }
    assertTrue(ledger.awaitDrained(Duration.ofSeconds(10)));
    ledger.refresh(false);
    assertEquals(0.5, ledger.spent(Budgets.Scope.TENANT, "acme"), 1e-9);
    // another replica's spend, written straight to the database, shows at the next refresh
    try (var c = db.dataSource().getConnection(); var s = c.prepareStatement("INSERT INTO usage_events (event_id, request_id, "
        + "at, key_id, tenant, model, backend, prompt_tokens, completion_tokens, cost_usd, cache, stream, status, latency_ms, "
        + "attempts) VALUES ('other', 'r', ?, 'k9', 'acme', 'm', 'm', 1, 1, 0.25, 'miss', 0, 200, 1, 1)")) {
      s.setString(1, SqlTimes.format(clock.instant()));
      s.executeUpdate();
    }
    ledger.refresh(false);
    assertEquals(0.75, ledger.spent(Budgets.Scope.TENANT, "acme"), 1e-9);
  }

  @Test
  void budgetsAreAuditedAndValidated() {
    String key = keys.create("acme", "", List.of(), 0, 0).key().id();
    budgets.set(Budgets.Scope.KEY, key, 2);
    budgets.set(Budgets.Scope.KEY, key, 3);
    budgets.set(Budgets.Scope.TENANT, "acme", 10);
    assertTrue(budgets.clear(Budgets.Scope.KEY, key));
    assertFalse(budgets.clear(Budgets.Scope.KEY, key));
    assertThrows(IllegalArgumentException.class, () -> budgets.set(Budgets.Scope.KEY, "nokey", 1));
    assertThrows(IllegalArgumentException.class, () -> budgets.set(Budgets.Scope.TENANT, "acme", -1));
    assertThrows(IllegalArgumentException.class, () -> budgets.set(Budgets.Scope.TENANT, "acme", Double.NaN));
    assertEquals(List.of(new Budgets.Budget(Budgets.Scope.TENANT, "acme", 10, clock.instant())), budgets.list());
    List<String> actions = Stores.auditLog(db).recent(10).stream().map(a -> a.action() + " " + a.target()).toList();
    assertEquals(List.of("budget.clear key:" + key, "budget.set tenant:acme", "budget.set key:" + key,
        "budget.set key:" + key, "key.create " + key), actions);
  }
}
