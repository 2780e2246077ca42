package io.ragway.cli;

import io.ragway.store.ApiKeys;
import io.ragway.store.Budgets;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

@Command(name = "keys", mixinStandardHelpOptions = true,
    description = {"API keys of the server: each maps to a tenant (and ACL groups) and carries its own rate limits.",
        "Only a hash of each key is stored, in the records database (docs/records.md); every change is in the",
        "audit log ('ragway db audit'); a running server sees changes within a second."},
    subcommands = {KeysCommand.Create.class, KeysCommand.ListKeys.class, KeysCommand.Revoke.class, KeysCommand.Rotate.class,
        KeysCommand.Budget.class})
final class KeysCommand implements Runnable {

  @Spec picocli.CommandLine.Model.CommandSpec spec;

  @Override
  public void run() {
    spec.commandLine().usage(spec.commandLine().getOut());
  }

  @Command(name = "create", mixinStandardHelpOptions = true,
      description = {"Create a key for --tenant (default: tenant from ragway.yaml) and print it once; it cannot be",
          "shown again."})
  static final class Create implements Callable<Integer> {
    @Mixin CommonOptions common;
    @Spec picocli.CommandLine.Model.CommandSpec spec;

    @Option(names = "--name", defaultValue = "", description = "A label to recognise the key by.")
    String name;

    @Option(names = {"--groups", "--group"}, split = ",", paramLabel = "GROUP",
        description = "ACL groups of the key (comma-separated or repeated): it reads the tenant's public documents and those of these groups.")
    List<String> groups = new ArrayList<>();

    @Option(names = "--rpm", defaultValue = "0", description = "Requests per minute; 0 for no limit (default: ${DEFAULT-VALUE}).")
    long rpm;

    @Option(names = "--tpm", defaultValue = "0", description = "Tokens per minute; 0 for no limit (default: ${DEFAULT-VALUE}).")
    long tpm;

    @Option(names = "--budget-usd", paramLabel = "USD",
        description = "What the key may spend in a calendar month (UTC), in USD; none by default (see 'keys budget').")
    Double budgetUsd;

    @Override
    public Integer call() {
      if (rpm < 0 || tpm < 0) {
        spec.commandLine().getErr().println("ragway: --rpm and --tpm must be >= 0 (0 means no limit)");
        return Main.USAGE;
      }
      if (budgetUsd != null && (!Double.isFinite(budgetUsd) || budgetUsd < 0)) {
        throw new UsageException("--budget-usd must be an amount >= 0, got " + budgetUsd);
      }
      String tenant;
      ApiKeys.Created created;
      try (Components c = common.components()) {
        tenant = c.config().tenant(); // --tenant, else ragway.yaml's tenant
        created = c.keys().create(tenant, name, groups, rpm, tpm);
        if (budgetUsd != null) {
          BudgetsCommand.budgets(c).set(Budgets.Scope.KEY, created.key().id(), budgetUsd);
        }
      }
      var out = spec.commandLine().getOut();
      out.println(created.secret());
      out.flush();
      var err = spec.commandLine().getErr();
      err.printf("ragway: key %s for tenant '%s'%s (rpm %s, tpm %s); store it now, it is not kept%n", created.key().id(),
          tenant, created.key().groups().isEmpty() ? "" : ", groups " + String.join(",", created.key().groups()),
          rpm == 0 ? "unlimited" : rpm, tpm == 0 ? "unlimited" : tpm);
      if (budgetUsd != null) {
        err.printf("ragway: key %s may spend USD %.2f a month%n", created.key().id(), budgetUsd);
      }
      err.flush();
      return Main.OK;
    }
  }

  @Command(name = "list", mixinStandardHelpOptions = true, description = "List the keys (ids and limits, never secrets).")
  static final class ListKeys implements Callable<Integer> {
    @Mixin CommonOptions common;
    @Spec picocli.CommandLine.Model.CommandSpec spec;

