package io.ragway.llm;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpConnectTimeoutException;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.net.http.HttpTimeoutException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.function.Consumer;

/**
 * A client of one OpenAI-compatible {@code /chat/completions} endpoint. The request body is
 * passed through as the client sent it (tools, tool_choice, response_format included), with only
 * the model name replaced by the upstream's.
 */
final class OpenAiBackend {

  private static final ObjectMapper JSON = new ObjectMapper();

  private final UpstreamConfig config;
  private final URI endpoint;
  private final HttpClient http;

  OpenAiBackend(UpstreamConfig config) {
    this.config = config;
    String base = config.baseUrl().toString();
    this.endpoint = URI.create((base.endsWith("/") ? base : base + "/") + "chat/completions");
    this.http = HttpClient.newBuilder().connectTimeout(config.connectTimeout()).build();
  }

  UpstreamConfig config() {
    return config;
  }

  /** Active health check: whether {@code GET <base_url>/models} answers 2xx within {@code timeout}. */
  boolean probe(Duration timeout) {
    String base = config.baseUrl().toString();
    HttpRequest.Builder request = HttpRequest.newBuilder(URI.create((base.endsWith("/") ? base : base + "/") + "models"))
        .timeout(timeout).GET();
    if (!config.apiKey().isEmpty()) {
      request.header("Authorization", "Bearer " + config.apiKey());
    }
    try {
      return http.send(request.build(), HttpResponse.BodyHandlers.discarding()).statusCode() / 100 == 2;
    } catch (IOException e) {
      return false;
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return false;
    }
  }

  /** A non-streaming completion, as the upstream's JSON. */
  JsonNode complete(ObjectNode body) {
    HttpResponse<InputStream> response = send(body.deepCopy().put("model", config.model()).put("stream", false));
    try (Watchdog watchdog = new Watchdog(response.body())) {
      JsonNode json = JSON.readTree(response.body());
      if (watchdog.fired()) {
        throw timeout(null);
      }
      return json;
    } catch (IOException e) {
      throw new UpstreamException(config.name(), 502, null, config.name() + " returned an unreadable response: " + e.getMessage(), e);
    }
  }

  private UpstreamException timeout(Throwable cause) {
    return new UpstreamException(config.name(), UpstreamException.TIMEOUT, null,
        config.name() + " stalled (no data for " + config.firstTokenTimeout().toMillis() + " ms, or over "
            + config.totalTimeout().toMillis() + " ms in all)", cause);
  }

  /**
   * Closes a response body that stops delivering data (no read progress for the first-token
   * timeout) or runs past the total timeout; closing unblocks a reader stuck in {@code read}.
   */
  private final class Watchdog implements AutoCloseable {
    private final InputStream body;
    private final long start = System.nanoTime();
    private volatile long lastProgress = System.nanoTime();
    private volatile boolean fired;
    private final java.util.concurrent.ScheduledFuture<?> task;

    Watchdog(InputStream body) {
      this.body = body;
      this.task = WATCHDOGS.scheduleAtFixedRate(this::check, 20, 20, java.util.concurrent.TimeUnit.MILLISECONDS);
    }

    void progress() {
      lastProgress = System.nanoTime();
    }

    boolean fired() {
      return fired;
    }

    private void check() {
      long now = System.nanoTime();
      if (now - lastProgress > config.firstTokenTimeout().toNanos() || now - start > config.totalTimeout().toNanos()) {
        fired = true;
        task.cancel(false);
        try {
          body.close();
        } catch (IOException ignored) {
          // closing is all we wanted
        }
      }
    }

    @Override
    public void close() {
      task.cancel(false);
    }
  }

  private static final java.util.concurrent.ScheduledExecutorService WATCHDOGS =
      java.util.concurrent.Executors.newSingleThreadScheduledExecutor(r -> {
        Thread t = new Thread(r, "ragway-upstream-watchdog");
        t.setDaemon(true);
        return t;
      });

  /**
   * Streams a completion: {@code onEvent} gets each SSE {@code data:} payload except
   * {@code [DONE]}. Failures before the first event throw; the caller decides what a failure after
   * it means, since by then the client may already have tokens.
   */
  void stream(ObjectNode body, Consumer<String> onEvent) {
    HttpResponse<InputStream> response = send(body.deepCopy().put("model", config.model()).put("stream", true));
    Watchdog watchdog = new Watchdog(response.body());
    try (watchdog; BufferedReader reader = new BufferedReader(new InputStreamReader(response.body(), StandardCharsets.UTF_8))) {
      String line;
      boolean done = false;
      while ((line = reader.readLine()) != null) {
        watchdog.progress();
        if (!line.startsWith("data:")) {
          continue; // comments, event names, blank separators
        }
        String data = line.substring(5).strip();
        if (data.equals("[DONE]")) {
          done = true;
          break;
        }
        onEvent.accept(data);
      }
      if (!done) {
        throw watchdog.fired() ? timeout(null)
            : new UpstreamException(config.name(), 502, null, config.name() + " ended the stream without [DONE]", null);
      }
    } catch (IOException e) {
      throw watchdog.fired() ? timeout(e)
          : new UpstreamException(config.name(), 502, null, config.name() + " cut the stream: " + e.getMessage(), e);
    }
  }

  private HttpResponse<InputStream> send(ObjectNode body) {
    HttpRequest.Builder request = HttpRequest.newBuilder(endpoint)
        .timeout(config.firstTokenTimeout())
        .header("Content-Type", "application/json")
        .POST(HttpRequest.BodyPublishers.ofString(body.toString()));
    if (!config.apiKey().isEmpty()) {
      request.header("Authorization", "Bearer " + config.apiKey());
    }
    HttpResponse<InputStream> response;
    try {
      response = http.send(request.build(), HttpResponse.BodyHandlers.ofInputStream());
    } catch (HttpConnectTimeoutException e) {
      throw new UpstreamException(config.name(), UpstreamException.UNREACHABLE, null, "cannot connect to " + config.name(), e);
    } catch (HttpTimeoutException e) {
      throw new UpstreamException(config.name(), UpstreamException.TIMEOUT, null,
          config.name() + " did not answer within " + config.firstTokenTimeout().toMillis() + " ms", e);
    } catch (IOException e) {
      throw new UpstreamException(config.name(), UpstreamException.UNREACHABLE, null, "cannot reach " + config.name() + ": " + e, e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new UpstreamException(config.name(), UpstreamException.UNREACHABLE, null, "interrupted", e);
    }
    if (response.statusCode() / 100 != 2) {
      String text;
      try (InputStream in = response.body()) {
        text = new String(in.readNBytes(4096), StandardCharsets.UTF_8);
      } catch (IOException e) {
        text = "";
      }
      throw new UpstreamException(config.name(), response.statusCode(), retryAfter(response),
          config.name() + " answered " + response.statusCode() + ": " + message(text), null);
    }
    return response;
  }

  private static Duration retryAfter(HttpResponse<?> response) {
    return response.headers().firstValue("retry-after").flatMap(v -> {
      try {
        return java.util.Optional.of(Duration.ofMillis((long) (Double.parseDouble(v.strip()) * 1000)));
      } catch (NumberFormatException e) {
        return java.util.Optional.empty(); // an HTTP date: treated as no hint
      }
    }).orElse(null);
  }

  private static String message(String body) {
    try {
      JsonNode n = JSON.readTree(body);
      if (n.path("error").has("message")) {
        return n.path("error").get("message").asText();
      }
    } catch (IOException ignored) {
      // not JSON: use the text itself
    }
    return body.length() > 300 ? body.substring(0, 300) + "..." : body;
  }
}
