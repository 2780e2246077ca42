package io.ragway.eval;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class BeirDatasetTest {

  @TempDir Path dir;

  private void write(String corpus, String queries, String qrels) throws Exception {
    Files.writeString(dir.resolve("corpus.jsonl"), corpus);
    Files.writeString(dir.resolve("queries.jsonl"), queries);
    Files.createDirectories(dir.resolve("qrels"));
    Files.writeString(dir.resolve("qrels/test.tsv"), qrels);
  }

  @Test
  void readsCrlfQrelsAndKeepsOnlyJudgedQueriesWithoutMetadata() throws Exception {
    write("""
        {"_id": "d1", "title": "T1", "text": "one", "metadata": {}}
        {"_id": "d2", "title": "", "text": "two", "metadata": {}}
        """, """
        {"_id": "q1", "text": "first?", "metadata": {"d1": [{"label": "SUPPORT"}]}}
        {"_id": "q2", "text": "unjudged?", "metadata": {}}
        """, "query-id\tcorpus-id\tscore\r\nq1\td1\t1\r\n");
    BeirDataset data = BeirDataset.load(dir, "test");
    assertEquals(2, data.corpus().size());
    assertEquals(List.of("q1"), List.copyOf(data.queries().keySet()));
    assertEquals("first?", data.queries().get("q1"));
    assertEquals(1, data.qrels().get("q1").get("d1"));
  }

  @Test
  void explainsMissingFilesBadLinesAndUnknownQueries() throws Exception {
    assertTrue(assertThrows(IllegalArgumentException.class, () -> BeirDataset.load(dir, "test")).getMessage().contains("corpus.jsonl"));
    write("{\"_id\": \"d1\", \"text\": \"x\"}\nnot json\n", "{\"_id\": \"q1\", \"text\": \"q\"}\n", "q1\td1\t1\n");
    assertTrue(assertThrows(IllegalArgumentException.class, () -> BeirDataset.load(dir, "test")).getMessage().contains("corpus.jsonl:2"));
    write("{\"_id\": \"d1\", \"text\": \"x\"}\n", "{\"_id\": \"q1\", \"text\": \"q\"}\n", "q9\td1\t1\n");
    assertTrue(assertThrows(IllegalArgumentException.class, () -> BeirDataset.load(dir, "test")).getMessage().contains("q9"));
  }

  @Test
  void loadsSciFactAndSubsetsKeepRelevantDocuments() throws Exception {
    Path scifact = Path.of("..", "shared", "data", "beir-scifact");
    Assumptions.assumeTrue(Files.isDirectory(scifact), "shared SciFact data not present");
    BeirDataset data = BeirDataset.load(scifact, "test");
    assertEquals(5183, data.corpus().size());
    assertEquals(300, data.queries().size());
    assertEquals(339, data.qrels().values().stream().mapToInt(m -> m.size()).sum());
    BeirDataset small = data.subset(20, 200);
    assertEquals(20, small.queries().size());
    assertEquals(200, small.corpus().size());
    var ids = small.corpus().stream().map(BeirDataset.BeirDoc::id).toList();
    small.qrels().values().forEach(m -> assertTrue(ids.containsAll(m.keySet())));
    assertFalse(data.queries().values().stream().anyMatch(q -> q.contains("SUPPORT")));
  }
}
