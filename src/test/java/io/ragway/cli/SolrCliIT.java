package io.ragway.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.ragway.testkit.Cli;
import io.ragway.testkit.Cli.Run;
import io.ragway.testkit.SolrCloud;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The command line on a two-node test SolrCloud, with the real embedding model: {@code index migrate
 * --to solr}, then searching and asking with {@code index.backend: solr}, and {@code eval retrieval
 * --index both} on a SciFact sample (20 queries, 200 abstracts; when the shared data is present).
 */
class SolrCliIT {

  private static final ObjectMapper JSON = new ObjectMapper();
  private static Path tmp;
  private static SolrCloud cloud;

  @BeforeAll
  static void start() throws Exception {
    tmp = Files.createTempDirectory("solr-cli-it");
    cloud = SolrCloud.start(2, tmp.resolve("solr"));
  }

  @AfterAll
  static void stop() {
    if (cloud != null) {
      cloud.close();
    }
  }

  private static String[] urls() {
    return new String[] {"--solr-url", cloud.urls().get(0), "--solr-url", cloud.urls().get(1)};
  }

  private static Run ragway(Path config, String... args) {
    String[] all = new String[args.length + 4];
    System.arraycopy(args, 0, all, 0, args.length);
    all[args.length] = "--data";
    all[args.length + 1] = tmp.resolve("data").toString();
    all[args.length + 2] = "--config";
    all[args.length + 3] = config.toString();
    return Cli.run(all);
  }

  @Test
  void migratesTheEmbeddedIndexThenServesSearchesAndAnswersFromSolr() throws Exception {
    Path none = tmp.resolve("absent.yaml");
    Path docs = Files.createDirectories(tmp.resolve("docs"));
    Files.writeString(docs.resolve("lighthouse.md"), "# Harbour guide\n\n## The lighthouse\n\n"
        + "The old lighthouse was built in 1872 by the harbour board. Its lamp can be seen from twenty miles away.\n");
    Files.writeString(docs.resolve("bakery.txt"), "The bakery on Mill Street opens at six in the morning. It sells rye bread.\n");
    Run ingest = ragway(none, "ingest", docs.toString());
    assertEquals(0, ingest.code(), ingest.toString());

    List<String> migrate = new java.util.ArrayList<>(List.of("index", "migrate", "--to", "solr", "--collection", "harbour", "--json"));
    migrate.addAll(List.of(urls()));
    Run first = ragway(none, migrate.toArray(String[]::new));
    assertEquals(0, first.code(), first.toString());
    JsonNode r = JSON.readTree(first.out());
    assertEquals(2, r.get("sources").asInt(), first.out());
    assertEquals(r.get("chunks").asInt(), r.get("size").asInt(), first.out());
    Run again = ragway(none, migrate.toArray(String[]::new));
    assertEquals(0, again.code(), again.toString());
    assertEquals(r.get("size").asInt(), JSON.readTree(again.out()).get("size").asInt(), "a second run does not duplicate");

    Path config = tmp.resolve("solr.yaml");
    Files.writeString(config, "index:\n  backend: solr\n  solr:\n    urls: [" + cloud.urls().get(0) + ", " + cloud.urls().get(1)
        + "]\n    collection: harbour\n");
    Run search = ragway(config, "search", "--json", "--mode", "hybrid", "when was the lighthouse built");
    assertEquals(0, search.code(), search.toString());
    JsonNode top = JSON.readTree(search.out()).get("results").get(0);
    assertTrue(top.get("source").asText().endsWith("lighthouse.md"), search.out());
    String file = Files.readString(docs.resolve("lighthouse.md"));
    assertEquals(top.get("text").asText(), file.substring(top.get("start").asInt(), top.get("end").asInt()),
        "offsets survive the copy");
    Run ask = ragway(config, "ask", "--json", "What time does the bakery open?");
    assertEquals(0, ask.code(), ask.toString());
    JsonNode answer = JSON.readTree(ask.out());
    assertFalse(answer.get("abstained").asBoolean(), ask.out());
    assertTrue(answer.get("citations").get(0).get("source").asText().endsWith("bakery.txt"), ask.out());
  }

  @Test
  void refusesBadMigrateArgumentsWithUsageErrors() {
    Path none = tmp.resolve("absent.yaml");
    Run elastic = ragway(none, "index", "migrate", "--to", "elastic");
    assertEquals(2, elastic.code(), elastic.toString());
    assertTrue(elastic.err().contains("--to must be 'solr'"), elastic.toString());
    Run noSolr = ragway(none, "index", "migrate", "--to", "solr");
    assertEquals(2, noSolr.code(), noSolr.toString());
    assertTrue(noSolr.err().contains("index.solr.urls"), noSolr.toString());
    Run badName = ragway(none, "index", "migrate", "--to", "solr", "--solr-url", cloud.urls().get(0), "--collection", "a b");
    assertEquals(2, badName.code(), badName.toString());
  }

  @Test
  void evaluatesSciFactThroughSolrAsTheEmbeddedIndexScoresIt() throws Exception {
    Path scifact = Path.of("..", "shared", "data", "beir-scifact");
    Assumptions.assumeTrue(Files.isDirectory(scifact), "shared SciFact data not present");
    List<String> args = new java.util.ArrayList<>(List.of("eval", "retrieval", "--beir", scifact.toString(), "--mode", "all",
        "--json", "--max-queries", "20", "--max-docs", "200", "--index", "both"));
    args.addAll(List.of(urls()));
    Run r = ragway(tmp.resolve("absent.yaml"), args.toArray(String[]::new));
    assertEquals(0, r.code(), r.toString());
    Map<String, Double> ndcg = new HashMap<>();
    for (String line : r.out().strip().split("\n")) {
      JsonNode n = JSON.readTree(line);
      ndcg.put(n.get("index").asText() + " " + n.get("mode").asText(), n.get("ndcg@10").asDouble());
    }
    for (String mode : List.of("bm25", "dense", "hybrid")) {
      assertTrue(ndcg.get("embedded " + mode) > 0.5, r.out());
      assertEquals(ndcg.get("embedded " + mode), ndcg.get("solr " + mode), 0.005, mode + ": " + r.out());
    }
  }
}
