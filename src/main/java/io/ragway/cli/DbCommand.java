package io.ragway.cli;

import io.ragway.config.RagwayConfig;
import io.ragway.store.AuditLog;
import io.ragway.store.Database;
import io.ragway.store.DatabaseException;
import io.ragway.store.Stores;
import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.channels.OverlappingFileLockException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.Optional;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

@Command(name = "db", mixinStandardHelpOptions = true,
    description = {"The records database: SQLite in the data directory (ragway.db), or the PostgreSQL that",
        "database.url names. See docs/records.md."},
    subcommands = {DbCommand.Migrate.class, DbCommand.Status.class, DbCommand.Backup.class, DbCommand.Restore.class,
        DbCommand.Audit.class, DbCommand.Copy.class})
final class DbCommand implements Runnable {

  @Spec picocli.CommandLine.Model.CommandSpec spec;

  @Override
  public void run() {
    spec.commandLine().usage(spec.commandLine().getOut());
  }

  @Command(name = "migrate", mixinStandardHelpOptions = true,
      description = "Bring the schema up to date (serve and every command that needs records do it too).")
  static final class Migrate implements Callable<Integer> {
    @Mixin CommonOptions common;
    @Spec picocli.CommandLine.Model.CommandSpec spec;

    @Override
    public Integer call() {
      try (Components c = common.components()) {
        Database.Status s = c.database().status();
        spec.commandLine().getErr().println("ragway: " + s.location() + " is at schema version " + s.schemaVersion());
      }
      return Main.OK;
    }
  }

  @Command(name = "status", mixinStandardHelpOptions = true, description = "Where the database is and its migrations.")
  static final class Status implements Callable<Integer> {
    @Mixin CommonOptions common;
    @Spec picocli.CommandLine.Model.CommandSpec spec;

    @Option(names = "--json", description = "Print one JSON object.")
    boolean json;

    @Override
    public Integer call() throws IOException {
      Database.Status s;
      try (Components c = common.components()) {
        s = c.database().status();
      }
      if (json) {
        BenchCommand.print(spec, BenchCommand.JSON.valueToTree(s), true);
        return Main.OK;
      }
      var out = spec.commandLine().getOut();
      out.printf("%s %s%nschema version %s, %d pending%n", s.kind().name().toLowerCase(java.util.Locale.ROOT), s.location(),
          s.schemaVersion(), s.pending());
      for (Database.Migration m : s.migrations()) {
        out.printf("  %-6s %-40s %-10s %s%n", m.version(), m.description(), m.state(), m.installedOn());
      }
      out.flush();
      return Main.OK;
    }
  }

  @Command(name = "backup", mixinStandardHelpOptions = true,
      description = {"Write a consistent copy of the SQLite database to FILE, also while ragway serves.",
          "PostgreSQL: use pg_dump (docs/records.md)."})
  static final class Backup implements Callable<Integer> {
    @Mixin CommonOptions common;
    @Spec picocli.CommandLine.Model.CommandSpec spec;

    @Parameters(paramLabel = "FILE", description = "A new file (never overwritten).")
    Path file;

    @Override
    public Integer call() {
      try (Components c = common.components()) {
        c.database().backup(file);
      }
      spec.commandLine().getErr().println("ragway: backed up to " + file);
      return Main.OK;
    }
  }

  @Command(name = "restore", mixinStandardHelpOptions = true,
      description = {"Replace the SQLite database with a backup made by 'db backup'. Stop ragway first; the",
          "replaced database is kept beside it as ragway.db.before-restore-TIME."})
  static final class Restore implements Callable<Integer> {
    @Mixin CommonOptions common;
    @Spec picocli.CommandLine.Model.CommandSpec spec;

    @Parameters(paramLabel = "FILE", description = "The backup.")
    Path file;

