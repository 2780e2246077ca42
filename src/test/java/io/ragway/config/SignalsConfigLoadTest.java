package io.ragway.config;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.ragway.rollout.RolloutConfig;
import io.ragway.rollout.Rollouts;
import io.ragway.telemetry.PromptVersions;
import io.ragway.webhook.WebhookConfig;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class SignalsConfigLoadTest {

  private static final String ROLLOUT = """
      models:
        - name: gpt-a
          base_url: http://127.0.0.1:1/v1
      generator: gpt-a
      prompts:
        versions:
          - version: v2
            system: Answer in one sentence from the sources, citing them as [n].
      rollouts:
        - name: rag-v2
          model: rag
          candidate: {prompt: v2}
      """;

  private static RagwayConfig parse(String yaml, Map<String, String> env) {
    return ConfigLoader.parse(yaml, "ragway.yaml", env::get);
  }

  @Test
  void thumbsDownIsOffUnlessConfiguredAndTakesItsDefaults() {
    RolloutConfig off = parse(ROLLOUT, Map.of()).rollouts().get(0);
    assertFalse(off.rollback().thumbsDown().enabled());
    RolloutConfig on = parse(ROLLOUT + "    rollback: {thumbs_down: {min_samples: 200}}\n", Map.of()).rollouts().get(0);
    RolloutConfig.ThumbsDown t = on.rollback().thumbsDown();
    assertTrue(t.enabled());
    assertEquals(200, t.minSamples());
    assertEquals(0.05, t.alpha());
    assertEquals(0.05, t.minIncrease());
    assertEquals(50, on.rollback().minRequests(), "the other rules keep their defaults");
  }

  @Test
  void aBadThumbsDownRuleIsRefusedWithItsKey() {
    String e = assertThrows(ConfigException.class, () -> parse(ROLLOUT
        + "    rollback: {thumbs_down: {alpha: 0.7}}\n", Map.of())).getMessage();
    assertTrue(e.contains("rollback.thumbs_down.alpha"), e);
  }

  @Test
  void webhooksReadTheirSecretFromTheEnvironment() {
    RagwayConfig c = parse("""
        webhooks:
          - url: https://alerts.example.org/ragway
            secret: ${HOOK_SECRET}
            events: [drift]
            max_attempts: 3
        """, Map.of("HOOK_SECRET", "from-env"));
    WebhookConfig w = c.webhooks().get(0);
    assertEquals("from-env", w.secret());
    assertEquals(List.of("drift"), w.events());
    assertEquals(3, w.maxAttempts());
    assertEquals(5_000, w.timeoutMs());
    assertTrue(parse("", Map.of()).webhooks().isEmpty());
  }

  @Test
  void aWebhookWithoutASecretIsRefused() {
    String e = assertThrows(ConfigException.class, () -> parse("webhooks: [{url: 'https://a.example.org/'}]\n", Map.of()))
        .getMessage();
    assertTrue(e.contains("needs a secret"), e);
  }

  @Test
  void promptVersionsFollowTheGeneratorAndEachArm() {
    RagwayConfig c = parse(ROLLOUT, Map.of());
    PromptVersions p = Rollouts.promptVersions(c.generator(), c.prompts().rag(), c.rollouts());
    assertEquals("v1", p.of("rag", ""));
    assertEquals("v1", p.of("rag", "rag-v2/stable"));
    assertEquals("v2", p.of("rag", "rag-v2/candidate"));
    assertEquals("none", p.of("gpt-a", ""), "an upstream model's prompt is the client's");
    PromptVersions extractive = Rollouts.promptVersions("", "", List.of());
    assertEquals("none", extractive.of("rag", ""));
    assertEquals("candidate", PromptVersions.arm("rag-v2/candidate"));
    assertEquals("none", PromptVersions.arm(""));
  }

  @Test
  void driftCanStartAnEvaluationOnTheLatestExport() {
    assertFalse(parse("", Map.of()).drift().onFire().eval().enabled());
    RagwayConfig c = parse("""
        drift:
          enabled: true
          on_fire:
            eval: {dataset: latest-export, limit: 50}
        """, Map.of());
    assertEquals("latest-export", c.drift().onFire().eval().dataset());
    assertEquals(50, c.drift().onFire().eval().limit());
    assertTrue(c.drift().onFire().eval().enabled());
    assertEquals(200, c.drift().window(), "the other drift keys keep their defaults");
  }
}
