package io.ragway.retrieve;

import java.net.URI;
import java.time.Duration;
import java.util.Objects;

/**
 * A reranker behind a {@code /rerank} endpoint.
 *
 * @param url the full endpoint, e.g. {@code http://localhost:8080/rerank}
 * @param apiKey sent as a bearer token when not empty
 * @param model sent in Cohere-style requests when not empty
 * @param style which of the two common request shapes the endpoint speaks
 */
public record RerankerConfig(URI url, String apiKey, String model, Style style, Duration timeout) {

  /** Request and response shapes. */
  public enum Style {
    /** Hugging Face Text Embeddings Inference: {@code {query, texts}} -> {@code [{index, score}]}. */
    TEI,
    /** Cohere, also Jina, vLLM, Infinity: {@code {model, query, documents, top_n}} -> {@code {results: [{index, relevance_score}]}}. */
    COHERE
  }

  public RerankerConfig {
    Objects.requireNonNull(url, "retrieval.reranker.url");
    Objects.requireNonNull(style, "retrieval.reranker.style");
    apiKey = apiKey == null ? "" : apiKey;
    model = model == null ? "" : model;
    timeout = timeout == null ? Duration.ofSeconds(30) : timeout;
  }
}
