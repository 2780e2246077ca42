package io.ragway.store;

import java.time.Instant;
import java.util.List;
import java.util.Locale;
import java.util.Objects;

/**
 * Monthly spending budgets in USD, per API key and per tenant, in the records database. Every
 * change has its audit log entry. The ledger refuses requests that would cost money once the
 * calendar month's (UTC) spend has reached a budget ({@link Ledger#ensureBudget}).
 */
public interface Budgets {

  /** What a budget is for. */
  enum Scope {
    KEY, TENANT;

    /** As stored and shown: {@code key} or {@code tenant}. */
    public String label() {
      return name().toLowerCase(Locale.ROOT);
    }

    static Scope of(String label) {
      return valueOf(label.toUpperCase(Locale.ROOT));
    }
  }

  /**
   * One budget.
   *
   * @param name the key's id, or the tenant's name
   * @param usdPerMonth what may be spent in a calendar month (UTC); 0 allows no paid request
   */
  record Budget(Scope scope, String name, double usdPerMonth, Instant updated) {
    public Budget {
      Objects.requireNonNull(scope, "scope");
      Objects.requireNonNull(name, "name");
      Objects.requireNonNull(updated, "updated");
      requireValid(usdPerMonth);
    }
  }

  /**
   * Sets (or replaces) the budget of a key or tenant.
   *
   * @throws IllegalArgumentException for a negative or non-finite amount, or a key id that does not exist
   */
  Budget set(Scope scope, String name, double usdPerMonth);

  /** Removes a budget; false when there was none. */
  boolean clear(Scope scope, String name);

  /** Every budget, tenants first, then keys, by name. */
  List<Budget> list();

  /** Throws unless {@code usd} is a finite amount >= 0. */
  static void requireValid(double usd) {
    if (!Double.isFinite(usd) || usd < 0) {
      throw new IllegalArgumentException("a budget must be a finite amount of USD >= 0, got " + usd);
    }
  }
}
