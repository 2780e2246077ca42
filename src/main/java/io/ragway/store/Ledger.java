package io.ragway.store;

import java.time.Duration;

/**
 * The usage ledger: an event per answered request, durable once {@link #record} returns, in the
 * records database soon after.
 */
public interface Ledger extends AutoCloseable {

  /**
   * How far the database is behind the journal.
   *
   * @param backlogBytes journal bytes not yet in the database
   * @param databaseOk whether the last write to the database succeeded
   * @param lastError why it did not, or empty
   * @param fsyncFailures journal fsyncs that failed after their events were answered ({@code ledger.sync: os})
   */
  record Status(long backlogBytes, boolean databaseOk, String lastError, long eventsWritten, long fsyncFailures) {}

  /**
   * Records an event; returns once it is on disk in the journal (with {@code ledger.sync: os}, once it
   * is written to the journal file).
   *
   * @throws LedgerFull when the database has been unreachable so long that the journal's backlog
   *     is at its bound: the request should be refused rather than served unrecorded
   * @throws DatabaseException when the journal cannot be written
   */
  void record(UsageEvent event);

  Status status();

  /** Throws {@link LedgerFull} when {@link #record} would; checked before work that would need recording. */
  void ensureCapacity();

  /**
   * Throws {@link BudgetExceeded} when key {@code keyId} or {@code tenant} has spent its monthly
   * budget; checked before a request that would cost money (an upstream call). A ledger without
   * budgets never throws.
   */
  default void ensureBudget(String keyId, String tenant) {}

  /** A ledger that keeps nothing, for benchmarks that measure without one. */
  static Ledger none() {
    return new Ledger() {
      @Override
      public void record(UsageEvent event) {}

      @Override
      public Status status() {
        return new Status(0, true, "", 0, 0);
      }

      @Override
      public void ensureCapacity() {}

      @Override
      public boolean awaitDrained(Duration timeout) {
        return true;
      }

      @Override
      public void close() {}
    };
  }

  /** Waits until everything recorded so far is in the database, or {@code timeout} passes; whether it got there. */
  boolean awaitDrained(Duration timeout) throws InterruptedException;

  @Override
  void close();

  /** The journal's backlog is at its bound. */
  final class LedgerFull extends RuntimeException {
    private static final long serialVersionUID = 1L;

    public LedgerFull(String message) {
      super(message);
    }
  }
}
