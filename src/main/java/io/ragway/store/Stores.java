package io.ragway.store;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.ragway.config.JsonMappers;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/** Opens ragway's record stores. */
public final class Stores {

  /** Where ragway kept keys before the records database; imported once, then renamed. */
  static final String LEGACY_KEYS = "keys.json";

  private Stores() {}

  /**
   * The API keys in {@code db}. Keys from an earlier ragway's {@code keys.json} in
   * {@code dataDir} are imported first (with their ids and secrets, so they keep working) and the
   * file is renamed {@code keys.json.imported}.
   *
   * @param actor who the changes made through it are by, for the audit log
   */
  public static ApiKeys apiKeys(Database db, Path dataDir, Clock clock, String actor) {
    SqlApiKeys keys = new SqlApiKeys(db.dataSource(), clock, actor);
    Path legacy = dataDir.resolve(LEGACY_KEYS);
    if (Files.exists(legacy)) {
      keys.importKeys(readLegacy(legacy), legacy.toString());
      try {
        Files.move(legacy, dataDir.resolve(LEGACY_KEYS + ".imported"), StandardCopyOption.REPLACE_EXISTING);
      } catch (IOException e) {
        throw new DatabaseException("imported the keys of " + legacy + " but cannot rename it: " + e.getMessage(), e);
      }
    }
    return keys;
  }

  /** The journal's default bound while the database does not take events: about a million of them. */
  public static final long DEFAULT_LEDGER_BACKLOG_BYTES = 512L << 20;

  /**
   * The usage ledger: a journal in {@code dataDir/ledger} drained into {@code db}. What an earlier
   * run left in the journal is replayed first. Null when another process (a running server) has
   * the journal open: it drains it.
   */
  public static Ledger ledger(Database db, Path dataDir, long maxBacklogBytes) {
    return JournaledLedger.open(dataDir.resolve("ledger"), db.dataSource(), maxBacklogBytes);
  }

  /** As {@link #ledger(Database, Path, long)}, answering events as {@code sync} says. */
  public static Ledger ledger(Database db, Path dataDir, long maxBacklogBytes, LedgerSync sync) {
    return JournaledLedger.open(dataDir.resolve("ledger"), db.dataSource(), maxBacklogBytes, sync);
  }

  /** How often a server reads the budgets again (and, on PostgreSQL, the month's spend of every replica). */
  public static final Duration BUDGET_REFRESH = Duration.ofSeconds(3);

  /**
   * As {@link #ledger}, refusing requests of keys and tenants that have spent their monthly
   * budgets ({@link Ledger#ensureBudget}); {@code clock} says which month it is. Null when another
   * process has the journal open.
   */
  public static Ledger budgetedLedger(Database db, Path dataDir, long maxBacklogBytes, Clock clock) {
    return budgetedLedger(db, dataDir, maxBacklogBytes, clock, BUDGET_REFRESH);
  }

  /** As {@link #budgetedLedger(Database, Path, long, Clock)}, reading the budgets again every {@code refresh}. */
  public static Ledger budgetedLedger(Database db, Path dataDir, long maxBacklogBytes, Clock clock, Duration refresh) {
    return budgetedLedger(db, dataDir, maxBacklogBytes, clock, refresh, LedgerSync.fsync());
  }

  /** As {@link #budgetedLedger(Database, Path, long, Clock, Duration)}, answering events as {@code sync} says. */
  public static Ledger budgetedLedger(Database db, Path dataDir, long maxBacklogBytes, Clock clock, Duration refresh,
      LedgerSync sync) {
    JournaledLedger journaled = JournaledLedger.open(dataDir.resolve("ledger"), db.dataSource(), maxBacklogBytes, sync);
    if (journaled == null) {
      return null;
    }
    return new BudgetedLedger(journaled, db.dataSource(), clock, db.kind() == Database.Kind.POSTGRESQL, refresh);
  }

  /** The monthly budgets in {@code db}; changes are audited as {@code actor}. */
  public static Budgets budgets(Database db, Clock clock, String actor) {
    return new SqlBudgets(db.dataSource(), clock, actor);
  }

  /** What {@link #drainLeftoverJournal} found: a server holding the journal, or whether the journal is now in the database. */
  public record Leftover(boolean serverRunning, boolean drained, String lastError) {}

  /**
   * Takes what a stopped (or killed) server left in the usage journal of {@code dataDir} into
   * {@code db}, waiting up to {@code timeout}. A running server holds the journal and drains it
   * itself; that is reported, and nothing is done.
   */
  public static Leftover drainLeftoverJournal(Database db, Path dataDir, java.time.Duration timeout)
      throws InterruptedException {
    try (Ledger leftover = ledger(db, dataDir, DEFAULT_LEDGER_BACKLOG_BYTES)) {
      if (leftover == null) {
        return new Leftover(true, false, "");
      }
      boolean drained = leftover.awaitDrained(timeout);
      return new Leftover(false, drained, drained ? "" : leftover.status().lastError());
    }
  }

  /** The prompt template and guard policy versions in {@code db}; registrations are audited as {@code actor}. */
  public static Versions versions(Database db, Clock clock, String actor) {
    return new SqlVersions(db.dataSource(), clock, actor);
  }

  /** The audit log in {@code db}. */
  public static AuditLog auditLog(Database db) {
    return new SqlApiKeys(db.dataSource(), Clock.systemUTC(), "");
  }

  private static Map<ApiKeys.Key, byte[]> readLegacy(Path file) {
    ObjectMapper json = JsonMappers.create();
    Map<ApiKeys.Key, byte[]> out = new LinkedHashMap<>();
    try {
      JsonNode root = json.readTree(file.toFile());
      if (root == null || !root.path("keys").isArray()) {
        throw new DatabaseException(file + " is not a ragway keys file (no \"keys\" array); move it away to start without it");
      }
      for (JsonNode k : root.get("keys")) {
        List<String> groups = new ArrayList<>();
        k.path("groups").forEach(g -> groups.add(g.asText()));
        ApiKeys.Key key = new ApiKeys.Key(k.path("id").asText(), k.path("name").asText(""), k.path("tenant").asText(),
            groups, k.path("rpm").asLong(0), k.path("tpm").asLong(0), Instant.parse(k.path("created").asText()),
            k.path("revoked").asBoolean(false));
        out.put(key, HexFormat.of().parseHex(k.path("sha256").asText()));
      }
      return out;
    } catch (IOException | RuntimeException e) {
      if (e instanceof DatabaseException d) {
        throw d;
      }
      throw new DatabaseException("cannot import the keys of " + file + ": " + e.getMessage(), e);
    }
  }
}
