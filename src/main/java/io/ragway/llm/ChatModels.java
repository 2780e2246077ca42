package io.ragway.llm;

import io.ragway.embed.EmbeddingModel;

/** Creates chat models. */
public final class ChatModels {

  /** What ragway's models answer when the documents do not hold an answer; an answer starting with it abstains. */
  public static final String ABSTENTION = ExtractiveAnswerer.ABSTAIN;

  /** The instructions {@code rag}'s generator is given before the sources: prompt version {@code v1}. */
  public static final String DEFAULT_INSTRUCTIONS = GeneratingModel.INSTRUCTIONS;

  private ChatModels() {}

  /**
   * The built-in extractive answerer: answers with the sources' own sentences, each cited, and
   * abstains when none is good enough. Needs no language model.
   */
  public static ChatModel extractive(EmbeddingModel embedder, ExtractiveConfig config) {
    return new ExtractiveAnswerer(embedder, config);
  }

  /**
   * An upstream model (one the router serves) answering from the sources and citing them; the
   * router's retries and fallbacks apply.
   */
  public static ChatModel generating(Router router, String model) {
    return new GeneratingModel(router, model);
  }

  /** As {@link #generating(Router, String)}, with other instructions before the sources (a prompt version's text). */
  public static ChatModel generating(Router router, String model, String instructions) {
    return new GeneratingModel(router, model, instructions);
  }
}
