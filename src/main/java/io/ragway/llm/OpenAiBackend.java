package io.ragway.llm;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.ragway.config.JsonMappers;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.net.SocketTimeoutException;
import java.net.URI;
import java.net.UnknownHostException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Optional;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;
import io.opentelemetry.api.trace.Span;
import io.opentelemetry.api.trace.Tracer;
import io.opentelemetry.api.trace.TracerProvider;
import io.opentelemetry.context.Scope;
import org.apache.hc.client5.http.ConnectTimeoutException;
import org.apache.hc.client5.http.HttpHostConnectException;
import org.apache.hc.client5.http.classic.methods.HttpGet;
import org.apache.hc.client5.http.classic.methods.HttpPost;
import org.apache.hc.client5.http.classic.methods.HttpUriRequestBase;
import org.apache.hc.client5.http.config.ConnectionConfig;
import org.apache.hc.client5.http.config.RequestConfig;
import org.apache.hc.client5.http.impl.classic.CloseableHttpClient;
import org.apache.hc.client5.http.impl.classic.HttpClients;
import org.apache.hc.client5.http.impl.io.PoolingHttpClientConnectionManagerBuilder;
import org.apache.hc.core5.http.ClassicHttpResponse;
import org.apache.hc.core5.http.ContentType;
import org.apache.hc.core5.http.Header;
import org.apache.hc.core5.http.HttpEntity;
import org.apache.hc.core5.http.HttpHost;
import org.apache.hc.core5.http.io.entity.ByteArrayEntity;
import org.apache.hc.core5.util.TimeValue;
import org.apache.hc.core5.util.Timeout;

/**
 * A client of one OpenAI-compatible {@code /chat/completions} endpoint. The request body is
 * passed through as the client sent it (tools, tool_choice, response_format included), with only
 * the model name replaced by the upstream's.
 *
 * <p>HTTP is Apache HttpClient's classic, blocking client over a pool of keep-alive connections:
 * a request runs on its caller's (virtual) thread, which parks once per socket read, with no
 * hand-off to an executor on the way out or back. Timeouts: {@code connect_timeout} to open a
 * connection; {@code first_token_timeout} for the answer to start and for any silence inside it
 * (the socket timeout); {@code total_timeout} for the whole exchange, which a watchdog enforces by
 * aborting the connection.
 */
final class OpenAiBackend {

  private static final ObjectMapper JSON = JsonMappers.create();

  /* Connections kept per upstream when its deployment sets no max_concurrency. */
  private static final int DEFAULT_MAX_CONNECTIONS = 1024;

  private final UpstreamConfig config;
  private final URI endpoint;
  private final URI models;
  private final HttpHost host;
  private final CloseableHttpClient http;
  private volatile Tracer tracer = TracerProvider.noop().get("io.ragway");

  OpenAiBackend(UpstreamConfig config) {
    this.config = config;
    String base = config.baseUrl().toString();
    base = base.endsWith("/") ? base : base + "/";
    this.endpoint = URI.create(base + "chat/completions");
    this.models = URI.create(base + "models");
    this.host = HttpHost.create(endpoint);
    this.http = client(config);
  }

  private static CloseableHttpClient client(UpstreamConfig config) {
    int connections = config.maxConcurrency() > 0 ? config.maxConcurrency() : DEFAULT_MAX_CONNECTIONS;
    ConnectionConfig connection = ConnectionConfig.custom()
        .setConnectTimeout(millis(config.connectTimeout()))
        .setSocketTimeout(millis(config.firstTokenTimeout()))
        .setValidateAfterInactivity(TimeValue.ofSeconds(1)) // an upstream may close idle keep-alive connections
        .build();
    return HttpClients.custom()
        .setConnectionManager(PoolingHttpClientConnectionManagerBuilder.create()
            .setDefaultConnectionConfig(connection)
            .setMaxConnTotal(connections)
            .setMaxConnPerRoute(connections)
            .build())
        .setDefaultRequestConfig(RequestConfig.custom()
            .setConnectionRequestTimeout(millis(config.connectTimeout()))
            .setResponseTimeout(millis(config.firstTokenTimeout()))
            .build())
        .disableAutomaticRetries() // the router retries, with backoff, on another deployment when there is one
        .disableRedirectHandling()
        .disableCookieManagement()
        .disableAuthCaching()
        .disableConnectionState()
        .disableContentCompression()
        .build();
  }

  private static Timeout millis(Duration d) {
    return Timeout.ofMilliseconds(Math.max(1, d.toMillis()));
  }

  UpstreamConfig config() {
    return config;
  }

