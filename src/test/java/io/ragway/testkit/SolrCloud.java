package io.ragway.testkit;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.UncheckedIOException;
import java.io.Writer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;

/**
 * A real SolrCloud for tests: an embedded ZooKeeper and N Solr nodes (Solr's MiniSolrCloudCluster),
 * run by src/test/solr-harness/SolrCloudHarness.java in a child JVM whose classpath Maven resolves
 * from src/test/solr-harness/pom.xml, so Solr's own Lucene and Jetty never meet ragway's.
 * {@link #stopNode} takes a node down the way a crash of its JVM's Solr would, for failover tests.
 */
public final class SolrCloud implements AutoCloseable {

  private static final Path HARNESS = Path.of("src", "test", "solr-harness");
  private static final Path CLASSPATH = Path.of("target", "solr-harness", "classpath.txt");

  private final Process process;
  private final Writer commands;
  private final BlockingQueue<String> lines;
  private final List<String> urls = new ArrayList<>();
  private final String zkHost;

  private SolrCloud(Process process, BlockingQueue<String> lines, String zkHost, List<String> urls) {
    this.process = process;
    this.lines = lines;
    this.commands = new java.io.OutputStreamWriter(process.getOutputStream(), StandardCharsets.UTF_8);
    this.zkHost = zkHost;
    this.urls.addAll(urls);
  }

  /** Starts a cluster of {@code nodes} Solr nodes under {@code dir}; returns once every node is up. */
  public static SolrCloud start(int nodes, Path dir) throws IOException, InterruptedException {
    String classpath = harnessClasspath();
    Path java = Path.of(System.getProperty("java.home"), "bin", "java");
    Path log = dir.resolve("solr-harness.log");
    Files.createDirectories(dir);
    Process p = new ProcessBuilder(java.toString(), "-Xmx768m", "-XX:+UseSerialGC", "-cp", classpath,
        HARNESS.resolve("SolrCloudHarness.java").toString(), Integer.toString(nodes), dir.resolve("cluster").toString())
        .redirectError(log.toFile())
        .start();
    BlockingQueue<String> lines = new LinkedBlockingQueue<>();
    Thread reader = new Thread(() -> {
      try (BufferedReader r = new BufferedReader(new InputStreamReader(p.getInputStream(), StandardCharsets.UTF_8))) {
        for (String line = r.readLine(); line != null; line = r.readLine()) {
          lines.add(line);
        }
      } catch (IOException e) {
        // the harness ended; waiters time out or see the process gone
      }
      lines.add("EOF");
    }, "solr-harness-out");
    reader.setDaemon(true);
    reader.start();
    String zk = null;
    List<String> urls = new ArrayList<>();
    while (true) {
      String line = lines.poll(120, TimeUnit.SECONDS);
      if (line == null || line.equals("EOF")) {
        p.destroyForcibly();
        throw new IOException("the test SolrCloud did not start; see " + log);
      }
      if (line.startsWith("ZK ")) {
        zk = line.substring(3);
      } else if (line.startsWith("NODE ")) {
        urls.add(line.split(" ", 3)[2]);
      } else if (line.equals("READY")) {
        break;
      }
    }
    SolrCloud cloud = new SolrCloud(p, lines, zk, urls);
    return cloud;
  }

  /** The classpath of the harness, resolved by Maven once and kept under target/. */
  private static String harnessClasspath() throws IOException, InterruptedException {
    if (Files.exists(CLASSPATH)) {
      String cp = Files.readString(CLASSPATH).strip();
      if (java.util.Arrays.stream(cp.split(java.io.File.pathSeparator)).allMatch(j -> Files.exists(Path.of(j)))) {
        return cp;
      }
    }
    Files.createDirectories(CLASSPATH.getParent());
    Path log = CLASSPATH.resolveSibling("resolve.log");
    Process mvn = new ProcessBuilder("mvn", "-B", "-q", "-f", HARNESS.resolve("pom.xml").toString(),
        "dependency:build-classpath", "-Dmdep.outputFile=" + CLASSPATH.toAbsolutePath())
        .redirectErrorStream(true)
        .redirectOutput(log.toFile())
        .start();
    if (!mvn.waitFor(10, TimeUnit.MINUTES) || mvn.exitValue() != 0) {
      mvn.destroyForcibly();
      throw new IOException("Maven could not resolve the test SolrCloud's classpath; see " + log);
    }
    return Files.readString(CLASSPATH).strip();
  }

  /** Base URLs of the nodes, e.g. {@code http://127.0.0.1:PORT/solr}, in node order. */
  public List<String> urls() {
    return List.copyOf(urls);
  }

  /** The embedded ZooKeeper's address with the cluster's chroot. */
  public String zkHost() {
    return zkHost;
  }

  /** Stops node {@code i} (its Jetty and Solr) and waits until it is down. */
  public void stopNode(int i) {
    command("stop " + i, "STOPPED " + i);
  }

  /** Starts node {@code i} again and waits until it is live. */
  public void startNode(int i) {
    command("start " + i, "STARTED " + i);
  }

  private void command(String command, String expected) {
    try {
      commands.write(command + "\n");
      commands.flush();
      while (true) {
        String line = lines.poll(120, TimeUnit.SECONDS);
        if (line == null || line.equals("EOF") || line.startsWith("ERROR")) {
          throw new IllegalStateException("the test SolrCloud failed '" + command + "': " + line);
        }
        if (line.startsWith(expected)) {
          return;
        }
      }
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException(e);
    }
  }

  @Override
  public void close() {
    try {
      commands.write("quit\n");
      commands.flush();
      commands.close();
    } catch (IOException e) {
      // already gone
    }
    try {
      if (!process.waitFor(60, TimeUnit.SECONDS)) {
        process.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
      }
    } catch (InterruptedException e) {
      process.destroyForcibly();
      Thread.currentThread().interrupt();
    }
  }
}
