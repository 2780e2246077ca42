package io.ragway.eval;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import io.ragway.llm.RetryPolicy;
import io.ragway.llm.Router;
import io.ragway.llm.UpstreamConfig;
import io.ragway.testkit.FakeOpenAi;
import io.ragway.testkit.TestRouters;
import java.time.Duration;
import java.util.List;
import java.util.function.Function;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** The LLM judge against a scripted judge model: its prompts, parsing, malformed answers and retried 5xx. */
class PromptedJudgeIT {

  private static final double EPS = 1e-6;
  private FakeOpenAi upstream;
  private Router router;

  @BeforeEach
  void start() throws Exception {
    upstream = new FakeOpenAi("judge");
    router = TestRouters.withoutBreaker(List.of(new UpstreamConfig("judge", upstream.baseUrl(), "", "judge-1", 8192, 0, 0,
        List.of(), Duration.ofSeconds(1), Duration.ofSeconds(2), Duration.ofSeconds(5))),
        new RetryPolicy(3, Duration.ZERO, Duration.ZERO, Duration.ofSeconds(5)));
  }

  @AfterEach
  void stop() {
    upstream.close();
  }

  /** Answers each of the judge's prompts, told apart by their instructions. */
  static Function<JsonNode, String> script(String statements, String verdicts, String questions, String useful, String attributed) {
    return body -> {
      String system = body.path("messages").path(0).path("content").asText();
      if (system.equals(PromptedJudge.STATEMENTS)) {
        return statements;
      } else if (system.equals(PromptedJudge.VERDICTS)) {
        return verdicts;
      } else if (system.equals(PromptedJudge.QUESTIONS)) {
        return questions;
      } else if (system.equals(PromptedJudge.USEFUL)) {
        return useful;
      } else if (system.equals(PromptedJudge.ATTRIBUTED)) {
        return attributed;
      }
      return "not a judge prompt";
    };
  }

  private static final Judge.Sample SAMPLE = new Judge.Sample("Who grows most coffee?",
      "Brazil grows the most coffee. It also exports sugar.", false, "Brazil",
      List.of("Brazil is the largest producer of coffee.", "Tea grows in China.", "Coffee is roasted."));

  @Test
  void scoresFromTheJudgesVerdicts() {
    FixedVectors v = new FixedVectors().query("Who grows most coffee?", 1, 0).query("Which country grows most coffee?", 0.8f, 0.6f)
        .query("Where is coffee grown most?", 0.6f, 0.8f);
    upstream.replyWith(script(
        "{\"statements\": [\"Brazil grows the most coffee.\", \"Brazil exports sugar.\"]}",
        "```json\n{\"verdicts\": [{\"statement\": \"a\", \"reason\": \"r\", \"verdict\": 1}, {\"statement\": \"b\", \"reason\": \"r\", \"verdict\": 0}]}\n```",
        "{\"questions\": [\"Which country grows most coffee?\", \"Where is coffee grown most?\"], \"noncommittal\": 0}",
        "{\"verdicts\": [{\"context\": 1, \"verdict\": 0}, {\"context\": 2, \"verdict\": 1}, {\"context\": 3, \"verdict\": 1}]}",
        "{\"classifications\": [{\"statement\": \"Brazil\", \"reason\": \"in [1]\", \"attributed\": 1}]}"));
    Judge judge = Judge.llm(router, "judge", v);
    var verdicts = judge.judge(SAMPLE);
    assertEquals(List.of(), verdicts.failures());
    assertEquals(0.5, verdicts.scores().get(Judge.FAITHFULNESS), EPS);
    assertEquals((0.8 + 0.6) / 2, verdicts.scores().get(Judge.ANSWER_RELEVANCY), EPS);
    assertEquals((1.0 / 2 + 2.0 / 3) / 2, verdicts.scores().get(Judge.CONTEXT_PRECISION), EPS);
    assertEquals(1, verdicts.scores().get(Judge.CONTEXT_RECALL), EPS);
    assertEquals("llm:judge", judge.name());
    // the statements reached the verdict prompt, numbered, with the contexts
    String verdictPrompt = upstream.requests().stream().map(b -> b.path("messages").path(1).path("content").asText())
        .filter(c -> c.startsWith("Context:")).findFirst().orElseThrow();
    assertTrue(verdictPrompt.contains("[1] Brazil is the largest producer of coffee."), verdictPrompt);
    assertTrue(verdictPrompt.contains("2. Brazil exports sugar."), verdictPrompt);
    assertEquals(0, upstream.requests().get(0).path("temperature").asDouble(), EPS);
  }

