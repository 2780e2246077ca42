package io.ragway.llm;

import io.ragway.embed.EmbeddingModel;

/** Creates chat models. */
public final class ChatModels {

  private ChatModels() {}

  /**
   * The built-in extractive answerer: answers with the sources' own sentences, each cited, and
   * abstains when none is good enough. Needs no language model.
   */
  public static ChatModel extractive(EmbeddingModel embedder, ExtractiveConfig config) {
    return new ExtractiveAnswerer(embedder, config);
  }
}