  /** Makes a CLIENT span of each call from now on with {@code tracer}. */
  void trace(Tracer tracer) {
    this.tracer = tracer;
  }

  /** Active health check: whether {@code GET <base_url>/models} answers 2xx within {@code timeout}. */
  boolean probe(Duration timeout) {
    HttpGet get = new HttpGet(models);
    get.setConfig(RequestConfig.custom().setResponseTimeout(millis(timeout))
        .setConnectionRequestTimeout(millis(timeout)).build());
    authorize(get);
    try {
      return http.execute(host, get, response -> response.getCode() / 100 == 2);
    } catch (IOException e) {
      return false;
    }
  }

  /** A non-streaming completion, as the upstream's JSON. */
  @SuppressWarnings("try") // the scope makes the span current for the traceparent the request carries
  JsonNode complete(ObjectNode body) {
    Span span = span(body);
    try (Scope scope = span.makeCurrent()) {
      JsonNode response = completeUntraced(body);
      UpstreamSpans.response(span, response);
      return response;
    } catch (UpstreamException e) {
      UpstreamSpans.failed(span, e);
      throw e;
    } finally {
      span.end();
    }
  }

  private JsonNode completeUntraced(ObjectNode body) {
    byte[] bytes;
    try (Exchange exchange = send(body.deepCopy().put("model", config.model()).put("stream", false))) {
      try {
        bytes = exchange.body().readAllBytes(); // to the end: the connection goes back to the pool
        exchange.finished();
      } catch (IOException e) {
        throw exchange.timedOut(e) ? timeout(e)
            : new UpstreamException(config.name(), 502, null, config.name() + " cut the response: " + e.getMessage(), e);
      }
    }
    try {
      return JSON.readTree(bytes);
    } catch (IOException e) {
      throw new UpstreamException(config.name(), 502, null, config.name() + " returned an unreadable response: " + e.getMessage(), e);
    }
  }

  /**
   * Streams a completion: {@code onEvent} gets each SSE {@code data:} payload except
   * {@code [DONE]}. Failures before the first event throw; the caller decides what a failure after
   * it means, since by then the client may already have tokens. When {@code onEvent} throws (the
   * client went away), the upstream connection is aborted, which stops the generation there.
   */
  @SuppressWarnings("try")
  void stream(ObjectNode body, Consumer<String> onEvent) {
    Span span = span(body);
    try (Scope scope = span.makeCurrent()) {
      boolean[] first = {true};
      streamUntraced(body, span.isRecording() ? data -> {
        UpstreamSpans.event(span, data, first[0]);
        first[0] = false;
        onEvent.accept(data);
      } : onEvent);
    } catch (UpstreamException e) {
      UpstreamSpans.failed(span, e);
      throw e;
    } finally {
      span.end();
    }
  }

  /** The CLIENT span of one call, a child of the request's current span. */
  private Span span(ObjectNode body) {
    return UpstreamSpans.start(tracer, config.model(), host, body);
  }

  private void streamUntraced(ObjectNode body, Consumer<String> onEvent) {
    try (Exchange exchange = send(body.deepCopy().put("model", config.model()).put("stream", true))) {
      try {
        BufferedReader reader = new BufferedReader(new InputStreamReader(exchange.body(), StandardCharsets.UTF_8));
        String line;
        boolean done = false;
        while ((line = reader.readLine()) != null) {
          if (!line.startsWith("data:")) {
            continue; // comments, event names, blank separators
          }
          String data = line.substring(5).strip();
          if (data.equals("[DONE]")) {
            done = true;
            while (reader.readLine() != null) {
              // to the end of the body, so the connection goes back to the pool
            }
            break;
          }
          onEvent.accept(data);
        }
        if (!done) {
          throw exchange.timedOut(null) ? timeout(null)
              : new UpstreamException(config.name(), 502, null, config.name() + " ended the stream without [DONE]", null);
        }
        exchange.finished();
      } catch (IOException e) {
        throw exchange.timedOut(e) ? timeout(e)
            : new UpstreamException(config.name(), 502, null, config.name() + " cut the stream: " + e.getMessage(), e);
      }
    }
  }

  private UpstreamException timeout(Throwable cause) {
    return new UpstreamException(config.name(), UpstreamException.TIMEOUT, null,
        config.name() + " stalled (no data for " + config.firstTokenTimeout().toMillis() + " ms, or over "
            + config.totalTimeout().toMillis() + " ms in all)", cause);
  }

  /**
   * One request in flight with its 2xx response open. The watchdog aborts the connection at the
   * total timeout, which unblocks a reader stuck in {@code read}. Closing an exchange that was not
   * read to its end aborts the connection too, rather than reading the rest of a stream nobody
   * wants; a finished one goes back to the pool.
   */
  private final class Exchange implements AutoCloseable {
    private final HttpUriRequestBase request;
    private final ClassicHttpResponse response;
    private final Watchdog watchdog;
    private boolean finished;