  @Test
  void aNoncommittalAnswerIsIrrelevant() {
    upstream.replyWith(script("{\"statements\": []}", "{}", "{\"questions\": [\"What?\"], \"noncommittal\": 1}",
        "{\"verdicts\": [1, 0, 0]}", "{\"classifications\": [{\"attributed\": 0}]}"));
    var verdicts = Judge.llm(router, "judge", new FixedVectors()).judge(SAMPLE);
    assertEquals(0, verdicts.scores().get(Judge.ANSWER_RELEVANCY), EPS);
    assertFalse(verdicts.scores().containsKey(Judge.FAITHFULNESS), "no statements, nothing to judge");
    assertEquals(1, verdicts.scores().get(Judge.CONTEXT_PRECISION), EPS);
    assertEquals(0, verdicts.scores().get(Judge.CONTEXT_RECALL), EPS);
    assertEquals(List.of(), verdicts.failures());
  }

  @Test
  void malformedJudgeAnswersAreCountedNotThrown() {
    upstream.replyWith(script(
        "Sure! The statements are: Brazil grows coffee.",                        // no JSON at all
        "{}",
        "{\"questions\": \"Which country?\", \"noncommittal\": 0}",              // not a list
        "{\"verdicts\": [{\"verdict\": 1}]}",                                    // 1 verdict for 3 contexts
        "{\"classifications\": [{\"attributed\": \"maybe\"}]}"));                // not 0 or 1
    var verdicts = Judge.llm(router, "judge", new FixedVectors()).judge(SAMPLE);
    assertTrue(verdicts.scores().isEmpty(), verdicts.scores().toString());
    assertEquals(4, verdicts.failures().size(), verdicts.failures().toString());
    assertTrue(verdicts.failures().stream().allMatch(f -> f.kind().equals("parse")), verdicts.failures().toString());
    assertTrue(verdicts.failures().get(0).message().contains("no JSON object"), verdicts.failures().get(0).message());
  }

  @Test
  void aServerErrorIsRetriedAndAnUpstreamThatKeepsFailingIsCounted() {
    upstream.replyWith(script("{\"statements\": [\"Brazil grows the most coffee.\"]}", "{\"verdicts\": [{\"verdict\": 1}]}",
        "{\"questions\": [\"Who grows most coffee?\"], \"noncommittal\": 0}", "{\"verdicts\": [1, 1, 0]}",
        "{\"classifications\": [{\"attributed\": 1}]}"));
    upstream.next(FakeOpenAi.Fault.status(500)); // the first call fails once, then succeeds on the retry
    var verdicts = Judge.llm(router, "judge", new FixedVectors()).judge(SAMPLE);
    assertEquals(List.of(), verdicts.failures());
    assertEquals(1, verdicts.scores().get(Judge.FAITHFULNESS), EPS);
    assertEquals(6, upstream.requests().size(), "five judge calls and one retry");

    upstream.next(FakeOpenAi.Fault.status(503), FakeOpenAi.Fault.status(503), FakeOpenAi.Fault.status(503));
    var failed = Judge.llm(router, "judge", new FixedVectors()).judge(SAMPLE);
    assertEquals(1, failed.failures().size(), failed.failures().toString());
    assertEquals("upstream", failed.failures().get(0).kind());
    assertEquals(Judge.FAITHFULNESS, failed.failures().get(0).metric());
    assertTrue(failed.scores().containsKey(Judge.CONTEXT_RECALL), "the other metrics are still judged");
  }
}
