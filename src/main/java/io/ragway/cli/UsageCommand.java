package io.ragway.cli;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.ragway.store.Stores;
import io.ragway.store.UsageReport;
import java.io.IOException;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.Callable;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

@Command(name = "usage", mixinStandardHelpOptions = true,
    description = {"What was used, from the usage ledger: requests, prompt and completion tokens, cost in USD and",
        "cache hits of the answered requests, per tenant, model, key or backend; '--by status' counts every",
        "event (answered and failed requests, failed upstream attempts) by kind and status; '--attempts' lists",
        "the failed upstream attempts. Events a stopped server left in its journal are taken into the database first."})
final class UsageCommand implements Callable<Integer> {

  private static final Pattern SINCE = Pattern.compile("(\\d+)([mhdw])");

  @Mixin CommonOptions common;
  @Spec picocli.CommandLine.Model.CommandSpec spec;

  @Option(names = "--since", defaultValue = "7d", paramLabel = "AGE",
      description = "How far back: 90m, 24h, 7d, 4w, or an ISO time such as 2026-11-01T00:00:00Z (default: ${DEFAULT-VALUE}).")
  String since;

  @Option(names = "--by", defaultValue = "tenant", description = "tenant, model, key, backend or status (default: ${DEFAULT-VALUE}).")
  String by;

  @Option(names = "--attempts", description = "List the failed upstream attempts, newest first, instead of sums.")
  boolean attempts;

  @Option(names = "--limit", defaultValue = "50", description = "At most this many attempts with --attempts (default: ${DEFAULT-VALUE}).")
  int limit;

  @Option(names = "--json", description = "Print one JSON object.")
  boolean json;

  @Override
  public Integer call() throws IOException, InterruptedException {
    UsageReport.By group;
    try {
      group = UsageReport.By.parse(by);
    } catch (IllegalArgumentException e) {
      throw new UsageException(e.getMessage());
    }
    Instant from = parseSince(since, Instant.now());
    if (limit < 1) {
      throw new UsageException("--limit must be >= 1, got " + limit);
    }
    List<UsageReport.Row> rows;
    List<UsageReport.Attempt> failed = List.of();
    try (Components c = common.components()) {
      // a server that is running drains its own journal; otherwise this takes what is left
      Stores.Leftover leftover = Stores.drainLeftoverJournal(c.database(), c.config().dataPath(), Duration.ofSeconds(30));
      if (!leftover.serverRunning() && !leftover.drained()) {
        spec.commandLine().getErr().println("ragway: the usage journal could not be taken into the database ("
            + leftover.lastError() + "); figures may be short");
      }
      rows = UsageReport.since(c.database(), from, group);
      if (attempts) {
        failed = UsageReport.attempts(c.database(), from, limit);
      }
    }
    if (attempts) {
      return printAttempts(from, failed);
    }
    if (json) {
      ObjectNode out = BenchCommand.JSON.createObjectNode().put("since", from.toString()).put("by", group.name().toLowerCase(Locale.ROOT));
      ArrayNode arr = out.putArray("rows");
      rows.forEach(r -> arr.add(BenchCommand.JSON.valueToTree(r)));
      BenchCommand.print(spec, out, true);
      return Main.OK;
    }
    var out = spec.commandLine().getOut();
    out.printf("since %s, by %s%n", from, group.name().toLowerCase(Locale.ROOT));
    out.printf("%-24s %9s %14s %12s %14s %12s %10s%n", group.name().toLowerCase(Locale.ROOT), "requests", "prompt tok",
        "cached tok", "completion tok", "cost USD", "cache hits");
    long n = 0;
    long p = 0;
    long k = 0;
    long cached = 0;
    double cost = 0;
    long hits = 0;
    for (UsageReport.Row r : rows) {
      out.printf("%-24s %9d %14d %12d %14d %12.6f %10d%n", r.group(), r.requests(), r.promptTokens(), r.cachedTokens(),
          r.completionTokens(), r.costUsd(), r.cacheHits());
      n += r.requests();
      p += r.promptTokens();
      k += r.completionTokens();
      cached += r.cachedTokens();
      cost += r.costUsd();
      hits += r.cacheHits();
    }
    out.printf("%-24s %9d %14d %12d %14d %12.6f %10d%n", "total", n, p, cached, k, cost, hits);
    out.flush();
    return Main.OK;
  }

  private int printAttempts(Instant from, List<UsageReport.Attempt> failed) throws IOException {
    if (json) {
      ObjectNode out = BenchCommand.JSON.createObjectNode().put("since", from.toString());
      ArrayNode arr = out.putArray("attempts");
      failed.forEach(a -> arr.addObject().put("at", a.at().toString()).put("request_id", a.requestId())
          .put("key_id", a.keyId()).put("tenant", a.tenant()).put("model", a.model()).put("backend", a.backend())
          .put("status", a.status()).put("error", a.error()).put("latency_ms", a.latencyMs())
          .put("followed_by", a.followedBy()));
      BenchCommand.print(spec, out, true);
      return Main.OK;
    }
    var out = spec.commandLine().getOut();
    out.printf("failed upstream attempts since %s, newest first%n", from);
    out.printf("%-27s %-32s %-14s %-12s %-28s %6s %-22s %8s %s%n", "at", "request", "key", "model", "backend", "status",
        "error", "ms", "then");
    for (UsageReport.Attempt a : failed) {
      out.printf("%-27s %-32s %-14s %-12s %-28s %6d %-22s %8d %s%n", a.at(), a.requestId(), a.keyId(), a.model(), a.backend(),
          a.status(), a.error(), a.latencyMs(), a.followedBy());
    }
    out.flush();
    return Main.OK;
  }

  static Instant parseSince(String s, Instant now) {
    Matcher m = SINCE.matcher(s.strip());
    if (m.matches()) {
      long n = Long.parseLong(m.group(1));
      Duration d = switch (m.group(2)) {
        case "m" -> Duration.ofMinutes(n);
        case "h" -> Duration.ofHours(n);
        case "d" -> Duration.ofDays(n);
        default -> Duration.ofDays(7 * n);
      };
      return now.minus(d);
    }
    try {
      return Instant.parse(s.strip());
    } catch (java.time.format.DateTimeParseException e) {
      throw new UsageException("--since must be an age such as 90m, 24h, 7d or 4w, or an ISO time, got '" + s + "'");
    }
  }
}
