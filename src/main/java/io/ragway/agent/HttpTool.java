package io.ragway.agent;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.IOException;
import java.io.InputStream;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.net.http.HttpTimeoutException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Map;
import java.util.Optional;

/**
 * A user tool declared in {@code ragway.yaml}: the arguments go to its URL as a JSON body
 * ({@code POST}) or as query parameters ({@code GET}), with its headers; a 2xx body is the result,
 * anything else a failure naming the status. No redirects are followed; at most
 * {@code maxBytes} of the body are read.
 */
final class HttpTool implements Tool {

  private final AgentConfig.Tool config;
  private final HttpClient http;
  private final Duration timeout;
  private final int maxBytes;

  HttpTool(AgentConfig.Tool config, HttpClient http, Duration defaultTimeout, int maxBytes) {
    this.config = config;
    this.http = http;
    this.timeout = config.timeoutSeconds() > 0 ? Duration.ofSeconds(config.timeoutSeconds()) : defaultTimeout;
    this.maxBytes = maxBytes;
  }

  @Override
  public String name() {
    return config.name();
  }

  @Override
  public String description() {
    return config.description();
  }

  @Override
  public JsonNode parameters() {
    return config.parameters();
  }

  @Override
  public Optional<Duration> timeout() {
    return Optional.of(timeout);
  }

  @Override
  public String call(JsonNode arguments, Scope scope) throws ToolFailure, InterruptedException {
    HttpRequest.Builder request;
    if (config.method().equals("GET")) {
      StringBuilder query = new StringBuilder();
      for (Map.Entry<String, JsonNode> e : arguments.properties()) {
        query.append(query.isEmpty() ? "" : "&").append(URLEncoder.encode(e.getKey(), StandardCharsets.UTF_8)).append('=')
            .append(URLEncoder.encode(e.getValue().isTextual() ? e.getValue().asText() : e.getValue().toString(),
                StandardCharsets.UTF_8));
      }
      String url = config.url() + (query.isEmpty() ? "" : (config.url().contains("?") ? "&" : "?") + query);
      request = HttpRequest.newBuilder(URI.create(url)).GET();
    } else {
      request = HttpRequest.newBuilder(URI.create(config.url()))
          .header("Content-Type", "application/json")
          .POST(HttpRequest.BodyPublishers.ofString(arguments.toString()));
    }
    request.timeout(timeout).header("Accept", "application/json, text/plain;q=0.9, */*;q=0.5")
        .header("X-Ragway-Request-Id", scope.requestId());
    config.headers().forEach(request::header);
    HttpResponse<InputStream> response;
    try {
      response = http.send(request.build(), HttpResponse.BodyHandlers.ofInputStream());
    } catch (HttpTimeoutException e) {
      throw new ToolFailure("timed out after " + timeout.toSeconds() + " s");
    } catch (IOException e) {
      throw new ToolFailure("cannot reach the tool's endpoint: " + e.getClass().getSimpleName()
          + (e.getMessage() == null ? "" : " " + e.getMessage()), e);
    }
    String body;
    try (InputStream in = response.body()) {
      body = new String(in.readNBytes(maxBytes), StandardCharsets.UTF_8);
    } catch (IOException e) {
      throw new ToolFailure("the tool's endpoint cut its response: " + e.getMessage(), e);
    }
    if (response.statusCode() / 100 != 2) {
      String shown = body.length() > 300 ? body.substring(0, 300) + "..." : body;
      throw new ToolFailure("the tool's endpoint answered HTTP " + response.statusCode() + (shown.isBlank() ? "" : ": " + shown));
    }
    return body;
  }
}
