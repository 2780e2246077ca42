package io.ragway.store;

import com.zaxxer.hikari.HikariConfig;
import com.zaxxer.hikari.HikariDataSource;
import com.zaxxer.hikari.pool.HikariPool;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.SQLException;
import java.util.Arrays;
import java.util.List;
import javax.sql.DataSource;
import org.flywaydb.core.Flyway;
import org.flywaydb.core.api.FlywayException;
import org.flywaydb.core.api.MigrationInfo;
import org.flywaydb.core.api.MigrationState;

/**
 * The database that keeps ragway's records: one SQLite file in the data directory by default
 * (WAL journal, a busy timeout, foreign keys on, full sync), or a PostgreSQL that several
 * replicas share. Opening it checks the schema and applies pending migrations (Flyway, versioned
 * SQL under {@code db/migration}); a database whose schema is newer than this build is refused,
 * as is a file that is not a SQLite database, and neither is touched.
 */
public final class Database implements AutoCloseable {

  /** The SQLite file's name in the data directory. */
  public static final String SQLITE_FILE = "ragway.db";

  private static final byte[] SQLITE_HEADER = "SQLite format 3\0".getBytes(StandardCharsets.US_ASCII);
  private static final int SQLITE_POOL = 4;

  /** Which database this is. */
  public enum Kind { SQLITE, POSTGRESQL }

  /** One migration: applied, pending, or from a newer ragway. */
  public record Migration(String version, String description, String state, String installedOn) {}

  /** Where the database is and how far its schema has come. */
  public record Status(Kind kind, String location, String schemaVersion, int pending, List<Migration> migrations) {}

  private final Kind kind;
  private final String location;
  private final HikariDataSource pool;

  private Database(Kind kind, String location, HikariDataSource pool) {
    this.kind = kind;
    this.location = location;
    this.pool = pool;
  }

  /**
   * Opens the database and brings its schema up to date.
   *
   * @param url empty for {@value #SQLITE_FILE} in {@code dataDir}, {@code jdbc:sqlite:FILE} or
   *     {@code jdbc:postgresql://...}
   * @throws DatabaseException when it cannot be reached, is not a database, or is newer than this build
   */
  public static Database open(String url, String user, String password, int poolSize, Path dataDir) {
    Database db = connect(url, user, password, poolSize, dataDir);
    try {
      db.migrate();
      return db;
    } catch (RuntimeException e) {
      db.close();
      throw e;
    }
  }

  private static Database connect(String url, String user, String password, int poolSize, Path dataDir) {
    HikariConfig c = new HikariConfig();
    c.setPoolName("ragway-db");
    c.setInitializationFailTimeout(1); // fail at startup, with the reason, rather than on the first request
    c.setConnectionTimeout(5_000);
    Kind kind;
    String location;
    if (url.isEmpty() || url.startsWith("jdbc:sqlite:")) {
      kind = Kind.SQLITE;
      Path file = url.isEmpty() ? dataDir.resolve(SQLITE_FILE) : Path.of(url.substring("jdbc:sqlite:".length()));
      checkSqliteFile(file);
      location = file.toString();
      c.setJdbcUrl("jdbc:sqlite:" + file);
      c.addDataSourceProperty("journal_mode", "WAL");
      c.addDataSourceProperty("busy_timeout", "10000");
      c.addDataSourceProperty("foreign_keys", "true");
      c.addDataSourceProperty("synchronous", "FULL");
      // a transaction that reads then writes must hold the write lock from its start: a deferred
      // one fails (SQLITE_BUSY_SNAPSHOT) when another connection wrote in between, whatever the timeout
      c.addDataSourceProperty("transaction_mode", "IMMEDIATE");
      c.setMaximumPoolSize(SQLITE_POOL);
    } else if (url.startsWith("jdbc:postgresql:")) {
      kind = Kind.POSTGRESQL;
      location = redact(url);
      c.setJdbcUrl(url);
      if (!user.isEmpty()) {
        c.setUsername(user);
      }
      if (!password.isEmpty()) {
        c.setPassword(password);
      }
      c.setMaximumPoolSize(poolSize);
    } else {
      throw new DatabaseException("database.url must be empty, jdbc:sqlite:FILE or jdbc:postgresql://..., got " + redact(url));
    }
    try {
      return new Database(kind, location, new HikariDataSource(c));
    } catch (HikariPool.PoolInitializationException e) {
      Throwable cause = e.getCause() != null ? e.getCause() : e;
      Path folder = kind == Kind.SQLITE ? Path.of(location).toAbsolutePath().getParent() : null;
      // SQLite says only "unable to open database file" where it cannot write its files
      String why = folder != null && !Files.isWritable(folder)
          ? " (" + folder + " is read-only: SQLite writes the database, its write-ahead log and shared memory file there)" : "";
      throw new DatabaseException("cannot open the database at " + location + ": " + cause.getMessage() + why, e);
    }
  }

