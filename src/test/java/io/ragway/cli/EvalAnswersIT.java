package io.ragway.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.ragway.testkit.Cli;
import io.ragway.testkit.FakeOpenAi;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code ragway eval answers} end to end on a tiny corpus: the extractive answerer, and an upstream writer and judge. */
class EvalAnswersIT {

  private static final ObjectMapper JSON = new ObjectMapper();

  @TempDir static Path tmp;
  static Path docs;
  static Path dataset;

  @BeforeAll
  static void corpus() throws Exception {
    docs = Files.createDirectories(tmp.resolve("docs"));
    Files.writeString(docs.resolve("drinks.md"), """
        # Tea

        Green tea is made from leaves that are steamed or pan-fired soon after picking. Black tea is fully oxidised before it is dried.
        The tea plant, Camellia sinensis, grows best in warm climates with heavy rainfall.

        # Coffee

        Coffee beans are the roasted seeds of the Coffea plant. Espresso is brewed by forcing hot water through finely ground coffee under pressure.
        Brazil is the largest producer of coffee in the world.
        """);
    dataset = Files.writeString(tmp.resolve("qa.jsonl"), """
        {"id": "q1", "question": "Which country is the largest producer of coffee?", "answer": "Brazil"}
        {"id": "q2", "question": "How is espresso brewed?", "answer": "By forcing hot water through finely ground coffee under pressure."}
        {"id": "q3", "question": "What is the population of the capital of Mongolia?", "answer": "About 1.6 million"}
        {"id": "q4", "question": "How is black tea made?", "answer": "It is fully oxidised, then dried.", "ground_truth": "Black tea is fully oxidised before it is dried.", "contexts": ["Black tea is fully oxidised before it is dried."], "rating": 1}
        """);
  }

  /** A judge answering each of the judge's prompts (told apart by their instructions) with the given text. */
  private static java.util.function.Function<JsonNode, String> script(String statements, String verdicts, String questions,
      String useful, String attributed) {
    return body -> {
      String system = body.path("messages").path(0).path("content").asText();
      return system.contains("standalone statements") ? statements
          : system.contains("Judge each numbered statement") ? verdicts
          : system.contains("Write three questions") ? questions
          : system.contains("For each numbered context") ? useful
          : system.contains("Split the reference answer") ? attributed : "not a judge prompt";
    };
  }

  private static String[] args(Path data, Path config, String... more) {
    String[] base = {"eval", "answers", "--dataset", dataset.toString(), "--docs", docs.toString(), "--data", data.toString(),
        "--config", config.toString()};
    String[] all = new String[base.length + more.length];
    System.arraycopy(base, 0, all, 0, base.length);
    System.arraycopy(more, 0, all, base.length, more.length);
    return all;
  }

  @Test
  void scoresTheExtractiveAnswererAndWritesReportAndResults() throws Exception {
    Path data = tmp.resolve("data-extractive");
    Path report = tmp.resolve("report.html");
    Path out = tmp.resolve("results.json");
    var run = Cli.run(args(data, tmp.resolve("absent.yaml"), "--model", "extractive", "--report", report.toString(),
        "--out", out.toString()));
    assertEquals(0, run.code(), run.toString());
    assertTrue(run.out().contains("1 rows with ground_truth: answered again"), run.out());
    assertTrue(run.out().contains("3 rows without ground_truth: 'answer' is the reference and ragway answers"), run.out());
    assertTrue(run.out().matches("(?s).*faithfulness\\s+\\d\\.\\d{4}\\s+\\d+.*"), run.out());
    assertTrue(run.out().contains("answer latency: p50"), run.out());

    JsonNode results = JSON.readTree(out.toFile());
    JsonNode rows = results.get("results");
    assertEquals(4, rows.size());
    JsonNode q1 = rows.get(0);
    assertTrue(q1.get("answer").asText().contains("Brazil is the largest producer of coffee"), q1.toString());
    assertFalse(q1.get("answer").asText().contains("[1]"), "citation markers are not scored");
    assertTrue(q1.get("contexts").size() > 0);
    assertEquals(1.0, q1.get("scores").get("faithfulness").asDouble(), 1e-9, "extractive answers quote their contexts");
    assertTrue(rows.get(2).get("abstained").asBoolean(), "nothing about Mongolia: " + rows.get(2));
    assertEquals("regenerated", rows.get(3).get("reading").asText());
    assertEquals(0.25, results.get("summary").get("abstention_rate").asDouble(), 1e-9);
    assertEquals(4, results.get("summary").get("latency_ms").get("answers").asInt());

    String html = Files.readString(report);
    assertTrue(html.contains("<svg") && html.contains("Worst answers") && html.contains("Mongolia"));
  }