    @Override
    public Integer call() throws IOException {
      RagwayConfig config = common.load();
      if (!config.database().url().isEmpty()) {
        throw new UsageException("restore replaces the SQLite file in the data directory; database.url is set "
            + "(restore PostgreSQL with pg_restore, see docs/records.md)");
      }
      Path data = config.dataPath();
      if (inUse(data.resolve("index"))) {
        throw new DatabaseException("a ragway process is using " + data + " (its index is locked): stop it, then restore");
      }
      Optional<Path> kept = Database.restore(file, data.resolve(Database.SQLITE_FILE));
      spec.commandLine().getErr().println("ragway: restored " + file + kept.map(p -> "; the replaced database is " + p).orElse(""));
      return Main.OK;
    }

    /** Whether another process holds the index's write lock, as serve and ingest do while they run. */
    private static boolean inUse(Path index) throws IOException {
      Path lock = index.resolve("write.lock");
      if (!Files.exists(lock)) {
        return false;
      }
      try (FileChannel ch = FileChannel.open(lock, StandardOpenOption.WRITE)) {
        FileLock l = ch.tryLock();
        if (l == null) {
          return true;
        }
        l.release();
        return false;
      } catch (OverlappingFileLockException e) {
        return true;
      }
    }
  }

  @Command(name = "copy", mixinStandardHelpOptions = true,
      description = {"Copy every record (keys, audit log, usage ledger) into another, empty database, e.g. from",
          "SQLite to PostgreSQL; then set database.url to it. Stop ragway first."})
  static final class Copy implements Callable<Integer> {
    @Mixin CommonOptions common;
    @Spec picocli.CommandLine.Model.CommandSpec spec;

    @Option(names = "--to", required = true, paramLabel = "URL", description = "jdbc:postgresql://HOST/DB or jdbc:sqlite:FILE.")
    String to;

    @Option(names = "--user", defaultValue = "", description = "The target's user (or ?user= in the URL).")
    String user;

    @Option(names = "--password-env", paramLabel = "NAME", description = "The environment variable holding the target's password.")
    String passwordEnv;

    @Override
    public Integer call() {
      if (!to.startsWith("jdbc:postgresql:") && !to.startsWith("jdbc:sqlite:")) {
        throw new UsageException("--to must be jdbc:postgresql://HOST/DB or jdbc:sqlite:FILE, got '" + to + "'");
      }
      String password = passwordEnv == null ? "" : java.util.Objects.requireNonNullElse(System.getenv(passwordEnv), "");
      try (Components c = common.components()) {
        // what a stopped server left in its journal goes in first; a running one holds the journal
        Stores.Leftover leftover;
        try {
          leftover = Stores.drainLeftoverJournal(c.database(), c.config().dataPath(), java.time.Duration.ofSeconds(60));
        } catch (InterruptedException e) {
          Thread.currentThread().interrupt();
          return Main.FAILURE;
        }
        if (leftover.serverRunning()) {
          throw new DatabaseException("a ragway server is using " + c.config().dataPath() + " (its usage journal is open): "
              + "stop it, then copy");
        }
        if (!leftover.drained()) {
          throw new DatabaseException("the usage journal could not be taken into the database first: " + leftover.lastError());
        }
        try (Database target = Database.open(to, user, password, 2, c.config().dataPath())) {
          java.util.Map<String, Long> copied = c.database().copyTo(target);
          spec.commandLine().getErr().println("ragway: copied " + copied + " to " + target.location()
              + "; set database.url to it in ragway.yaml");
        }
      }
      return Main.OK;
    }
  }

  @Command(name = "audit", mixinStandardHelpOptions = true, description = "The newest entries of the audit log.")
  static final class Audit implements Callable<Integer> {
    @Mixin CommonOptions common;
    @Spec picocli.CommandLine.Model.CommandSpec spec;

    @Option(names = "--limit", defaultValue = "50", description = "At most this many entries (default: ${DEFAULT-VALUE}).")
    int limit;

    @Override
    public Integer call() {
      if (limit < 1) {
        throw new UsageException("--limit must be at least 1, got " + limit);
      }
      try (Components c = common.components()) {
        var out = spec.commandLine().getOut();
        for (AuditLog.Entry e : Stores.auditLog(c.database()).recent(limit)) {
          out.printf("%s  %-16s %-12s %-14s %s%n", e.at(), e.actor(), e.action(), e.target(), e.detail());
        }
        out.flush();
      }
      return Main.OK;
    }
  }
}
