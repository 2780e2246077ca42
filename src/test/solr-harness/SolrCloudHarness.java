import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.apache.solr.cloud.MiniSolrCloudCluster;
import org.apache.solr.embedded.JettySolrRunner;

/**
 * A real SolrCloud (Solr 9.10.1's MiniSolrCloudCluster from solr-test-framework: an embedded
 * ZooKeeper and N Solr nodes on Jetty 10) for ragway's Solr tests, run as a child JVM with the
 * classpath of pom.xml beside this file, launched as a single source file.
 *
 * <p>Usage: {@code java -cp CP SolrCloudHarness.java NODES BASE_DIR}. Prints {@code ZK host:port},
 * one {@code NODE i url} per node, then {@code READY}. Reads commands on stdin: {@code stop I}
 * (answers {@code STOPPED I}), {@code start I} ({@code STARTED I url}) and {@code quit}; it also
 * shuts the cluster down when stdin closes, so a dying test leaves no Solr behind.
 */
public final class SolrCloudHarness {

  public static void main(String[] args) throws Exception {
    int nodes = args.length > 0 ? Integer.parseInt(args[0]) : 2;
    Path base = args.length > 1 ? Path.of(args[1]) : Files.createTempDirectory("solr-harness");
    Files.createDirectories(base);
    MiniSolrCloudCluster cluster = new MiniSolrCloudCluster.Builder(nodes, base).build();
    try {
      System.out.println("ZK " + cluster.getZkServer().getZkAddress());
      List<JettySolrRunner> jetties = cluster.getJettySolrRunners();
      for (int i = 0; i < jetties.size(); i++) {
        System.out.println("NODE " + i + " " + jetties.get(i).getBaseUrl());
      }
      System.out.println("READY");
      System.out.flush();
      BufferedReader in = new BufferedReader(new InputStreamReader(System.in, StandardCharsets.UTF_8));
      for (String line = in.readLine(); line != null; line = in.readLine()) {
        String[] cmd = line.trim().split("\\s+");
        try {
          switch (cmd[0]) {
            case "stop" -> {
              int i = Integer.parseInt(cmd[1]);
              JettySolrRunner j = cluster.getJettySolrRunner(i);
              cluster.stopJettySolrRunner(j);
              cluster.waitForJettyToStop(j);
              System.out.println("STOPPED " + i);
            }
            case "start" -> {
              int i = Integer.parseInt(cmd[1]);
              JettySolrRunner j = cluster.getJettySolrRunner(i);
              cluster.startJettySolrRunner(j, true);
              cluster.waitForNode(j, 60);
              System.out.println("STARTED " + i + " " + j.getBaseUrl());
            }
            case "quit" -> {
              return;
            }
            default -> System.out.println("ERROR unknown command " + line);
          }
        } catch (Exception e) {
          System.out.println("ERROR " + e);
        }
        System.out.flush();
      }
    } finally {
      cluster.shutdown();
    }
  }
}
