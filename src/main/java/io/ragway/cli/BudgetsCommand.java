package io.ragway.cli;

import io.ragway.store.Budgets;
import io.ragway.store.Stores;
import java.time.Clock;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.ArgGroup;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

@Command(name = "budgets", mixinStandardHelpOptions = true,
    description = {"Monthly budgets in USD per tenant (and per key: 'keys budget'), in the records database; every",
        "change is in the audit log. Once a tenant's or key's spend this calendar month (UTC), from the usage",
        "ledger, reaches its budget, its requests that would call an upstream model get 429 insufficient_quota",
        "until the month ends. A running server sees changes within seconds."},
    subcommands = {BudgetsCommand.Set.class, BudgetsCommand.ListBudgets.class})
final class BudgetsCommand implements Runnable {

  @Spec picocli.CommandLine.Model.CommandSpec spec;

  @Override
  public void run() {
    spec.commandLine().usage(spec.commandLine().getOut());
  }

  static Budgets budgets(Components c) {
    return Stores.budgets(c.database(), Clock.systemUTC(), "cli:" + System.getProperty("user.name", "unknown"));
  }

  /** {@code --usd N} or {@code --none}. */
  static final class Amount {
    @Option(names = "--usd", paramLabel = "N", required = true, description = "What may be spent in a calendar month (UTC), in USD.")
    Double usd;

    @Option(names = "--none", required = true, description = "Remove the budget.")
    boolean none;

    void validate() {
      if (usd != null && (!Double.isFinite(usd) || usd < 0)) {
        throw new UsageException("--usd must be an amount >= 0, got " + usd);
      }
    }
  }

  @Command(name = "set", mixinStandardHelpOptions = true, description = "Set or remove a tenant's monthly budget.")
  static final class Set implements Callable<Integer> {
    @Mixin CommonOptions common;
    @Spec picocli.CommandLine.Model.CommandSpec spec;

    @ArgGroup(exclusive = true, multiplicity = "1")
    Amount amount;

    @Override
    public Integer call() {
      amount.validate();
      String tenant;
      try (Components c = common.components()) {
        tenant = c.config().tenant(); // --tenant, else ragway.yaml's tenant
        Budgets budgets = budgets(c);
        if (amount.none) {
          boolean had = budgets.clear(Budgets.Scope.TENANT, tenant);
          spec.commandLine().getErr().println("ragway: tenant '" + tenant + "'" + (had ? " has no budget now" : " had no budget"));
          return Main.OK;
        }
        budgets.set(Budgets.Scope.TENANT, tenant, amount.usd);
      }
      spec.commandLine().getErr().printf("ragway: tenant '%s' may spend USD %.2f a month%n", tenant, amount.usd);
      return Main.OK;
    }
  }

  @Command(name = "list", mixinStandardHelpOptions = true, description = "List the budgets of tenants and keys.")
  static final class ListBudgets implements Callable<Integer> {
    @Mixin CommonOptions common;
    @Spec picocli.CommandLine.Model.CommandSpec spec;

    @Override
    public Integer call() {
      List<Budgets.Budget> all;
      try (Components c = common.components()) {
        all = budgets(c).list();
      }
      var out = spec.commandLine().getOut();
      out.printf("%-8s %-24s %14s  %s%n", "SCOPE", "NAME", "USD/MONTH", "UPDATED");
      for (Budgets.Budget b : all) {
        out.printf("%-8s %-24s %14.2f  %s%n", b.scope().label(), b.name(), b.usdPerMonth(), b.updated());
      }
      out.flush();
      return Main.OK;
    }
  }
}
