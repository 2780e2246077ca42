package io.ragway.testkit;

import java.io.IOException;
import java.net.Socket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * A throwaway {@code redis-server} from Debian's package on a free loopback port, without
 * persistence. {@link #stop()} and {@link #start()} take it down and bring it back on the same
 * port (empty), for tests of what happens while Redis is gone.
 */
public final class RedisServer implements AutoCloseable {

  private static final Path BINARY = Path.of("/usr/bin/redis-server");

  private final int port;
  private final Path dir;
  private Process process;

  private RedisServer(int port, Path dir) {
    this.port = port;
    this.dir = dir;
  }

  /** Whether {@code redis-server} is installed. */
  public static boolean installed() {
    return Files.isExecutable(BINARY);
  }

  /** Starts one; fails (not skips) when it is not installed, since CI installs it. */
  public static RedisServer launch() throws IOException, InterruptedException {
    if (!installed()) {
      throw new IllegalStateException("redis-server is not installed: apt-get install redis-server (the CI script does)");
    }
    RedisServer r = new RedisServer(Completions.freePort(), Files.createTempDirectory("ragway-redis-"));
    r.start();
    return r;
  }

  public int port() {
    return port;
  }

  /** {@code redis://127.0.0.1:port}. */
  public String url() {
    return "redis://127.0.0.1:" + port;
  }

  /** Starts the server (again) and waits until it accepts connections. */
  public synchronized void start() throws IOException, InterruptedException {
    if (process != null && process.isAlive()) {
      return;
    }
    process = new ProcessBuilder(List.of(BINARY.toString(), "--port", Integer.toString(port), "--bind", "127.0.0.1",
        "--save", "", "--appendonly", "no", "--dir", dir.toString(), "--protected-mode", "no"))
        .redirectErrorStream(true).redirectOutput(dir.resolve("redis.log").toFile()).start();
    long deadline = System.nanoTime() + Duration.ofSeconds(10).toNanos();
    while (System.nanoTime() < deadline) {
      try {
        new Socket("127.0.0.1", port).close();
        return;
      } catch (IOException notYet) {
        if (!process.isAlive()) {
          throw new IllegalStateException("redis-server exited: " + Files.readString(dir.resolve("redis.log")));
        }
        Thread.sleep(20);
      }
    }
    throw new IllegalStateException("redis-server did not listen on " + port + " within 10 s");
  }

  /** Kills the server (its data goes with it) and waits until it is gone. */
  public synchronized void stop() throws InterruptedException {
    if (process != null) {
      process.destroy();
      if (!process.waitFor(10, TimeUnit.SECONDS)) {
        process.destroyForcibly().waitFor();
      }
      process = null;
    }
  }

  @Override
  public void close() {
    try {
      stop();
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
    try (var files = Files.walk(dir)) {
      files.sorted(java.util.Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
    } catch (IOException ignored) {
      // a temporary folder left behind harms nothing
    }
  }
}
