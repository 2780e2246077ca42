package io.ragway.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.ragway.rollout.RolloutConfig;
import io.ragway.rollout.RolloutStore;
import java.io.IOException;
import java.io.PrintWriter;
import java.time.Instant;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

@Command(name = "rollout", mixinStandardHelpOptions = true,
    description = {"The rollouts of ragway.yaml (docs/rollout.md): their state, their arms' latest window figures and",
        "decisions, read from the records database (a server need not run); an operator's promote, rollback",
        "or resume is recorded and audited, and a running server follows it within a second."},
    subcommands = {RolloutCommand.Status.class, RolloutCommand.Promote.class, RolloutCommand.Rollback.class,
        RolloutCommand.Resume.class})
final class RolloutCommand implements Runnable {

  @Spec picocli.CommandLine.Model.CommandSpec spec;

  @Override
  public void run() {
    spec.commandLine().usage(spec.commandLine().getOut());
  }

  @Command(name = "status", mixinStandardHelpOptions = true,
      description = "Each rollout: mode, state, arms, the window figures a server last saw, and the latest decisions.")
  static final class Status implements Callable<Integer> {
    @Mixin CommonOptions common;
    @Spec picocli.CommandLine.Model.CommandSpec spec;

    @Option(names = "--json", description = "Print one JSON object.")
    boolean json;

    @Option(names = "--decisions", defaultValue = "5", description = "Decisions shown per rollout (default: ${DEFAULT-VALUE}).")
    int decisions;

    @Override
    public Integer call() throws IOException {
      ObjectNode out = BenchCommand.JSON.createObjectNode();
      ArrayNode list = out.putArray("rollouts");
      try (Components c = common.components()) {
        RolloutStore store = RolloutStore.sql(c.database().dataSource(), java.time.Clock.systemUTC());
        Map<String, RolloutStore.Stored> states = store.states();
        Set<String> names = new LinkedHashSet<>();
        c.config().rollouts().forEach(r -> names.add(r.name()));
        names.addAll(states.keySet());
        for (String name : names) {
          Optional<RolloutConfig> config = c.config().rollouts().stream().filter(r -> r.name().equals(name)).findFirst();
          RolloutStore.Stored s = states.get(name);
          ObjectNode r = list.addObject().put("name", name).put("configured", config.isPresent());
          config.ifPresent(rc -> {
            r.put("model", rc.model()).put("mode", rc.mode()).put("percent", rc.percent()).put("sticky", rc.sticky());
            r.set("stable", BenchCommand.JSON.valueToTree(rc.stable()));
            r.set("candidate", BenchCommand.JSON.valueToTree(rc.candidate()));
            r.set("rollback", BenchCommand.JSON.valueToTree(rc.rollback()));
          });
          r.put("state", s == null ? "running" : s.state().label()).put("reason", s == null ? "no decision yet" : s.reason());
          if (s != null && s.updated().isAfter(Instant.EPOCH)) {
            r.put("since", s.updated().toString());
          }
          r.set("figures", s == null ? BenchCommand.JSON.createObjectNode() : BenchCommand.JSON.readTree(s.figures()));
          ArrayNode ds = r.putArray("decisions");
          for (RolloutStore.Decision d : store.decisions(name, decisions)) {
            ObjectNode dn = ds.addObject().put("at", d.at().toString()).put("action", d.action()).put("actor", d.actor())
                .put("reason", d.reason());
            dn.set("figures", BenchCommand.JSON.readTree(d.figures()));
          }
        }
      }
      if (json) {
        BenchCommand.print(spec, out, true);
        return Main.OK;
      }
      PrintWriter w = spec.commandLine().getOut();
      if (list.isEmpty()) {
        w.println("no rollouts (add them under rollouts: in ragway.yaml; see docs/rollout.md)");
      }
      for (JsonNode r : list) {
        w.printf("%s%s: %s%s%n", r.get("name").asText(), r.get("configured").asBoolean() ? "" : " (not in ragway.yaml)",
            r.get("state").asText().toUpperCase(Locale.ROOT).replace('_', ' '),
            r.has("since") ? " since " + r.get("since").asText() : "");
        if (r.has("model")) {
          w.printf("  model %s, %s%s, sticky by %s%n", r.get("model").asText(), r.get("mode").asText(),
              r.get("mode").asText().equals("canary") ? " " + fmt(r.get("percent").asDouble()) + "%" : "",
              r.get("sticky").asText());
          w.printf("  stable:    %s%n  candidate: %s%n", arm(r.get("stable")), arm(r.get("candidate")));
          JsonNode rules = r.get("rollback");
          w.printf("  rollback when, over the last %d requests of each arm (at least %d): guard hits +%s points, "
              + "p99 +%s ms, errors above %s%%%n", rules.get("window").asInt(), rules.get("min_requests").asInt(),
              fmt(rules.get("guard_hit_points").asDouble()), fmt(rules.get("p99_ms").asDouble()),
              fmt(rules.get("error_rate").asDouble() * 100));
        }
        w.printf("  reason: %s%n", r.get("reason").asText());
        JsonNode f = r.get("figures");
        if (f.has("stable")) {
          w.printf("  window at %s:%n", f.path("at").asText());
          w.printf("    %-10s %s%n", "stable", figures(f.get("stable")));
          w.printf("    %-10s %s%n", "candidate", figures(f.get("candidate")));
        }
        for (JsonNode d : r.get("decisions")) {
          w.printf("  %s  %-8s by %-12s %s%n", d.get("at").asText(), d.get("action").asText(), d.get("actor").asText(),
              d.get("reason").asText());
        }
      }
      w.flush();
      return Main.OK;
    }

