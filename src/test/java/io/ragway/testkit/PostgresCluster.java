package io.ragway.testkit;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.Stream;

/**
 * A throwaway PostgreSQL cluster from Debian's {@code postgresql} package, on a free loopback
 * port, in a temporary folder, with trust authentication. initdb and pg_ctl refuse to run as
 * root, so as root they run as the {@code postgres} user. Each {@link #newDatabase()} is empty.
 */
public final class PostgresCluster implements AutoCloseable {

  private final Path dir;
  private final Path bin;
  private final int port;
  private final boolean asPostgres;
  private final AtomicInteger databases = new AtomicInteger();

  private PostgresCluster(Path dir, Path bin, int port, boolean asPostgres) {
    this.dir = dir;
    this.bin = bin;
    this.port = port;
    this.asPostgres = asPostgres;
  }

  /** The newest installed PostgreSQL's binaries, if any. */
  public static Optional<Path> binaries() {
    Path root = Path.of("/usr/lib/postgresql");
    if (!Files.isDirectory(root)) {
      return Optional.empty();
    }
    try (Stream<Path> versions = Files.list(root)) {
      return versions.map(v -> v.resolve("bin"))
          .filter(b -> Files.isExecutable(b.resolve("initdb")) && Files.isExecutable(b.resolve("pg_ctl")))
          .max(Comparator.comparing(p -> versionOf(p.getParent())));
    } catch (IOException e) {
      return Optional.empty();
    }
  }

  private static int versionOf(Path dir) {
    try {
      return Integer.parseInt(dir.getFileName().toString().replaceAll("\\D.*", ""));
    } catch (NumberFormatException e) {
      return 0;
    }
  }

  /** Creates and starts a cluster; fails the test (not skips it) when PostgreSQL is installed but will not start. */
  public static PostgresCluster start() throws IOException, InterruptedException {
    Path bin = binaries().orElseThrow(() -> new IllegalStateException(
        "PostgreSQL is not installed: apt-get install postgresql (the CI script does)"));
    boolean root = "root".equals(System.getProperty("user.name"));
    Path dir = Files.createTempDirectory("ragway-pg-");
    PostgresCluster pg = new PostgresCluster(dir, bin, Completions.freePort(), root);
    if (root) {
      pg.run(List.of("chown", "-R", "postgres:postgres", dir.toString()), false);
      pg.run(List.of("chmod", "700", dir.toString()), false);
    }
    pg.run(List.of(bin.resolve("initdb").toString(), "-D", dir.resolve("data").toString(), "-A", "trust", "-U", "postgres",
        "-E", "UTF8", "--no-sync"), true);
    pg.run(List.of(bin.resolve("pg_ctl").toString(), "-D", dir.resolve("data").toString(), "-l", dir.resolve("log").toString(),
        "-w", "-t", "30", "-o", "-p " + pg.port + " -k " + dir + " -c listen_addresses=127.0.0.1 -c fsync=off", "start"), true);
    return pg;
  }

  /** A new, empty database's JDBC URL (user postgres, no password). */
  public String newDatabase() throws SQLException {
    String name = "ragway_test_" + databases.incrementAndGet();
    try (Connection c = DriverManager.getConnection(url("postgres"), "postgres", "")) {
      c.createStatement().execute("CREATE DATABASE " + name);
    }
    return url(name);
  }

  public String url(String database) {
    return "jdbc:postgresql://127.0.0.1:" + port + "/" + database + "?user=postgres";
  }

  @Override
  public void close() {
    try {
      run(List.of(bin.resolve("pg_ctl").toString(), "-D", dir.resolve("data").toString(), "-m", "immediate", "-w", "stop"), true);
    } catch (IOException | InterruptedException | RuntimeException e) {
      // the folder goes either way
    }
    try (Stream<Path> all = Files.walk(dir)) {
      all.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
    } catch (IOException ignored) {
      // a temporary folder left behind harms nothing
    }
  }

  private void run(List<String> command, boolean asUser) throws IOException, InterruptedException {
    List<String> full = new ArrayList<>();
    if (asUser && asPostgres) {
      full.addAll(List.of("runuser", "-u", "postgres", "--"));
    }
    full.addAll(command);
    Process p = new ProcessBuilder(full).redirectErrorStream(true).start();
    String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    if (!p.waitFor(60, TimeUnit.SECONDS) || p.exitValue() != 0) {
      String log = Files.exists(dir.resolve("log")) ? Files.readString(dir.resolve("log")) : "";
      throw new IllegalStateException(String.join(" ", full) + " failed: " + out + log);
    }
  }
}
