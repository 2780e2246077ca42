package io.ragway.telemetry;

import java.util.Map;
import java.util.Objects;

/**
 * The prompt version that wrote each answer, for the {@code prompt_version} label of the quality
 * metrics: {@code rag}'s own outside rollouts, and each rollout arm's ({@code rollout/arm}).
 * {@link Telemetry#NONE} for answers written without a prompt (the extractive answerer, upstream models).
 *
 * @param rag the version {@code rag} answers with outside rollouts
 * @param arms by rollout arm label ({@code name/stable}, {@code name/candidate}), for rollouts of {@code rag}
 */
public record PromptVersions(String rag, Map<String, String> arms) {

  public PromptVersions {
    Objects.requireNonNull(rag, "rag");
    arms = Map.copyOf(arms);
  }

  /** No prompts: every answer is labelled {@link Telemetry#NONE}. */
  public static PromptVersions none() {
    return new PromptVersions(Telemetry.NONE, Map.of());
  }

  /** The version an answer of {@code model} by the rollout arm {@code rolloutLabel} (empty outside rollouts) was written with. */
  public String of(String model, String rolloutLabel) {
    if (!model.equals("rag")) {
      return Telemetry.NONE;
    }
    return arms.getOrDefault(rolloutLabel, rag);
  }

  /** The arm of a rollout label ({@code name/arm}), or {@link Telemetry#NONE} outside rollouts. */
  public static String arm(String rolloutLabel) {
    int slash = rolloutLabel.lastIndexOf('/');
    return slash < 0 ? Telemetry.NONE : rolloutLabel.substring(slash + 1);
  }
}
