package io.ragway.embed;

import java.net.URI;
import java.time.Duration;
import java.util.Objects;

/**
 * An OpenAI-compatible embeddings endpoint (OpenAI, vLLM, Text Embeddings Inference, Ollama, ...).
 *
 * @param baseUrl the API root, e.g. {@code http://localhost:8000/v1}; {@code /embeddings} is appended
 * @param apiKey sent as a bearer token when not empty
 * @param model the model name sent upstream
 * @param dimension vector size; 0 to learn it from the first response
 * @param batchSize texts per request
 * @param queryPrefix instruction put before queries (empty for models that need none)
 */
public record OpenAiEmbeddingConfig(URI baseUrl, String apiKey, String model, int dimension, int batchSize,
    String queryPrefix, Duration timeout) {

  public OpenAiEmbeddingConfig {
    Objects.requireNonNull(baseUrl, "embedding.base_url");
    if (!"http".equals(baseUrl.getScheme()) && !"https".equals(baseUrl.getScheme())) {
      throw new IllegalArgumentException("embedding.base_url must be an http(s) URL, got " + baseUrl);
    }
    apiKey = apiKey == null ? "" : apiKey;
    model = model == null ? "" : model;
    queryPrefix = queryPrefix == null ? "" : queryPrefix;
    timeout = timeout == null ? Duration.ofSeconds(60) : timeout;
    if (dimension < 0) {
      throw new IllegalArgumentException("embedding.dimension must be >= 0, got " + dimension);
    }
    if (batchSize < 1) {
      throw new IllegalArgumentException("embedding.batch_size must be >= 1, got " + batchSize);
    }
  }
}
