package io.ragway.embed;

/** Creates embedding models. */
public final class EmbeddingModels {

  private EmbeddingModels() {}

  /**
   * bge-small-en-v1.5 (int8, 384 dimensions) in process with ONNX Runtime on every core; the
   * model ships inside a Maven artifact, so nothing is downloaded.
   */
  public static EmbeddingModel bgeSmallEnV15() {
    return new OnnxEmbedder(Runtime.getRuntime().availableProcessors(), 1);
  }

  /** An OpenAI-compatible {@code /embeddings} endpoint. */
  public static EmbeddingModel openAi(OpenAiEmbeddingConfig config) {
    return new OpenAiEmbeddingModel(config);
  }
}
