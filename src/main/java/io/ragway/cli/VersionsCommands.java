package io.ragway.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.ragway.config.JsonMappers;
import io.ragway.store.Stores;
import io.ragway.store.Versions;
import java.io.PrintWriter;
import java.time.Clock;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/**
 * {@code ragway prompts} and {@code ragway guard policies}: the versions stored in the records
 * database, which a server registers when it first starts with them (docs/records.md).
 */
final class VersionsCommands {

  private static final ObjectMapper JSON = JsonMappers.create();

  private VersionsCommands() {}

  @Command(name = "prompts", mixinStandardHelpOptions = true,
      description = {"The prompt template versions answers were made with, as stored in the records database: a server",
          "stores each version of ragway.yaml's prompts (and the built-in v1) the first time it starts with it, and",
          "refuses to start when a stored version's text has changed."},
      subcommands = {ListPrompts.class, ShowPrompt.class})
  static final class Prompts implements Runnable {
    @Spec picocli.CommandLine.Model.CommandSpec spec;

    @Override
    public void run() {
      spec.commandLine().usage(spec.commandLine().getOut());
    }
  }

  @Command(name = "list", mixinStandardHelpOptions = true, description = "List the stored prompt versions.")
  static final class ListPrompts implements Callable<Integer> {
    @Mixin CommonOptions common;
    @Spec picocli.CommandLine.Model.CommandSpec spec;

    @Option(names = "--json", description = "Print one JSON object.")
    boolean json;

    @Override
    public Integer call() {
      return list(common, spec, Versions.Kind.PROMPT, json);
    }
  }

  @Command(name = "show", mixinStandardHelpOptions = true, description = "Show one stored prompt version and its text.")
  static final class ShowPrompt implements Callable<Integer> {
    @Mixin CommonOptions common;
    @Spec picocli.CommandLine.Model.CommandSpec spec;

    @Parameters(paramLabel = "NAME@VERSION", description = "e.g. rag@v2; a bare VERSION means rag's.")
    String which;

    @Option(names = "--json", description = "Print one JSON object.")
    boolean json;

    @Override
    public Integer call() {
      int at = which.indexOf('@');
      String name = at < 0 ? ConfiguredVersions.PROMPT : which.substring(0, at);
      String version = at < 0 ? which : which.substring(at + 1);
      if (name.isBlank() || version.isBlank()) {
        throw new UsageException("give the prompt as NAME@VERSION (e.g. rag@v2), got '" + which + "'");
      }
      return show(common, spec, Versions.Kind.PROMPT, name, version, json);
    }
  }

  @Command(name = "policies", mixinStandardHelpOptions = true,
      description = {"The guard policy versions answers were made with, as stored in the records database (a server",
          "stores each policy of ragway.yaml the first time it starts with it). With VERSION, that policy's rules."})
  static final class Policies implements Callable<Integer> {
    @Mixin CommonOptions common;
    @Spec picocli.CommandLine.Model.CommandSpec spec;

    @Parameters(paramLabel = "VERSION", arity = "0..1", description = "A policy version, e.g. default-1, to show.")
    String version;

    @Option(names = "--json", description = "Print one JSON object.")
    boolean json;

    @Override
    public Integer call() {
      if (version == null) {
        return list(common, spec, Versions.Kind.GUARD_POLICY, json);
      }
      return show(common, spec, Versions.Kind.GUARD_POLICY, null, version, json);
    }
  }

  private static Versions versions(Components c) {
    return Stores.versions(c.database(), Clock.systemUTC(), "cli:" + System.getProperty("user.name", "unknown"));
  }

  private static int list(CommonOptions common, picocli.CommandLine.Model.CommandSpec spec, Versions.Kind kind, boolean json) {
    List<Versions.Version> all;
    try (Components c = common.components()) {
      all = versions(c).list(Optional.of(kind));
    }
    PrintWriter out = spec.commandLine().getOut();
    if (json) {
      ObjectNode root = JSON.createObjectNode();
      ArrayNode rows = root.putArray("versions");
      all.forEach(v -> rows.add(toJson(v, false)));
      out.println(root);
    } else {
      out.printf("%-20s %-20s %-12s  %-27s  %s%n", kind == Versions.Kind.PROMPT ? "NAME" : "SCOPE", "VERSION", "SHA256",
          "CREATED", "BY");
      for (Versions.Version v : all) {
        out.printf("%-20s %-20s %-12s  %-27s  %s%n", v.name(), v.version(), v.sha256().substring(0, 12), v.created(),
            v.createdBy());
      }
      if (all.isEmpty()) {
        spec.commandLine().getErr().println("ragway: none stored yet; 'ragway serve' stores the versions it starts with");
      }
    }
    out.flush();
    return Main.OK;
  }

  /** A guard policy is found by its version alone ({@code name} null): one version means one rule set. */
  private static int show(CommonOptions common, picocli.CommandLine.Model.CommandSpec spec, Versions.Kind kind, String name,
      String version, boolean json) {
    List<Versions.Version> found;
    try (Components c = common.components()) {
      Versions versions = versions(c);
      found = name != null ? versions.find(kind, name, version).stream().toList()
          : versions.list(Optional.of(kind)).stream().filter(v -> v.version().equals(version)).toList();
    }
    if (found.isEmpty()) {
      throw new UsageException("no " + (kind == Versions.Kind.PROMPT ? "prompt " + name + "@" + version
          : "guard policy version '" + version + "'") + " is stored (see 'ragway " + (kind == Versions.Kind.PROMPT
          ? "prompts list" : "guard policies") + "')");
    }
    Versions.Version v = found.get(0);
    PrintWriter out = spec.commandLine().getOut();
    if (json) {
      ObjectNode o = toJson(v, true);
      if (kind == Versions.Kind.GUARD_POLICY) {
        ArrayNode scopes = o.putArray("scopes");
        found.forEach(f -> scopes.add(f.name()));
      }
      out.println(o);
    } else {
      out.printf("%s %s%n", kind == Versions.Kind.PROMPT ? "prompt" : "guard policy",
          kind == Versions.Kind.PROMPT ? v.label() : v.version());
      if (kind == Versions.Kind.GUARD_POLICY) {
        out.printf("scopes:  %s%n", String.join(", ", found.stream().map(Versions.Version::name).toList()));
      }
      out.printf("sha256:  %s%ncreated: %s by %s%n%n", v.sha256(), v.created(), v.createdBy());
      JsonNode content = content(v);
      if (kind == Versions.Kind.PROMPT) {
        out.println(content.path("system").asText());
      } else {
        out.println(content.toPrettyString());
      }
    }
    out.flush();
    return Main.OK;
  }

  private static ObjectNode toJson(Versions.Version v, boolean withContent) {
    ObjectNode o = JSON.createObjectNode().put("kind", v.kind().label()).put("name", v.name()).put("version", v.version())
        .put("sha256", v.sha256()).put("created", v.created().toString()).put("created_by", v.createdBy());
    if (withContent) {
      o.set("content", content(v));
    }
    return o;
  }

  private static JsonNode content(Versions.Version v) {
    try {
      return JSON.readTree(v.content());
    } catch (java.io.IOException e) {
      throw new IllegalStateException("a stored version's content is JSON", e);
    }
  }
}
