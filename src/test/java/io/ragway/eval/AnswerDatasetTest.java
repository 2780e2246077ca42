package io.ragway.eval;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.ragway.eval.AnswerDataset.Kind;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class AnswerDatasetTest {

  @TempDir Path dir;

  private Path file(String... lines) throws Exception {
    return Files.writeString(dir.resolve("qa.jsonl"), String.join("\n", lines) + "\n");
  }

  @Test
  void aQaRowsAnswerIsTheReferenceAndRagwayAnswers() throws Exception {
    AnswerDataset d = AnswerDataset.read(file(
        "{\"id\": \"S08-0001\", \"question\": \"Was Lincoln president?\", \"answer\": \"yes\", \"set\": \"S08\"}"), false, 0);
    var row = d.rows().get(0);
    assertEquals("yes", row.reference());
    assertEquals(Optional.empty(), row.recordedAnswer());
    assertEquals(Kind.ANSWER_AS_REFERENCE, row.kind());
    assertEquals("S08-0001", row.id());
    assertEquals(new AnswerDataset.Reading(0, 0, 1), d.reading());
  }

  @Test
  void aRowWithGroundTruthScoresItsOwnAnswerUnlessAModelIsNamed() throws Exception {
    Path f = file("{\"question\": \"q?\", \"answer\": \"recorded\", \"ground_truth\": \"gold\", \"contexts\": [\"c1\", \"c2\"], \"rating\": -1}",
        "{\"question\": \"q2?\", \"answer\": \"a\", \"reference\": \"gold2\"}");
    AnswerDataset scored = AnswerDataset.read(f, false, 0);
    assertEquals(Optional.of("recorded"), scored.rows().get(0).recordedAnswer());
    assertEquals("gold", scored.rows().get(0).reference());
    assertEquals(List.of("c1", "c2"), scored.rows().get(0).contexts());
    assertEquals("gold2", scored.rows().get(1).reference());
    assertEquals(new AnswerDataset.Reading(2, 0, 0), scored.reading());
    assertEquals("line 2", scored.rows().get(1).id());

    AnswerDataset regenerated = AnswerDataset.read(f, true, 0);
    assertEquals(Optional.empty(), regenerated.rows().get(0).recordedAnswer());
    assertEquals("gold", regenerated.rows().get(0).reference());
    assertEquals(new AnswerDataset.Reading(0, 2, 0), regenerated.reading());
    assertTrue(regenerated.reading().describe().contains("answered again"));
  }

  @Test
  void badRowsAreRefusedNamingTheirLine() throws Exception {
    assertError("not valid JSON", ":2:", "{\"question\": \"ok?\", \"answer\": \"a\"}", "{\"question\": ");
    assertError("\"question\" is missing or empty", ":1:", "{\"question\": \"  \", \"answer\": \"a\"}");
    assertError("\"question\" is missing or empty", ":1:", "{\"answer\": \"a\"}");
    assertError("no reference", ":1:", "{\"question\": \"q?\"}");
    assertError("needs the \"answer\"", ":1:", "{\"question\": \"q?\", \"ground_truth\": \"g\"}");
    assertError("\"contexts\" must be a list of strings", ":1:", "{\"question\": \"q?\", \"answer\": \"a\", \"contexts\": \"c\"}");
    assertError("\"answer\" must be a string", ":1:", "{\"question\": \"q?\", \"answer\": 3}");
    assertError("not both", ":1:", "{\"question\": \"q?\", \"answer\": \"a\", \"ground_truth\": \"g\", \"reference\": \"r\"}");
    assertError("expected a JSON object", ":1:", "[1, 2]");
  }

  @Test
  void aRowWithGroundTruthNeedsNoAnswerWhenRegenerated() throws Exception {
    var d = AnswerDataset.read(file("{\"question\": \"q?\", \"ground_truth\": \"g\"}"), true, 0);
    assertEquals(Kind.REGENERATED, d.rows().get(0).kind());
  }

  @Test
  void blankLinesAreSkippedAndLimitCuts() throws Exception {
    Path f = file("{\"question\": \"a?\", \"answer\": \"1\"}", "", "{\"question\": \"b?\", \"answer\": \"2\"}",
        "{\"question\": \"c?\", \"answer\": \"3\"}");
    assertEquals(3, AnswerDataset.read(f, false, 0).rows().size());
    var two = AnswerDataset.read(f, false, 2).rows();
    assertEquals(2, two.size());
    assertEquals(3, two.get(1).line());
  }

  @Test
  void anEmptyFileIsAnError() throws Exception {
    var e = assertThrows(IllegalArgumentException.class, () -> AnswerDataset.read(file(""), false, 0));
    assertTrue(e.getMessage().contains("no rows"), e.getMessage());
  }

  private void assertError(String message, String where, String... lines) throws Exception {
    Path f = file(lines);
    var e = assertThrows(IllegalArgumentException.class, () -> AnswerDataset.read(f, false, 0));
    assertTrue(e.getMessage().contains(message), e.getMessage());
    assertTrue(e.getMessage().contains(f + where), e.getMessage());
  }
}
