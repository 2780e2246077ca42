package io.ragway.cli;

import io.ragway.store.ApiKeys;
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
        "Only a hash of each key is stored (keys.json in the data directory); a running server sees changes",
        "within a second."},
    subcommands = {KeysCommand.Create.class, KeysCommand.ListKeys.class, KeysCommand.Revoke.class})
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

    @Option(names = "--group", paramLabel = "GROUP", description = "ACL group of the key (repeatable).")
    List<String> groups = new ArrayList<>();

    @Option(names = "--rpm", defaultValue = "0", description = "Requests per minute; 0 for no limit (default: ${DEFAULT-VALUE}).")
    long rpm;

    @Option(names = "--tpm", defaultValue = "0", description = "Tokens per minute; 0 for no limit (default: ${DEFAULT-VALUE}).")
    long tpm;

    @Override
    public Integer call() {
      if (rpm < 0 || tpm < 0) {
        spec.commandLine().getErr().println("ragway: --rpm and --tpm must be >= 0 (0 means no limit)");
        return Main.USAGE;
      }
      Components c = common.components();
      String tenant = c.config().tenant(); // --tenant, else ragway.yaml's tenant
      ApiKeys.Created created = c.keys().create(tenant, name, groups, rpm, tpm);
      var out = spec.commandLine().getOut();
      out.println(created.secret());
      out.flush();
      var err = spec.commandLine().getErr();
      err.printf("ragway: key %s for tenant '%s' (rpm %s, tpm %s); store it now, it is not kept%n", created.key().id(),
          tenant, rpm == 0 ? "unlimited" : rpm, tpm == 0 ? "unlimited" : tpm);
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
      out.printf("%-14s %-16s %-12s %8s %10s  %-8s %s%n", "ID", "TENANT", "NAME", "RPM", "TPM", "STATE", "CREATED");
      for (ApiKeys.Key k : common.components().keys().list()) {
        out.printf("%-14s %-16s %-12s %8d %10d  %-8s %s%n", k.id(), k.tenant(), k.name(), k.rpm(), k.tpm(),
            k.revoked() ? "revoked" : "active", k.created());
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
      if (!common.components().keys().revoke(id)) {
        spec.commandLine().getErr().println("ragway: no key with id '" + id + "'");
        return Main.FAILURE;
      }
      spec.commandLine().getErr().println("ragway: key " + id + " revoked");
      return Main.OK;
    }
  }
}
