package io.ragway.store;

import java.time.Instant;

/**
 * A key or tenant has spent its monthly budget: requests that would cost money are refused until
 * the month ends (or the budget is raised). Cache hits and the built-in answerer are still served.
 */
public final class BudgetExceeded extends RuntimeException {

  private static final long serialVersionUID = 1L;

  private final transient Budgets.Scope scope;
  private final String name;
  private final double budgetUsd;
  private final double spentUsd;
  private final transient Instant resets;

  public BudgetExceeded(Budgets.Scope scope, String name, double budgetUsd, double spentUsd, Instant resets) {
    super(String.format(java.util.Locale.ROOT, "You exceeded your current quota: the monthly budget of %s is USD %.2f and "
        + "USD %.4f has been spent this month. It renews at %s; %s.", scope == Budgets.Scope.KEY ? "API key " + name
        : "tenant '" + name + "'", budgetUsd, spentUsd, resets, scope == Budgets.Scope.KEY
        ? "an operator can raise it with 'ragway keys budget " + name + " --usd N'"
        : "an operator can raise it with 'ragway budgets set --tenant " + name + " --usd N'"));
    this.scope = scope;
    this.name = name;
    this.budgetUsd = budgetUsd;
    this.spentUsd = spentUsd;
    this.resets = resets;
  }

  public Budgets.Scope scope() {
    return scope;
  }

  /** The key's id or the tenant's name. */
  public String name() {
    return name;
  }

  public double budgetUsd() {
    return budgetUsd;
  }

  public double spentUsd() {
    return spentUsd;
  }

  /** When the month ends (UTC) and the spend starts again from 0. */
  public Instant resets() {
    return resets;
  }
}
