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
 * @param weight share of the model's traffic under the {@code weighted} strategy, when several
 *     entries of one name are deployments of the same model
 * @param maxConcurrency requests in flight at once, 0 for no limit
 * @param maxQueue requests waiting for a slot when {@code maxConcurrency} are in flight; more are
 *     refused at once
 * @param cachedInputPricePer1m USD per 1M prompt tokens the upstream reports as read from its prompt
 *     cache ({@code usage.prompt_tokens_details.cached_tokens})
 */
public record UpstreamConfig(String name, URI baseUrl, String apiKey, String model, int contextWindow,
    double inputPricePer1m, double outputPricePer1m, List<String> fallbacks, Duration connectTimeout,
    Duration firstTokenTimeout, Duration totalTimeout, int weight, int maxConcurrency, int maxQueue,
    double cachedInputPricePer1m) {

  /** Cached prompt tokens priced as any other prompt token. */
  public UpstreamConfig(String name, URI baseUrl, String apiKey, String model, int contextWindow,
      double inputPricePer1m, double outputPricePer1m, List<String> fallbacks, Duration connectTimeout,
      Duration firstTokenTimeout, Duration totalTimeout, int weight, int maxConcurrency, int maxQueue) {
    this(name, baseUrl, apiKey, model, contextWindow, inputPricePer1m, outputPricePer1m, fallbacks, connectTimeout,
        firstTokenTimeout, totalTimeout, weight, maxConcurrency, maxQueue, inputPricePer1m);
  }

  /** One deployment with weight 1 and no concurrency limit. */
  public UpstreamConfig(String name, URI baseUrl, String apiKey, String model, int contextWindow,
      double inputPricePer1m, double outputPricePer1m, List<String> fallbacks, Duration connectTimeout,
      Duration firstTokenTimeout, Duration totalTimeout) {
    this(name, baseUrl, apiKey, model, contextWindow, inputPricePer1m, outputPricePer1m, fallbacks, connectTimeout,
        firstTokenTimeout, totalTimeout, 1, 0, 64);
  }

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
    if (contextWindow < 0 || inputPricePer1m < 0 || outputPricePer1m < 0 || cachedInputPricePer1m < 0) {
      throw new IllegalArgumentException("models[] context window and prices of " + name + " must be >= 0");
    }
    Objects.requireNonNull(connectTimeout, "connectTimeout");
    Objects.requireNonNull(firstTokenTimeout, "firstTokenTimeout");
    Objects.requireNonNull(totalTimeout, "totalTimeout");
    if (weight < 1 || maxConcurrency < 0 || maxQueue < 0) {
      throw new IllegalArgumentException("models[] of " + name + ": weight must be >= 1, max_concurrency and max_queue >= 0");
    }
  }

  /** Where requests go, for logs and metrics: the base URL without credentials. */
  public String deployment() {
    return name + "@" + baseUrl.getHost() + (baseUrl.getPort() > 0 ? ":" + baseUrl.getPort() : "");
  }
}
