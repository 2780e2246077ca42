package io.ragway.store;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.YearMonth;
import java.time.ZoneOffset;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.LongAdder;
import java.util.concurrent.locks.ReentrantReadWriteLock;
import javax.sql.DataSource;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The ledger with monthly budgets: each key's and tenant's spend in the current calendar month
 * (UTC) is a running total in memory, so {@link #ensureBudget} is two map look-ups. The totals are
 * loaded from the database at start and when the month changes, and grow as events are recorded,
 * so what is in the journal and not yet in the database counts at once.
 *
 * <p>With {@code shared} (replicas on one PostgreSQL) the totals are rebuilt from the database on
 * every refresh: the database's sums plus this process's events it does not have yet. The budgets
 * themselves are read again on every refresh, so a change made with the CLI takes effect within
 * one refresh interval.
 *
 * <p>A rebuild counts an event either from the database or from {@code pending} (this process's
 * recorded events), never neither: pending entries are dropped only once drained before the
 * rebuild's query started. An event drained while the query runs may be counted twice until the
 * next rebuild, which errs towards refusing early rather than overspending.
 */
final class BudgetedLedger implements Ledger {

  private static final Logger LOG = LoggerFactory.getLogger(BudgetedLedger.class);

  /** What one month's totals and the budgets are, as of the last refresh. */
  private record State(YearMonth month, Map<String, Double> keyBudgets, Map<String, Double> tenantBudgets,
      Map<String, LongAdder> keySpend, Map<String, LongAdder> tenantSpend) {}

  /** An event this process recorded, until a rebuild finds it in the database. */
  private static final class Pending {
    final String keyId;
    final String tenant;
    final long cost; // nano-USD
    final YearMonth month;
    volatile long drainedAt = -1; // System.nanoTime() once the database has it

    Pending(UsageEvent e) {
      this.keyId = e.keyId();
      this.tenant = e.tenant();
      this.cost = nanos(e.costUsd());
      this.month = month(e.at());
    }
  }

  private final Ledger delegate;
  private final DataSource db;
  private final Clock clock;
  private final boolean shared;
  private final Map<String, Pending> pending = new ConcurrentHashMap<>();
  private final ReentrantReadWriteLock lock = new ReentrantReadWriteLock();
  private final Thread refresher;
  private volatile State state;
  private volatile boolean rebuildNeeded;
  private volatile boolean closed;

  /**
   * @param shared whether other processes write the same database (rebuild the totals on every refresh)
   * @param every how often budgets (and, when shared, the totals) are read again; zero for never
   *     (tests call {@link #refresh})
   */
  BudgetedLedger(JournaledLedger delegate, DataSource db, Clock clock, boolean shared, Duration every) {
    this.delegate = delegate;
    this.db = db;
    this.clock = clock;
    this.shared = shared;
    delegate.onDrained(this::drained);
    try {
      // what an earlier run left in the journal must be in the sums read below
      rebuildNeeded = !delegate.awaitDrained(Duration.ofSeconds(10));
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      rebuildNeeded = true;
    }
    this.state = new State(month(clock.instant()), Map.of(), Map.of(), new ConcurrentHashMap<>(), new ConcurrentHashMap<>());
    try {
      refresh(true);
    } catch (DatabaseException e) { // the journal still takes events; budgets apply once the database answers
      rebuildNeeded = true;
      LOG.warn("budgets are not enforced until the records database answers: {}", e.getMessage());
    }
    this.refresher = every.isZero() ? null : Thread.ofPlatform().daemon().name("ragway-budgets").start(() -> {
      while (!closed) {
        try {
          Thread.sleep(every.toMillis());
          refresh(false);
        } catch (InterruptedException e) {
          return;
        } catch (RuntimeException e) {
          LOG.warn("cannot refresh budgets: {}", e.getMessage());
        }
      }
    });
  }

  private static YearMonth month(Instant t) {
    return YearMonth.from(t.atOffset(ZoneOffset.UTC));
  }

  @Override
  public void record(UsageEvent e) {
    delegate.record(e); // throws when it is not recorded: then it is not spent either
    if (e.costUsd() <= 0) {
      return;
    }
    lock.readLock().lock();
    try {
      Pending p = new Pending(e);
      pending.put(e.eventId(), p);
      State s = state;
      if (p.month.equals(s.month())) {
        s.keySpend().computeIfAbsent(e.keyId(), k -> new LongAdder()).add(p.cost);
        s.tenantSpend().computeIfAbsent(e.tenant(), k -> new LongAdder()).add(p.cost);
      }
    } finally {
      lock.readLock().unlock();
    }
  }

  private void drained(List<UsageEvent> events) {
    long now = System.nanoTime();
    for (UsageEvent e : events) {
      Pending p = pending.get(e.eventId());
      if (p != null) {
        p.drainedAt = now;
      }
    }
  }

  @Override
  public void ensureBudget(String keyId, String tenant) {
    State s = state;
    Instant now = clock.instant();
    if (!month(now).equals(s.month())) {
      rollOver(month(now));
      s = state;
    }
    check(s, Budgets.Scope.KEY, keyId, s.keyBudgets(), s.keySpend());
    check(s, Budgets.Scope.TENANT, tenant, s.tenantBudgets(), s.tenantSpend());
  }

  /** A new month: its totals start from what the database has for it (once, whoever asks first). */
  private synchronized void rollOver(YearMonth month) {
    if (!state.month().equals(month)) {
      refresh(true);
    }
  }

  private static void check(State s, Budgets.Scope scope, String name, Map<String, Double> budgets,
      Map<String, LongAdder> spend) {
    Double budget = budgets.get(name);
    if (budget == null) {
      return;
    }
    LongAdder spent = spend.get(name);
    long total = spent == null ? 0 : spent.sum();
    if (total >= nanos(budget)) {
      throw new BudgetExceeded(scope, name, budget, total / 1e9,
          s.month().plusMonths(1).atDay(1).atStartOfDay().toInstant(ZoneOffset.UTC));
    }
  }

  /** This month's spend of a key or tenant as the running totals have it, for tests and reports. */
  double spent(Budgets.Scope scope, String name) {
    LongAdder a = (scope == Budgets.Scope.KEY ? state.keySpend() : state.tenantSpend()).get(name);
    return a == null ? 0 : a.sum() / 1e9;
  }

  /*
   * Spend is counted in whole nano-dollars, so sums are exact and a budget is reached exactly
   * when the events add up to it (0.6 + 0.3 + 0.1 in doubles is less than 1.0).
   */
  private static long nanos(double usd) {
    return Math.round(usd * 1e9);
  }

  /**
   * Reads the budgets again and, when {@code rebuild}, shared, the month changed, or an earlier
   * rebuild could not see everything, the month's totals from the database.
   */
  synchronized void refresh(boolean rebuild) {
    YearMonth month = month(clock.instant());
    Map<String, Double> keyBudgets = new HashMap<>();
    Map<String, Double> tenantBudgets = new HashMap<>();
    for (Budgets.Budget b : SqlBudgets.read(db)) {
      (b.scope() == Budgets.Scope.KEY ? keyBudgets : tenantBudgets).put(b.name(), b.usdPerMonth());
    }
    boolean full = rebuild || shared || rebuildNeeded || !month.equals(state.month());
    if (!full) {
      lock.writeLock().lock();
      try {
        State s = state;
        state = new State(s.month(), Map.copyOf(keyBudgets), Map.copyOf(tenantBudgets), s.keySpend(), s.tenantSpend());
        pending.values().removeIf(p -> p.drainedAt >= 0); // in the database, where a later rebuild finds it
      } finally {
        lock.writeLock().unlock();
      }
      return;
    }
    boolean sawAll = delegate.status().backlogBytes() == 0; // nothing replayed from an earlier run can be missing
    long queried = System.nanoTime();
    Map<String, LongAdder> keySpend = new ConcurrentHashMap<>();
    Map<String, LongAdder> tenantSpend = new ConcurrentHashMap<>();
    sums(month, "key_id", keySpend);
    sums(month, "tenant", tenantSpend);
    lock.writeLock().lock();
    try {
      pending.values().removeIf(p -> p.drainedAt >= 0 && p.drainedAt < queried);
      for (Pending p : pending.values()) {
        if (p.month.equals(month)) {
          keySpend.computeIfAbsent(p.keyId, k -> new LongAdder()).add(p.cost);
          tenantSpend.computeIfAbsent(p.tenant, k -> new LongAdder()).add(p.cost);
        }
      }
      pending.values().removeIf(p -> p.month.isBefore(month));
      state = new State(month, Map.copyOf(keyBudgets), Map.copyOf(tenantBudgets), keySpend, tenantSpend);
      if (sawAll) {
        rebuildNeeded = false;
      }
    } finally {
      lock.writeLock().unlock();
    }
  }

  private void sums(YearMonth month, String column, Map<String, LongAdder> into) {
    Instant from = month.atDay(1).atStartOfDay().toInstant(ZoneOffset.UTC);
    Instant to = month.plusMonths(1).atDay(1).atStartOfDay().toInstant(ZoneOffset.UTC);
    try (Connection c = db.getConnection(); PreparedStatement s = c.prepareStatement("SELECT " + column
        + ", SUM(cost_usd) FROM usage_events WHERE at >= ? AND at < ? GROUP BY " + column)) {
      s.setString(1, SqlTimes.format(from));
      s.setString(2, SqlTimes.format(to));
      try (ResultSet r = s.executeQuery()) {
        while (r.next()) {
          LongAdder a = new LongAdder();
          a.add(nanos(r.getDouble(2)));
          into.put(r.getString(1), a);
        }
      }
    } catch (SQLException e) {
      rebuildNeeded = true;
      throw new DatabaseException("cannot read this month's spend from the usage ledger: " + e.getMessage(), e);
    }
  }

  @Override
  public Status status() {
    return delegate.status();
  }

  @Override
  public void ensureCapacity() {
    delegate.ensureCapacity();
  }

  @Override
  public boolean awaitDrained(Duration timeout) throws InterruptedException {
    return delegate.awaitDrained(timeout);
  }

  @Override
  public void close() {
    closed = true;
    if (refresher != null) {
      refresher.interrupt();
    }
    delegate.close();
  }
}