    private static String arm(JsonNode a) {
      String model = a.path("model").asText();
      StringBuilder b = new StringBuilder(model.isEmpty() ? "(as configured)" : model);
      if (!a.path("prompt").asText().isEmpty()) {
        b.append(", prompt ").append(a.get("prompt").asText());
      }
      JsonNode rt = a.path("retrieval");
      if (!rt.path("mode").asText().isEmpty()) {
        b.append(", ").append(rt.get("mode").asText());
      }
      if (rt.path("k").isNumber()) {
        b.append(", k ").append(rt.get("k").asInt());
      }
      return b.toString();
    }

    private static String figures(JsonNode f) {
      int n = f.path("requests").asInt();
      return String.format(Locale.ROOT, "%5d requests  errors %5.1f%%  guard hits %5.1f%%  p99 %6.0f ms", n,
          n == 0 ? 0 : 100.0 * f.path("errors").asInt() / n, n == 0 ? 0 : 100.0 * f.path("guard_hits").asInt() / n,
          f.path("p99_ms").asDouble());
    }
  }

  private static String fmt(double v) {
    return v == Math.rint(v) ? Long.toString((long) v) : Double.toString(v);
  }

  /** What promote, rollback and resume share: the rollout must be configured; the decision is recorded and audited. */
  abstract static class Decide implements Callable<Integer> {
    @Mixin CommonOptions common;
    @Spec picocli.CommandLine.Model.CommandSpec spec;

    @Parameters(paramLabel = "NAME", description = "The rollout's name, as 'rollout status' shows it.")
    String name;

    @Option(names = "--reason", paramLabel = "TEXT", description = "Why, for the records and the audit log.")
    String reason;

    abstract String action();

    abstract RolloutStore.State next();

    @Override
    public Integer call() {
      try (Components c = common.components()) {
        List<String> known = c.config().rollouts().stream().map(RolloutConfig::name).toList();
        if (!known.contains(name)) {
          throw new UsageException("no rollout '" + name + "' in " + common.config + (known.isEmpty() ? " (it has none)"
              : " (known: " + String.join(", ", known) + ")"));
        }
        RolloutStore store = RolloutStore.sql(c.database().dataSource(), java.time.Clock.systemUTC());
        Optional<RolloutStore.Stored> s = store.state(name);
        RolloutStore.State now = s.map(RolloutStore.Stored::state).orElse(RolloutStore.State.RUNNING);
        if (now == next()) {
          spec.commandLine().getErr().println("ragway: rollout " + name + " is already " + now.label() + "; nothing changed");
          return Main.OK;
        }
        String actor = "cli:" + System.getProperty("user.name", "unknown");
        store.decide(new RolloutStore.Decision(name, Instant.now(), action(), actor,
            reason == null || reason.isBlank() ? action() + " by an operator" : reason.strip(),
            s.map(RolloutStore.Stored::figures).orElse("{}")), next());
        spec.commandLine().getErr().println("ragway: rollout " + name + " is now " + next().label()
            + " (a running server follows within a second)");
        return Main.OK;
      }
    }
  }

  @Command(name = "promote", mixinStandardHelpOptions = true,
      description = "Send every request to the candidate (a blue-green switch), until rolled back or resumed.")
  static final class Promote extends Decide {
    @Override
    String action() {
      return "promote";
    }

    @Override
    RolloutStore.State next() {
      return RolloutStore.State.PROMOTED;
    }
  }

  @Command(name = "rollback", mixinStandardHelpOptions = true,
      description = "Send every request to stable, until resumed or promoted.")
  static final class Rollback extends Decide {
    @Override
    String action() {
      return "rollback";
    }

    @Override
    RolloutStore.State next() {
      return RolloutStore.State.ROLLED_BACK;
    }
  }

  @Command(name = "resume", mixinStandardHelpOptions = true,
      description = "Split traffic as configured again, with fresh windows (after a rollback or a promotion).")
  static final class Resume extends Decide {
    @Override
    String action() {
      return "resume";
    }

    @Override
    RolloutStore.State next() {
      return RolloutStore.State.RUNNING;
    }
  }
}