  @Test
  void scoresRecordedAnswersAsTheyAreAndPrintsJson() throws Exception {
    Path only = Files.writeString(tmp.resolve("recorded.jsonl"),
        "{\"question\": \"How is black tea made?\", \"answer\": \"Black tea is fully oxidised before it is dried. [1]\", "
            + "\"ground_truth\": \"Black tea is fully oxidised before it is dried.\", \"contexts\": [\"Black tea is fully oxidised before it is dried.\"]}\n");
    // no --docs and no index: recorded answers with their contexts need neither
    var run = Cli.run("eval", "answers", "--dataset", only.toString(), "--data", tmp.resolve("no-index").toString(),
        "--config", tmp.resolve("absent.yaml").toString(), "--json");
    assertEquals(0, run.code(), run.toString());
    JsonNode summary = JSON.readTree(run.out());
    assertEquals(1.0, summary.get("metrics").get("exact_match").asDouble(), 1e-9);
    assertEquals(1.0, summary.get("metrics").get("bleu").asDouble(), 1e-9);
    assertEquals(1, summary.get("reading").get("recorded").asInt());
    assertEquals(0, summary.get("latency_ms").get("answers").asInt());
    assertTrue(run.err().contains("their recorded answer is scored as it is"), run.err());
    assertFalse(Files.exists(tmp.resolve("no-index").resolve("index")), "nothing was indexed");
  }

  @Test
  void generatesAndJudgesWithUpstreamModels() throws Exception {
    try (FakeOpenAi writer = new FakeOpenAi("writer"); FakeOpenAi judge = new FakeOpenAi("judge")) {
      writer.reply("Brazil is the largest producer of coffee in the world. [1]");
      judge.replyWith(script(
          "{\"statements\": [\"Brazil is the largest producer of coffee.\"]}",
          "{\"verdicts\": [{\"statement\": \"s\", \"verdict\": 1}]}",
          "not JSON, as judges sometimes answer",
          "{\"verdicts\": [1]}",
          "{\"classifications\": [{\"statement\": \"Brazil\", \"attributed\": 1}]}"));
      judge.next(FakeOpenAi.Fault.status(502)); // retried by the router
      Path config = Files.writeString(tmp.resolve("ragway.yaml"), """
          models:
            - {name: writer, base_url: "%s"}
            - {name: judge, base_url: "%s"}
          gateway: {base_delay_ms: 1, max_delay_ms: 2}
          retrieval: {k: 1}
          eval: {judge_model: judge}
          """.formatted(writer.baseUrl(), judge.baseUrl()));
      Path one = Files.writeString(tmp.resolve("one.jsonl"),
          "{\"question\": \"Which country is the largest producer of coffee?\", \"answer\": \"Brazil\"}\n");
      var run = Cli.run("eval", "answers", "--dataset", one.toString(), "--docs", docs.toString(), "--data",
          tmp.resolve("data-upstream").toString(), "--config", config.toString(), "--model", "writer", "--json");
      assertEquals(0, run.code(), run.toString());
      JsonNode s = JSON.readTree(run.out());
      assertEquals("writer", s.get("config").get("model").asText());
      assertEquals("llm:judge", s.get("config").get("judge").asText());
      assertEquals(1.0, s.get("metrics").get("faithfulness").asDouble(), 1e-9);
      assertEquals(1.0, s.get("metrics").get("context_recall").asDouble(), 1e-9);
      assertEquals(1.0, s.get("metrics").get("context_precision").asDouble(), 1e-9);
      assertFalse(s.get("metrics").has("answer_relevancy"), "its judge answer was malformed");
      assertEquals(1, s.get("judge_failures").get("answer_relevancy").get("parse").asInt(), s.toString());
      assertEquals(1, writer.requests().size());
      assertEquals(6, judge.requests().size(), "five judge calls, one of them retried");
    }
  }

  @Test
  void badInputExitsWithTwoNamingTheLine() throws Exception {
    Path bad = Files.writeString(tmp.resolve("bad.jsonl"), "{\"question\": \"ok?\", \"answer\": \"a\"}\n{\"question\": \"\", \"answer\": \"b\"}\n");
    var run = Cli.run("eval", "answers", "--dataset", bad.toString(), "--data", tmp.resolve("d").toString());
    assertEquals(2, run.code(), run.toString());
    assertTrue(run.err().contains("bad.jsonl:2: \"question\" is missing or empty"), run.err());

    var unknownModel = Cli.run(args(tmp.resolve("data-extractive"), tmp.resolve("absent.yaml"), "--model", "gpt-9"));
    assertEquals(2, unknownModel.code(), unknownModel.toString());
    assertTrue(unknownModel.err().contains("unknown model 'gpt-9'"), unknownModel.err());

    var noIndex = Cli.run("eval", "answers", "--dataset", dataset.toString(), "--data", tmp.resolve("empty").toString());
    assertEquals(2, noIndex.code(), noIndex.toString());
    assertTrue(noIndex.err().contains("give --docs DIR"), noIndex.err());
  }
}
