package io.ragway.config;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.ragway.rollout.RolloutConfig;
import java.util.Map;
import org.junit.jupiter.api.Test;

class RolloutConfigLoadTest {

  private static final String MODELS = """
      models:
        - name: gpt-a
          base_url: http://127.0.0.1:1/v1
        - name: gpt-b
          base_url: http://127.0.0.1:2/v1
      """;

  private static RagwayConfig parse(String yaml) {
    return ConfigLoader.parse(yaml, "ragway.yaml", Map.<String, String>of()::get);
  }

  private static String error(String yaml) {
    return assertThrows(ConfigException.class, () -> parse(yaml)).getMessage();
  }

  @Test
  void readsARolloutWithItsDefaults() {
    RagwayConfig c = parse(MODELS + """
        generator: gpt-a
        prompts:
          versions:
            - version: v2
              system: Answer in one sentence from the sources, citing them as [n].
        rollouts:
          - name: rag-v2
            model: rag
            percent: 25
            candidate: {model: gpt-b, prompt: v2, retrieval: {mode: bm25, k: 3}}
            rollback: {min_requests: 30, p99_ms: 80}
        drift: {enabled: true, clusters: 4, baseline_size: 100, window: 50}
        """);
    RolloutConfig r = c.rollouts().get(0);
    assertEquals("canary", r.mode());
    assertEquals(25.0, r.percent());
    assertEquals("user", r.sticky());
    assertEquals("v2", r.candidate().prompt());
    assertEquals(3, r.candidate().retrieval().k());
    assertEquals(30, r.rollback().minRequests());
    assertEquals(200, r.rollback().window());
    assertEquals(80.0, r.rollback().p99Ms());
    assertEquals(5.0, r.rollback().guardHitPoints());
    assertEquals(0.05, r.rollback().errorRate());
    assertTrue(c.drift().enabled());
    assertEquals(4, c.drift().clusters());
    assertEquals(0.25, c.drift().psiThreshold());
    assertTrue(c.prompts().templates().get("v1").isPresent());
  }

  @Test
  void refusesAnUnknownModel() {
    assertTrue(error(MODELS + """
        rollouts:
          - {name: r, model: gpt-a, candidate: {model: gpt-c}}
        """).contains("rollouts.r.candidate.model: unknown model 'gpt-c'"));
    assertTrue(error(MODELS + """
        rollouts:
          - {name: r, model: chat, candidate: {model: gpt-b}}
        """).contains("an alias needs a model on both arms"));
  }

  @Test
  void refusesAPercentOutOfRange() {
    assertTrue(error(MODELS + """
        rollouts:
          - {name: r, model: gpt-a, percent: 120, candidate: {model: gpt-b}}
        """).contains("rollouts.r.percent must be between 0 and 100, got 120.0"));
  }

  @Test
  void refusesAMissingCandidate() {
    assertTrue(error(MODELS + """
        rollouts:
          - {name: r, model: gpt-a}
        """).contains("rollouts.r.candidate is missing"));
  }

  @Test
  void refusesUnknownPromptVersionsAndPromptsForTheExtractiveAnswerer() {
    assertTrue(error(MODELS + """
        rollouts:
          - {name: r, model: rag, candidate: {model: gpt-b, prompt: v9}}
        """).contains("unknown prompt version 'v9'"));
    assertTrue(error(MODELS + """
        rollouts:
          - {name: r, model: rag, candidate: {prompt: v1, retrieval: {k: 3}}}
        """).contains("needs an upstream model"));
  }

  @Test
  void refusesTwoRolloutsOfOneModelAndBadModes() {
    assertTrue(error(MODELS + """
        rollouts:
          - {name: r1, model: gpt-a, candidate: {model: gpt-b}}
          - {name: r2, model: gpt-a, candidate: {model: gpt-b}}
        """).contains("has another rollout"));
    assertTrue(error(MODELS + """
        rollouts:
          - {name: r, model: gpt-a, mode: linear, candidate: {model: gpt-b}}
        """).contains("mode must be shadow, canary or blue-green"));
  }

  @Test
  void refusesADriftWindowTooSmallForItsClusters() {
    assertTrue(error("drift: {enabled: true, clusters: 16, window: 20}\n").contains("at least 4 x clusters"));
  }
}
