package io.ragway.bench;

import java.io.IOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Optional;
import java.util.concurrent.TimeUnit;

/**
 * nginx as a plain reverse proxy ({@code proxy_pass} to one upstream over keep-alive connections),
 * the baseline of the gateway bench. It runs in the foreground as a child process with its own
 * configuration, pid file, logs and temp paths in a scratch folder, so it needs no root and leaves
 * the system's nginx alone.
 */
final class NginxProxy implements AutoCloseable {

  /** Where Debian puts nginx; {@link #find()} also looks on the PATH. */
  static final Path DEBIAN_BINARY = Path.of("/usr/sbin/nginx");

  private static final Duration START_TIMEOUT = Duration.ofSeconds(10);

  private final Process process;
  private final int port;
  private final Path dir;

  private NginxProxy(Process process, int port, Path dir) {
    this.process = process;
    this.port = port;
    this.dir = dir;
  }

  /** The nginx binary: Debian's path, else the first {@code nginx} on the PATH. */
  static Optional<Path> find() {
    if (Files.isExecutable(DEBIAN_BINARY)) {
      return Optional.of(DEBIAN_BINARY);
    }
    String path = System.getenv("PATH");
    if (path != null) {
      for (String d : path.split(java.io.File.pathSeparator)) {
        Path candidate = Path.of(d, "nginx");
        if (!d.isEmpty() && Files.isExecutable(candidate)) {
          return Optional.of(candidate);
        }
      }
    }
    return Optional.empty();
  }

  /** What {@code nginx -v} says, e.g. {@code nginx/1.22.1}. */
  static String version(Path binary) throws IOException, InterruptedException {
    Process p = new ProcessBuilder(binary.toString(), "-v").redirectErrorStream(true).start();
    String out = new String(p.getInputStream().readAllBytes(), java.nio.charset.StandardCharsets.UTF_8).strip();
    p.waitFor(5, TimeUnit.SECONDS);
    return out.startsWith("nginx version: ") ? out.substring("nginx version: ".length()) : out;
  }

  /**
   * Starts nginx on a free loopback port in front of {@code 127.0.0.1:upstreamPort} and returns
   * once it accepts connections.
   *
   * @param dir an empty scratch folder for the configuration, pid file, error log and temp paths
   */
  static NginxProxy start(Path binary, Path scratch, int upstreamPort) throws IOException, InterruptedException {
    Path dir = scratch.toAbsolutePath(); // nginx reads relative paths against its prefix
    int port = freePort();
    Path conf = dir.resolve("nginx.conf");
    Files.writeString(conf, config(dir, port, upstreamPort));
    Path log = dir.resolve("stderr.log");
    Process process = new ProcessBuilder(binary.toString(), "-p", dir.toString(), "-c", conf.toString(), "-g", "daemon off;")
        .redirectOutput(ProcessBuilder.Redirect.DISCARD)
        .redirectError(log.toFile())
        .start();
    NginxProxy proxy = new NginxProxy(process, port, dir);
    long deadline = System.nanoTime() + START_TIMEOUT.toNanos();
    while (!accepts(port)) {
      if (!process.isAlive() || System.nanoTime() > deadline) {
        String why = proxy.logs();
        proxy.close();
        throw new IOException("nginx did not start" + (process.isAlive() ? " within " + START_TIMEOUT.toSeconds() + " s" : "")
            + (why.isBlank() ? "" : ": " + why.strip()));
      }
      Thread.sleep(20);
    }
    return proxy;
  }

  /*
   * worker_processes auto gives one worker per core, as ragway's server uses every core. Client
   * and upstream keep-alive are unlimited in requests (nginx closes a connection after 1000 by
   * default, which would charge nginx reconnects that ragway's server never makes). The temp paths
   * point into the scratch folder so an unprivileged nginx can start; the bench's bodies fit the
   * memory buffers, so they are never written there (started as root, the workers run as nobody).
   */
  static String config(Path dir, int port, int upstreamPort) {
    String d = dir.toString();
    return """
        worker_processes auto;
        pid "%1$s/nginx.pid";
        error_log "%1$s/error.log" warn;
        events {
          worker_connections 4096;
        }
        http {
          access_log off;
          client_body_temp_path "%1$s/client_body";
          proxy_temp_path "%1$s/proxy";
          fastcgi_temp_path "%1$s/fastcgi";
          uwsgi_temp_path "%1$s/uwsgi";
          scgi_temp_path "%1$s/scgi";
          keepalive_requests 100000000;
          keepalive_timeout 75s;
          upstream fast_upstream {
            server 127.0.0.1:%3$d;
            keepalive 64;
            keepalive_requests 100000000;
          }
          server {
            listen 127.0.0.1:%2$d;
            location / {
              proxy_pass http://fast_upstream;
              proxy_http_version 1.1;
              proxy_set_header Connection "";
            }
          }
        }
        """.formatted(d, port, upstreamPort);
  }

  int port() {
    return port;
  }

  /** Stops nginx (SIGTERM, then SIGKILL for it and its workers if it lingers). */
  @Override
  public void close() {
    process.destroy();
    try {
      if (!process.waitFor(5, TimeUnit.SECONDS)) {
        process.descendants().forEach(ProcessHandle::destroyForcibly);
        process.destroyForcibly().waitFor(5, TimeUnit.SECONDS);
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      process.descendants().forEach(ProcessHandle::destroyForcibly);
      process.destroyForcibly();
    }
  }

  private String logs() {
    StringBuilder b = new StringBuilder();
    for (String name : new String[] {"stderr.log", "error.log"}) {
      try {
        Path p = dir.resolve(name);
        if (Files.exists(p)) {
          b.append(Files.readString(p)).append('\n');
        }
      } catch (IOException ignored) {
        // best effort: the exception says nginx did not start either way
      }
    }
    return b.toString();
  }

  private static boolean accepts(int port) {
    try {
      new Socket(InetAddress.getLoopbackAddress(), port).close();
      return true;
    } catch (IOException e) {
      return false;
    }
  }

  private static int freePort() throws IOException {
    try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
      return s.getLocalPort();
    }
  }
}
