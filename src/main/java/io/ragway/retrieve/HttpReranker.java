package io.ragway.retrieve;

import io.ragway.config.JsonMappers;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import io.opentelemetry.api.trace.propagation.W3CTraceContextPropagator;
import io.opentelemetry.context.Context;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.util.ArrayList;
import java.util.List;

/** Reranks through a cross-encoder served over HTTP, in either common {@code /rerank} shape. */
public final class HttpReranker implements Reranker {

  private static final ObjectMapper JSON = JsonMappers.create();

  private final RerankerConfig config;
  private final HttpClient http;

  private HttpReranker(RerankerConfig config) {
    this.config = config;
    this.http = HttpClient.newBuilder().connectTimeout(config.timeout()).build();
  }

  public static HttpReranker create(RerankerConfig config) {
    return new HttpReranker(config);
  }

  @Override
  public List<Retrieved> rerank(String query, List<Retrieved> candidates, int topN) {
    if (candidates.isEmpty()) {
      return List.of();
    }
    ObjectNode body = JSON.createObjectNode().put("query", query);
    var texts = body.putArray(config.style() == RerankerConfig.Style.TEI ? "texts" : "documents");
    candidates.forEach(c -> texts.add(c.chunk().text()));
    if (config.style() == RerankerConfig.Style.TEI) {
      body.put("raw_scores", false).put("truncate", true);
    } else {
      if (!config.model().isEmpty()) {
        body.put("model", config.model());
      }
      body.put("top_n", topN);
    }
    JsonNode results = send(body);
    if (config.style() == RerankerConfig.Style.COHERE) {
      results = results.path("results");
    }
    if (!results.isArray()) {
      throw new RerankException("reranker " + config.url() + " answered without a list of results");
    }
    record Scored(int index, double score) {}
    List<Scored> scored = new ArrayList<>();
    String scoreField = config.style() == RerankerConfig.Style.TEI ? "score" : "relevance_score";
    for (JsonNode r : results) {
      int index = r.path("index").asInt(-1);
      if (index < 0 || index >= candidates.size() || !r.path(scoreField).isNumber()) {
        throw new RerankException("reranker " + config.url() + " returned a bad result: " + r);
      }
      scored.add(new Scored(index, r.get(scoreField).asDouble()));
    }
    scored.sort((a, b) -> Double.compare(b.score(), a.score()));
    List<Retrieved> out = new ArrayList<>();
    for (Scored s : scored) {
      if (out.size() == topN) {
        break;
      }
      out.add(new Retrieved(candidates.get(s.index()).chunk(), s.score(), out.size() + 1));
    }
    return out;
  }

  /** The upstream's words with this client's API key blanked out, should the upstream echo it back. */
  private String withoutKey(String text) {
    return config.apiKey().isEmpty() ? text : text.replace(config.apiKey(), "[api key]");
  }

  private JsonNode send(ObjectNode body) {
    HttpRequest.Builder request = HttpRequest.newBuilder(config.url())
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
      throw new RerankException("cannot reach reranker " + config.url() + ": " + e, e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new RerankException("interrupted while calling reranker " + config.url(), e);
    }
    if (response.statusCode() / 100 != 2) {
      String text = withoutKey(response.body());
      throw new RerankException("reranker " + config.url() + " answered " + response.statusCode() + ": "
          + (text.length() > 300 ? text.substring(0, 300) + "..." : text));
    }
    try {
      return JSON.readTree(response.body());
    } catch (IOException e) {
      throw new RerankException("reranker " + config.url() + " returned malformed JSON", e);
    }
  }
}