  /** An existing file that is not SQLite (a truncated or foreign file) is refused, never overwritten. */
  private static void checkSqliteFile(Path file) {
    try {
      Path parent = file.toAbsolutePath().getParent();
      if (parent != null) {
        Files.createDirectories(parent);
      }
      if (!Files.exists(file) || Files.size(file) == 0) {
        return;
      }
      byte[] head;
      try (InputStream in = Files.newInputStream(file)) {
        head = in.readNBytes(SQLITE_HEADER.length);
      }
      if (!Arrays.equals(head, SQLITE_HEADER)) {
        throw new DatabaseException(file + " is not a SQLite database (it may be corrupt or truncated). It was left as it "
            + "is: move it away and restore a backup with 'ragway db restore FILE'.");
      }
    } catch (IOException e) {
      throw new DatabaseException("cannot read " + file + ": " + e.getMessage(), e);
    }
  }

  private Flyway flyway() {
    return Flyway.configure().dataSource(pool).locations("classpath:db/migration").load();
  }

  /** Applies pending migrations; refuses a schema newer than this build knows. */
  public void migrate() {
    try {
      Flyway flyway = flyway();
      MigrationInfo[] applied = flyway.info().applied();
      for (MigrationInfo m : applied) {
        if (m.getState() == MigrationState.FUTURE_SUCCESS || m.getState() == MigrationState.FUTURE_FAILED) {
          throw new DatabaseException("the database at " + location + " has schema version " + m.getVersion()
              + ", newer than this ragway knows (" + latestKnown(flyway) + "): upgrade ragway, or point database.url "
              + "at another database. Nothing was changed.");
        }
      }
      flyway.migrate();
    } catch (FlywayException e) {
      throw new DatabaseException("cannot migrate the database at " + location + ": " + firstLine(e.getMessage()), e);
    }
  }

  private static String latestKnown(Flyway flyway) {
    String latest = "none";
    for (MigrationInfo m : flyway.info().all()) {
      if (m.getState() != MigrationState.FUTURE_SUCCESS && m.getState() != MigrationState.FUTURE_FAILED && m.getVersion() != null) {
        latest = m.getVersion().getVersion();
      }
    }
    return latest;
  }

  /** The schema's migrations and where the database is. */
  public Status status() {
    try {
      var info = flyway().info();
      List<Migration> all = Arrays.stream(info.all()).map(m -> new Migration(
          m.getVersion() == null ? "" : m.getVersion().getVersion(), m.getDescription(), m.getState().getDisplayName(),
          m.getInstalledOn() == null ? "" : m.getInstalledOn().toInstant().toString())).toList();
      MigrationInfo current = info.current();
      return new Status(kind, location, current == null ? "none" : current.getVersion().getVersion(), info.pending().length, all);
    } catch (FlywayException e) {
      throw new DatabaseException("cannot read the schema of " + location + ": " + firstLine(e.getMessage()), e);
    }
  }