    Exchange(HttpUriRequestBase request, ClassicHttpResponse response, Watchdog watchdog) {
      this.request = request;
      this.response = response;
      this.watchdog = watchdog;
    }

    InputStream body() throws IOException {
      HttpEntity entity = response.getEntity();
      return entity == null ? InputStream.nullInputStream() : entity.getContent();
    }

    void finished() {
      finished = true;
    }

    /** Whether a failure came from a timeout: the socket's (a silence) or the watchdog's (the total). */
    boolean timedOut(IOException e) {
      return watchdog.fired() || e instanceof SocketTimeoutException;
    }

    @Override
    public void close() {
      watchdog.close();
      if (!finished) {
        request.cancel();
      }
      try {
        response.close();
      } catch (IOException ignored) {
        // an aborted connection may complain on the way out; it is discarded either way
      }
    }
  }

  /** Aborts a request that runs past the total timeout. */
  private final class Watchdog implements AutoCloseable {
    private final ScheduledFuture<?> task;
    private volatile boolean fired;

    Watchdog(HttpUriRequestBase request) {
      this.task = WATCHDOGS.schedule(() -> {
        fired = true;
        request.cancel();
      }, config.totalTimeout().toMillis(), TimeUnit.MILLISECONDS);
    }

    boolean fired() {
      return fired;
    }

    @Override
    public void close() {
      task.cancel(false);
    }
  }

  private static final ScheduledExecutorService WATCHDOGS = Executors.newSingleThreadScheduledExecutor(r -> {
    Thread t = new Thread(r, "ragway-upstream-watchdog");
    t.setDaemon(true);
    return t;
  });

  private void authorize(HttpUriRequestBase request) {
    if (!config.apiKey().isEmpty()) {
      request.setHeader("Authorization", "Bearer " + config.apiKey());
    }
  }

  /** Sends a request and returns its open 2xx response; anything else is an {@link UpstreamException}. */
  private Exchange send(ObjectNode body) {
    HttpPost post = new HttpPost(endpoint);
    authorize(post);
    UpstreamSpans.inject(post); // W3C traceparent: the upstream's spans join the caller's trace
    try {
      post.setEntity(new ByteArrayEntity(JSON.writeValueAsBytes(body), ContentType.APPLICATION_JSON));
    } catch (IOException e) {
      throw new IllegalStateException("a JSON tree always serialises", e);
    }
    Watchdog watchdog = new Watchdog(post);
    ClassicHttpResponse response;
    try {
      response = http.executeOpen(host, post, null);
    } catch (ConnectTimeoutException | HttpHostConnectException | UnknownHostException e) {
      watchdog.close();
      throw new UpstreamException(config.name(), UpstreamException.UNREACHABLE, null,
          "cannot connect to " + config.name() + ": " + e.getMessage(), e);
    } catch (IOException e) {
      watchdog.close();
      if (watchdog.fired() || e instanceof SocketTimeoutException) {
        throw new UpstreamException(config.name(), UpstreamException.TIMEOUT, null,
            config.name() + " did not answer within " + config.firstTokenTimeout().toMillis() + " ms", e);
      }
      throw new UpstreamException(config.name(), UpstreamException.UNREACHABLE, null, "cannot reach " + config.name() + ": " + e, e);
    }
    Exchange exchange = new Exchange(post, response, watchdog);
    int status = response.getCode();
    if (status / 100 != 2) {
      String text;
      try (exchange) {
        text = new String(exchange.body().readNBytes(4096), StandardCharsets.UTF_8);
      } catch (IOException e) {
        text = "";
      }
      throw new UpstreamException(config.name(), status, retryAfter(response.getFirstHeader("Retry-After")),
          config.name() + " answered " + status + ": " + message(withoutKey(text)), null);
    }
    return exchange;
  }

  private static Duration retryAfter(Header header) {
    return Optional.ofNullable(header).flatMap(h -> {
      try {
        return Optional.of(Duration.ofMillis((long) (Double.parseDouble(h.getValue().strip()) * 1000)));
      } catch (NumberFormatException e) {
        return Optional.<Duration>empty(); // an HTTP date: treated as no hint
      }
    }).orElse(null);
  }

  /** The upstream's words with this client's API key blanked out, should the upstream echo it back. */
  private String withoutKey(String text) {
    return config.apiKey().isEmpty() ? text : text.replace(config.apiKey(), "[api key]");
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
