package io.ragway.embed;

import io.ragway.config.JsonMappers;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.net.URI;
import io.opentelemetry.api.trace.propagation.W3CTraceContextPropagator;
import io.opentelemetry.context.Context;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.util.ArrayList;
import java.util.List;

/** Embeds through any OpenAI-compatible {@code POST /embeddings} endpoint, in batches. */
final class OpenAiEmbeddingModel implements EmbeddingModel {

  private static final ObjectMapper JSON = JsonMappers.create();

  private final OpenAiEmbeddingConfig config;
  private final URI endpoint;
  private final HttpClient http;
  private volatile int dimension;

  OpenAiEmbeddingModel(OpenAiEmbeddingConfig config) {
    this.config = config;
    String base = config.baseUrl().toString();
    this.endpoint = URI.create((base.endsWith("/") ? base : base + "/") + "embeddings");
    this.http = HttpClient.newBuilder().connectTimeout(config.timeout()).build();
    this.dimension = config.dimension();
  }

  @Override
  public String id() {
    return "openai:" + config.model();
  }

  @Override
  public int dimension() {
    if (dimension == 0) {
      embedDocuments(List.of("dimension probe")); // learns it from the response
    }
    return dimension;
  }

  @Override
  public float[] embedQuery(String query) {
    return call(List.of(config.queryPrefix() + query)).get(0);
  }

  @Override
  public List<float[]> embedDocuments(List<String> texts) {
    List<float[]> out = new ArrayList<>(texts.size());
    for (int from = 0; from < texts.size(); from += config.batchSize()) {
      out.addAll(call(texts.subList(from, Math.min(texts.size(), from + config.batchSize()))));
    }
    return out;
  }

  @Override
  public TokenCounter tokenCounter() {
    return TokenCounter.approximate();
  }

  private List<float[]> call(List<String> texts) {
    ObjectNode body = JSON.createObjectNode();
    if (!config.model().isEmpty()) {
      body.put("model", config.model());
    }
    texts.forEach(body.putArray("input")::add);
    HttpRequest.Builder request = HttpRequest.newBuilder(endpoint)
        .timeout(config.timeout())
        .header("Content-Type", "application/json")
        .POST(HttpRequest.BodyPublishers.ofString(body.toString()));
    if (!config.apiKey().isEmpty()) {
      request.header("Authorization", "Bearer " + config.apiKey());
    }
    // the request's W3C trace context (docs/observability.md), when a traced request is being served
    W3CTraceContextPropagator.getInstance().inject(Context.current(), request, HttpRequest.Builder::header);
    HttpResponse<String> response;
    try {
      response = http.send(request.build(), HttpResponse.BodyHandlers.ofString());
    } catch (IOException e) {
      throw new EmbeddingException("cannot reach embeddings endpoint " + endpoint + ": " + e, e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new EmbeddingException("interrupted while calling " + endpoint, e);
    }
    if (response.statusCode() / 100 != 2) {
      throw new EmbeddingException("embeddings endpoint " + endpoint + " answered " + response.statusCode() + ": "
          + upstreamMessage(withoutKey(response.body())));
    }
    return parse(response.body(), texts.size());
  }

  private List<float[]> parse(String body, int expected) {
    JsonNode data;
    try {
      data = JSON.readTree(body).path("data");
    } catch (IOException e) {
      throw new EmbeddingException("embeddings endpoint " + endpoint + " returned malformed JSON: " + e.getMessage(), e);
    }
    if (!data.isArray() || data.size() != expected) {
      throw new EmbeddingException("embeddings endpoint " + endpoint + " returned " + (data.isArray() ? data.size() : "no")
          + " embeddings for " + expected + " inputs");
    }
    float[][] out = new float[expected][];
    for (int i = 0; i < data.size(); i++) {
      JsonNode item = data.get(i);
      int index = item.path("index").asInt(i);
      JsonNode values = item.path("embedding");
      if (index < 0 || index >= expected || out[index] != null || !values.isArray() || values.isEmpty()) {
        throw new EmbeddingException("embeddings endpoint " + endpoint + " returned a bad item at position " + i
            + " (index " + index + "; float embeddings expected)");
      }
      float[] v = new float[values.size()];
      for (int j = 0; j < v.length; j++) {
        v[j] = (float) values.get(j).asDouble();
      }
      if (dimension == 0) {
        dimension = v.length;
      } else if (v.length != dimension) {
        throw new EmbeddingException("embeddings endpoint " + endpoint + " returned " + v.length
            + " dimensions, expected " + dimension);
      }
      out[index] = Vectors.normalise(v);
    }
    return List.of(out);
  }

  /** The upstream's words with this client's API key blanked out, should the upstream echo it back. */
  private String withoutKey(String text) {
    return config.apiKey().isEmpty() ? text : text.replace(config.apiKey(), "[api key]");
  }

  private static String upstreamMessage(String body) {
    try {
      JsonNode error = JSON.readTree(body).path("error");
      if (error.isTextual()) {
        return error.asText();
      }
      if (error.has("message")) {
        return error.get("message").asText();
      }
    } catch (IOException ignored) {
      // not JSON: show the start of the body instead
    }
    return body.length() > 200 ? body.substring(0, 200) + "..." : body;
  }
}
