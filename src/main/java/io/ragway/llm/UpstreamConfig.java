package io.ragway.llm;

import java.net.URI;
import java.time.Duration;
import java.util.List;
import java.util.Objects;

/**
 * One model served by an OpenAI-compatible upstream (vLLM, TGI, llama.cpp, Ollama, OpenAI...).
 *
 * @param name the model name clients ask for
 * @param baseUrl the upstream API root, e.g. {@code http://localhost:8000/v1}
 * @param model the model name sent upstream
 * @param fallbacks models (by name) tried in order when this one fails after its retries
 * @param connectTimeout time to establish the connection
 * @param firstTokenTimeout time until the response (or a stream's first event) starts
 * @param totalTimeout time for the whole response
 */
public record UpstreamConfig(String name, URI baseUrl, String apiKey, String model, int contextWindow,
    double inputPricePer1m, double outputPricePer1m, List<String> fallbacks, Duration connectTimeout,
    Duration firstTokenTimeout, Duration totalTimeout) {

  public UpstreamConfig {
    Objects.requireNonNull(name, "models[].name");
    if (name.isBlank() || name.equals("rag") || name.equals("extractive")) {
      throw new IllegalArgumentException("models[].name must be set and not 'rag' or 'extractive', got '" + name + "'");
    }
    Objects.requireNonNull(baseUrl, "models[].base_url of " + name);
    if (!"http".equals(baseUrl.getScheme()) && !"https".equals(baseUrl.getScheme())) {
      throw new IllegalArgumentException("models[].base_url of " + name + " must be an http(s) URL, got " + baseUrl);
    }
    apiKey = apiKey == null ? "" : apiKey;
    model = model == null || model.isBlank() ? name : model;
    fallbacks = fallbacks == null ? List.of() : List.copyOf(fallbacks);
    if (contextWindow < 0 || inputPricePer1m < 0 || outputPricePer1m < 0) {
      throw new IllegalArgumentException("models[] context window and prices of " + name + " must be >= 0");
    }
    Objects.requireNonNull(connectTimeout, "connectTimeout");
    Objects.requireNonNull(firstTokenTimeout, "firstTokenTimeout");
    Objects.requireNonNull(totalTimeout, "totalTimeout");
  }
}