  public Kind kind() {
    return kind;
  }

  /** Where it is: a file, or a PostgreSQL URL without its password. */
  public String location() {
    return location;
  }

  public DataSource dataSource() {
    return pool;
  }

  /**
   * Writes a consistent copy of a SQLite database to {@code target} while it is in use
   * ({@code VACUUM INTO}); PostgreSQL is backed up with {@code pg_dump}.
   */
  public void backup(Path target) {
    if (kind != Kind.SQLITE) {
      throw new DatabaseException("ragway db backup copies SQLite; back up PostgreSQL with pg_dump (see docs/records.md)");
    }
    if (Files.exists(target)) {
      throw new DatabaseException(target + " exists; choose a new file, a backup never overwrites one");
    }
    try (Connection c = pool.getConnection(); PreparedStatement s = c.prepareStatement("VACUUM INTO ?")) {
      s.setString(1, target.toAbsolutePath().toString());
      s.execute();
    } catch (SQLException e) {
      throw new DatabaseException("cannot back up to " + target + ": " + e.getMessage(), e);
    }
  }

  /**
   * Puts a backup in place of the SQLite file {@code file}: the backup is checked first (a SQLite
   * database with ragway's schema, not newer than this build), the current file and its journal
   * are kept beside it as {@code <file>.before-restore-<time>}, then the backup is copied in.
   * No process may have the database open meanwhile; the caller checks that.
   *
   * @return where the replaced database was kept, if there was one
   */
  public static java.util.Optional<Path> restore(Path backup, Path file) {
    if (!Files.isRegularFile(backup)) {
      throw new DatabaseException("no such backup file: " + backup);
    }
    checkSqliteFile(backup);
    Path probe;
    try {
      probe = Files.createTempFile(file.toAbsolutePath().getParent(), "restore-check-", ".db");
      Files.copy(backup, probe, java.nio.file.StandardCopyOption.REPLACE_EXISTING);
    } catch (IOException e) {
      throw new DatabaseException("cannot read " + backup + ": " + e.getMessage(), e);
    }
    try (Database check = connect("jdbc:sqlite:" + probe, "", "", 1, probe.getParent())) {
      Status st = check.status();
      if (st.schemaVersion().equals("none")) {
        throw new DatabaseException(backup + " is a SQLite database but not a ragway one (no schema history)");
      }
      check.migrate(); // refuses a newer schema; brings an older one up to date in the copy only
    } finally {
      try {
        Files.deleteIfExists(probe);
      } catch (IOException ignored) {
        // a leftover temporary copy harms nothing
      }
    }
    try {
      java.util.Optional<Path> kept = java.util.Optional.empty();
      String stamp = java.time.format.DateTimeFormatter.ofPattern("uuuuMMdd-HHmmss").withZone(java.time.ZoneOffset.UTC)
          .format(java.time.Instant.now());
      if (Files.exists(file)) {
        Path aside = file.resolveSibling(file.getFileName() + ".before-restore-" + stamp);
        Files.move(file, aside);
        for (String journal : new String[] {"-wal", "-shm"}) {
          Path j = file.resolveSibling(file.getFileName() + journal);
          if (Files.exists(j)) {
            Files.move(j, aside.resolveSibling(aside.getFileName() + journal));
          }
        }
        kept = java.util.Optional.of(aside);
      }
      Path tmp = file.resolveSibling(file.getFileName() + ".restoring");
      Files.copy(backup, tmp, java.nio.file.StandardCopyOption.REPLACE_EXISTING);
      Files.move(tmp, file, java.nio.file.StandardCopyOption.ATOMIC_MOVE);
      return kept;
    } catch (IOException e) {
      throw new DatabaseException("cannot restore " + backup + " to " + file + ": " + e.getMessage(), e);
    }
  }

  /** The tables that hold records, in the order a copy fills them. */
  static final List<String> TABLES = List.of("api_keys", "audit_log", "usage_events", "budgets", "rollout_states",
      "rollout_decisions", "answer_records", "feedback", "prompt_and_policy_versions");