    @Override
    public Integer call() {
      var out = spec.commandLine().getOut();
      out.printf("%-14s %-16s %-12s %8s %10s  %-8s %-24s %s%n", "ID", "TENANT", "NAME", "RPM", "TPM", "STATE", "CREATED", "GROUPS");
      List<ApiKeys.Key> all;
      try (Components c = common.components()) {
        all = c.keys().list();
      }
      for (ApiKeys.Key k : all) {
        out.printf("%-14s %-16s %-12s %8d %10d  %-8s %-24s %s%n", k.id(), k.tenant(), k.name(), k.rpm(), k.tpm(),
            k.revoked() ? "revoked" : "active", k.created(), String.join(",", k.groups()));
      }
      out.flush();
      return Main.OK;
    }
  }

  @Command(name = "revoke", mixinStandardHelpOptions = true, description = "Revoke a key by its id.")
  static final class Revoke implements Callable<Integer> {
    @Mixin CommonOptions common;
    @Spec picocli.CommandLine.Model.CommandSpec spec;

    @Parameters(paramLabel = "ID", description = "The key's id, as 'keys list' shows it.")
    String id;

    @Override
    public Integer call() {
      boolean found;
      try (Components c = common.components()) {
        found = c.keys().revoke(id);
      }
      if (!found) {
        spec.commandLine().getErr().println("ragway: no key with id '" + id + "'");
        return Main.FAILURE;
      }
      spec.commandLine().getErr().println("ragway: key " + id + " revoked");
      return Main.OK;
    }
  }

  @Command(name = "rotate", mixinStandardHelpOptions = true,
      description = {"Give a key a new secret and print it once; the key keeps its id, tenant, groups and limits, and",
          "the old secret stops working (within a second on a running server)."})
  static final class Rotate implements Callable<Integer> {
    @Mixin CommonOptions common;
    @Spec picocli.CommandLine.Model.CommandSpec spec;

    @Parameters(paramLabel = "ID", description = "The key's id, as 'keys list' shows it.")
    String id;

    @Override
    public Integer call() {
      java.util.Optional<ApiKeys.Created> rotated;
      try (Components c = common.components()) {
        rotated = c.keys().rotate(id);
      }
      if (rotated.isEmpty()) {
        spec.commandLine().getErr().println("ragway: no active key with id '" + id + "'");
        return Main.FAILURE;
      }
      spec.commandLine().getOut().println(rotated.get().secret());
      spec.commandLine().getOut().flush();
      spec.commandLine().getErr().println("ragway: key " + id + " has a new secret; store it now, it is not kept");
      return Main.OK;
    }
  }

  @Command(name = "budget", mixinStandardHelpOptions = true,
      description = {"Set or remove a key's monthly budget in USD. Once the key's spend this calendar month (UTC)",
          "reaches it, its requests that would call an upstream model get 429 insufficient_quota until the month",
          "ends; cache hits and the built-in answerer are still served. A running server sees it within seconds."})
  static final class Budget implements Callable<Integer> {
    @Mixin CommonOptions common;
    @Spec picocli.CommandLine.Model.CommandSpec spec;

    @Parameters(paramLabel = "ID", description = "The key's id, as 'keys list' shows it.")
    String id;

    @picocli.CommandLine.ArgGroup(exclusive = true, multiplicity = "1")
    BudgetsCommand.Amount amount;

    @Override
    public Integer call() {
      amount.validate();
      try (Components c = common.components()) {
        Budgets budgets = BudgetsCommand.budgets(c);
        if (amount.none) {
          boolean had = budgets.clear(Budgets.Scope.KEY, id);
          spec.commandLine().getErr().println("ragway: key " + id + (had ? " has no budget now" : " had no budget"));
          return Main.OK;
        }
        if (c.keys().list().stream().noneMatch(k -> k.id().equals(id))) {
          spec.commandLine().getErr().println("ragway: no key with id '" + id + "'");
          return Main.FAILURE;
        }
        budgets.set(Budgets.Scope.KEY, id, amount.usd);
      }
      spec.commandLine().getErr().printf("ragway: key %s may spend USD %.2f a month%n", id, amount.usd);
      return Main.OK;
    }
  }
}
