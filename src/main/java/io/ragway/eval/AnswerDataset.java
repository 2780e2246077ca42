package io.ragway.eval;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.BufferedReader;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.Optional;

/**
 * Questions to answer and score, one JSON object per line: {@code question}, and {@code answer},
 * {@code ground_truth} (or its alias {@code reference}), {@code contexts} as the row has them.
 *
 * <p>The rule for {@code answer}: a row with a {@code ground_truth} carries its own answer (a
 * recorded one, as the feedback export writes), which is scored as it is unless the caller asks
 * for answers to be generated again; a row without {@code ground_truth} is a QA pair whose
 * {@code answer} is the reference, and ragway writes the answer to score. {@code id} names a row
 * in reports; other keys ({@code rating}, {@code set}, ...) are ignored.
 */
public record AnswerDataset(Path file, List<AnswerRow> rows, Reading reading) {

  /**
   * How the rows were read.
   *
   * @param recorded rows whose own answer is scored against their ground_truth
   * @param regenerated rows with a ground_truth whose answer ragway writes again (a model was named)
   * @param answerAsReference rows without ground_truth: their answer is the reference
   */
  public record Reading(int recorded, int regenerated, int answerAsReference) {
    /** One line for people: which reading each row got. */
    public String describe() {
      List<String> parts = new ArrayList<>();
      if (recorded > 0) {
        parts.add(recorded + " rows with ground_truth: their recorded answer is scored as it is");
      }
      if (regenerated > 0) {
        parts.add(regenerated + " rows with ground_truth: answered again by the model named with --model");
      }
      if (answerAsReference > 0) {
        parts.add(answerAsReference + " rows without ground_truth: 'answer' is the reference and ragway answers");
      }
      return String.join("; ", parts);
    }
  }

  /** Which reading a row got. */
  public enum Kind { RECORDED, REGENERATED, ANSWER_AS_REFERENCE }

  /**
   * One question.
   *
   * @param line the line of the file it came from (1-based)
   * @param id the row's {@code id}, else "line N"
   * @param recordedAnswer the answer to score as it is; empty when ragway answers
   * @param contexts the row's contexts, best first; empty when it gave none
   */
  public record AnswerRow(int line, String id, String question, String reference, Optional<String> recordedAnswer,
      List<String> contexts, Kind kind) {
    public AnswerRow {
      Objects.requireNonNull(kind, "kind");
      if (recordedAnswer.isPresent() != (kind == Kind.RECORDED)) {
        throw new IllegalArgumentException("a recorded answer goes with kind RECORDED only");
      }
      Objects.requireNonNull(question, "question");
      Objects.requireNonNull(reference, "reference");
      Objects.requireNonNull(recordedAnswer, "recordedAnswer");
      contexts = List.copyOf(contexts);
    }
  }

  private static final ObjectMapper JSON = new ObjectMapper();

  public AnswerDataset {
    rows = List.copyOf(rows);
  }

  /**
   * Reads {@code file}.
   *
   * @param regenerate whether rows with a ground_truth get a new answer instead of their own
   * @param limit the most rows to read, 0 for all
   * @throws IllegalArgumentException naming the file and line of the first bad row
   */
  public static AnswerDataset read(Path file, boolean regenerate, int limit) throws IOException {
    if (!Files.isRegularFile(file)) {
      throw new IllegalArgumentException("no such data set file: " + file);
    }
    List<AnswerRow> rows = new ArrayList<>();
    int recorded = 0;
    int regenerated = 0;
    int asReference = 0;
    try (BufferedReader r = Files.newBufferedReader(file, StandardCharsets.UTF_8)) {
      String text;
      int n = 0;
      while ((text = r.readLine()) != null && (limit <= 0 || rows.size() < limit)) {
        n++;
        if (text.isBlank()) {
          continue;
        }
        AnswerRow row = parse(text, file, n, regenerate);
        switch (row.kind()) {
          case RECORDED -> recorded++;
          case REGENERATED -> regenerated++;
          case ANSWER_AS_REFERENCE -> asReference++;
        }
        rows.add(row);
      }
    } catch (java.nio.charset.MalformedInputException e) {
      throw new IllegalArgumentException(file + ": not UTF-8 text");
    }
    if (rows.isEmpty()) {
      throw new IllegalArgumentException(file + ": no rows (expected one JSON object per line with a \"question\")");
    }
    return new AnswerDataset(file, rows, new Reading(recorded, regenerated, asReference));
  }

  /** Applies the rule above to one line of the file. */
  static AnswerRow parse(String text, Path file, int line, boolean regenerate) {
    String where = file + ":" + line + ": ";
    JsonNode node;
    try {
      node = JSON.readTree(text);
    } catch (com.fasterxml.jackson.core.JsonProcessingException e) {
      throw new IllegalArgumentException(where + "not valid JSON (" + e.getOriginalMessage() + ")");
    }
    if (node == null || !node.isObject()) {
      throw new IllegalArgumentException(where + "expected a JSON object with a \"question\"");
    }
    String question = string(node, "question", where).orElse("").strip();
    if (question.isEmpty()) {
      throw new IllegalArgumentException(where + "\"question\" is missing or empty");
    }
    if (node.hasNonNull("ground_truth") && node.hasNonNull("reference")) {
      throw new IllegalArgumentException(where + "give either \"ground_truth\" or \"reference\", not both");
    }
    Optional<String> truth = string(node, node.hasNonNull("reference") ? "reference" : "ground_truth", where);
    Optional<String> answer = string(node, "answer", where);
    List<String> contexts = contexts(node, where);
    String id = node.hasNonNull("id") && node.get("id").isValueNode() ? node.get("id").asText() : "line " + line;
    if (truth.isPresent()) {
      if (truth.get().isBlank()) {
        throw new IllegalArgumentException(where + "\"ground_truth\" is empty");
      }
      if (!regenerate && answer.isEmpty()) {
        throw new IllegalArgumentException(where + "a row with \"ground_truth\" needs the \"answer\" to score "
            + "(or name a model with --model to answer it)");
      }
      return regenerate
          ? new AnswerRow(line, id, question, truth.get().strip(), Optional.empty(), contexts, Kind.REGENERATED)
          : new AnswerRow(line, id, question, truth.get().strip(), answer, contexts, Kind.RECORDED);
    }
    if (answer.isEmpty() || answer.get().isBlank()) {
      throw new IllegalArgumentException(where + "no reference: give \"ground_truth\" (or \"reference\"), or the reference "
          + "answer as \"answer\"");
    }
    return new AnswerRow(line, id, question, answer.get().strip(), Optional.empty(), contexts, Kind.ANSWER_AS_REFERENCE);
  }

  private static Optional<String> string(JsonNode node, String field, String where) {
    JsonNode v = node.get(field);
    if (v == null || v.isNull()) {
      return Optional.empty();
    }
    if (!v.isTextual()) {
      throw new IllegalArgumentException(where + "\"" + field + "\" must be a string");
    }
    return Optional.of(v.asText());
  }

  private static List<String> contexts(JsonNode node, String where) {
    JsonNode v = node.get("contexts");
    if (v == null || v.isNull()) {
      return List.of();
    }
    if (!v.isArray()) {
      throw new IllegalArgumentException(where + "\"contexts\" must be a list of strings");
    }
    List<String> out = new ArrayList<>();
    for (JsonNode c : v) {
      if (!c.isTextual()) {
        throw new IllegalArgumentException(where + "\"contexts\" must be a list of strings");
      }
      if (!c.asText().isBlank()) {
        out.add(c.asText());
      }
    }
    return out;
  }
}