  /**
   * Copies every record into {@code target} (migrated, and empty: a copy never mixes two
   * databases' records), in batches inside one transaction per table, then checks the counts.
   *
   * @return rows copied per table
   */
  public java.util.Map<String, Long> copyTo(Database target) {
    java.util.Map<String, Long> copied = new java.util.LinkedHashMap<>();
    try (Connection from = pool.getConnection(); Connection to = target.pool.getConnection()) {
      for (String table : TABLES) {
        if (count(to, table) > 0) {
          throw new DatabaseException(target.location() + " already has " + table + "; copy into an empty database");
        }
      }
      for (String table : TABLES) {
        long n = 0;
        to.setAutoCommit(false);
        try (var select = from.createStatement(); var rows = select.executeQuery("SELECT * FROM " + table)) {
          var meta = rows.getMetaData();
          int columns = meta.getColumnCount();
          StringBuilder names = new StringBuilder();
          StringBuilder marks = new StringBuilder();
          for (int i = 1; i <= columns; i++) {
            names.append(i > 1 ? ", " : "").append(meta.getColumnName(i));
            marks.append(i > 1 ? ", ?" : "?");
          }
          try (PreparedStatement insert = to.prepareStatement("INSERT INTO " + table + " (" + names + ") VALUES (" + marks + ")")) {
            while (rows.next()) {
              for (int i = 1; i <= columns; i++) {
                insert.setObject(i, rows.getObject(i));
              }
              insert.addBatch();
              if (++n % 1000 == 0) {
                insert.executeBatch();
              }
            }
            insert.executeBatch();
          }
          to.commit();
        } catch (SQLException | RuntimeException e) {
          to.rollback();
          throw e;
        } finally {
          to.setAutoCommit(true);
        }
        long there = count(to, table);
        if (there != n || count(from, table) != n) {
          throw new DatabaseException("copying " + table + " ended with " + there + " rows for " + n + " read; "
              + "the source was written meanwhile (stop ragway first)");
        }
        copied.put(table, n);
      }
      return copied;
    } catch (SQLException e) {
      throw new DatabaseException("cannot copy " + location + " to " + target.location() + ": " + e.getMessage(), e);
    }
  }

  /**
   * The reason to report for a failed write: SQLite rolls a transaction back by itself when the
   * disk is full, and may then only say that there is no transaction to commit.
   */
  static String why(SQLException e) {
    String m = e.getMessage();
    return m != null && m.contains("no transaction is active")
        ? m + " (SQLite rolled the transaction back itself, as it does when the disk holding the database is full)" : m;
  }

  /**
   * Rolls back after {@code cause}, which stays the error to report: SQLite has already rolled back
   * a transaction that failed for a full disk (SQLITE_FULL), and its "cannot rollback - no
   * transaction is active" would otherwise hide why.
   */
  static void rollback(DataSource pool, Connection c, Exception cause) {
    try {
      c.rollback();
    } catch (SQLException e) {
      cause.addSuppressed(e);
      // the connection no longer knows its transaction state (SQLite after SQLITE_FULL): a new one
      // serves the next write, which then works as soon as there is room again
      if (pool instanceof HikariDataSource h) {
        h.evictConnection(c);
      }
    }
  }

  private static long count(Connection c, String table) throws SQLException {
    try (var s = c.createStatement(); var r = s.executeQuery("SELECT COUNT(*) FROM " + table)) {
      r.next();
      return r.getLong(1);
    }
  }

  @Override
  public void close() {
    pool.close();
  }

  static String redact(String url) {
    return url.replaceAll("(?i)(password=)[^&;]*", "$1***").replaceAll("//([^/@:]+):[^/@]*@", "//$1:***@");
  }

  private static String firstLine(String s) {
    return s == null ? "" : s.strip().lines().findFirst().orElse("");
  }
}
