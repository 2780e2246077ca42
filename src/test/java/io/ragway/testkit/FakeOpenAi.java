package io.ragway.testkit;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.Executors;

/**
 * An in-process OpenAI-protocol server for tests (never a product default): answers
 * {@code /v1/chat/completions} streamed or not, and injects the faults queued with
 * {@link #next(Fault...)}, one per request, in order; with none queued it answers normally.
 */
public final class FakeOpenAi implements AutoCloseable {

  /** What the next request gets. */
  public enum Kind { OK, STATUS, ECHO_HEADERS, SLOW_FIRST_BYTE, CUT_STREAM, STALL_STREAM, TRICKLE_STREAM, MALFORMED_JSON }

  /** A fault: a status with an optional Retry-After, a delay in ms, or events before a cut or stall. */
  public record Fault(Kind kind, int status, String retryAfter, long delayMs, int eventsBefore, String body) {
    public static Fault ok() {
      return new Fault(Kind.OK, 200, null, 0, 0, null);
    }

    public static Fault status(int status) {
      return new Fault(Kind.STATUS, status, null, 0, 0, "{\"error\":{\"message\":\"injected " + status + "\",\"type\":\"server_error\"}}");
    }

    public static Fault status(int status, String body) {
      return new Fault(Kind.STATUS, status, null, 0, 0, body);
    }

    /** An error whose message repeats every request header, credentials included, as a careless upstream might. */
    public static Fault echoHeaders(int status) {
      return new Fault(Kind.ECHO_HEADERS, status, null, 0, 0, null);
    }

    public static Fault rateLimited(String retryAfter) {
      return new Fault(Kind.STATUS, 429, retryAfter, 0, 0, "{\"error\":{\"message\":\"slow down\",\"type\":\"rate_limit\"}}");
    }

    public static Fault slowFirstByte(long ms) {
      return new Fault(Kind.SLOW_FIRST_BYTE, 200, null, ms, 0, null);
    }

    public static Fault cutAfter(int events) {
      return new Fault(Kind.CUT_STREAM, 200, null, 0, events, null);
    }

    public static Fault stallAfter(int events, long ms) {
      return new Fault(Kind.STALL_STREAM, 200, null, ms, events, null);
    }

    /** A stream that never stops: an event every {@code ms}, never silent long enough to stall. */
    public static Fault trickle(long ms) {
      return new Fault(Kind.TRICKLE_STREAM, 200, null, ms, 0, null);
    }

    public static Fault malformedJson() {
      return new Fault(Kind.MALFORMED_JSON, 200, null, 0, 0, null);
    }
  }

  private static final ObjectMapper JSON = new ObjectMapper();

  private final String name;
  private final HttpServer server;
  private final ConcurrentLinkedQueue<Fault> faults = new ConcurrentLinkedQueue<>();
  private final List<JsonNode> requests = new CopyOnWriteArrayList<>();
  private final List<String> traceparents = new CopyOnWriteArrayList<>();

  /** @param name the text the model answers with starts with it, so tests see who answered */
  public FakeOpenAi(String name) throws IOException {
    this.name = name;
    server = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
    server.setExecutor(Executors.newVirtualThreadPerTaskExecutor());
    server.createContext("/v1/chat/completions", this::handle);
    server.createContext("/v1/models", ex -> {
      try (ex) {
        send(ex, modelsDown ? 503 : 200, modelsDown ? "{\"error\":{\"message\":\"down\"}}"
            : "{\"object\":\"list\",\"data\":[{\"id\":\"" + name + "\",\"object\":\"model\"}]}");
      }
    });
    server.start();
  }

  private volatile boolean modelsDown;

  /** Makes {@code GET /v1/models}, the health probe, fail (true) or answer again (false). */
  public FakeOpenAi probeFails(boolean down) {
    this.modelsDown = down;
    return this;
  }

  public FakeOpenAi next(Fault... next) {
    faults.addAll(List.of(next));
    return this;
  }

  public URI baseUrl() {
    return URI.create("http://127.0.0.1:" + server.getAddress().getPort() + "/v1");
  }

  public List<JsonNode> requests() {
    return requests;
  }

  /** The {@code traceparent} header of each chat request, in order; empty for one without it. */
  public List<String> traceparents() {
    return traceparents;
  }

  private volatile List<String> reply;
  private volatile java.util.function.Function<JsonNode, String> script;

  /**
   * Answers each non-streamed request without a queued fault with the completion (JSON text)
   * {@code script} returns for its body, e.g. tool calls until the conversation has their
   * results; null from it means the normal answer.
   */
  public FakeOpenAi script(java.util.function.Function<JsonNode, String> script) {
    this.script = script;
    return this;
  }

  /** Answers with this text from now on (a stream sends one word per event). */
  public FakeOpenAi reply(String text) {
    this.reply = List.of(text.split(" "));
    return this;
  }

  private volatile int cachedTokens;

  /**
   * Says from now on that this many of each prompt's tokens were read from the prompt cache, as
   * OpenAI does in {@code usage.prompt_tokens_details.cached_tokens} (0: the field is left out).
   */
  public FakeOpenAi cachedTokens(int n) {
    this.cachedTokens = n;
    return this;
  }

  private void cached(com.fasterxml.jackson.databind.node.ObjectNode usage) {
    if (cachedTokens > 0) {
      usage.putObject("prompt_tokens_details").put("cached_tokens", cachedTokens);
    }
  }

  /** The words of the answer; a stream sends one per event. */
  public List<String> words() {
    return reply != null ? reply : List.of(name, "says", "hello.");
  }

  private volatile java.util.function.Function<JsonNode, String> responder;

  /** Answers each request with what {@code responder} makes of its body (a scripted judge, say), from now on. */
  public FakeOpenAi replyWith(java.util.function.Function<JsonNode, String> responder) {
    this.responder = responder;
    return this;
  }

  private List<String> words(JsonNode body) {
    var r = responder;
    return r != null ? List.of(r.apply(body).split(" ")) : words();
  }

  private void handle(HttpExchange ex) throws IOException {
    JsonNode body = JSON.readTree(ex.getRequestBody().readAllBytes());
    requests.add(body);
    String traceparent = ex.getRequestHeaders().getFirst("traceparent");
    traceparents.add(traceparent == null ? "" : traceparent);
    Fault f = faults.poll();
    if (f == null) {
      f = Fault.ok();
    }
    try {
      switch (f.kind()) {
        case STATUS -> {
          if (f.retryAfter() != null) {
            ex.getResponseHeaders().add("Retry-After", f.retryAfter());
          }
          send(ex, f.status(), f.body());
        }
        case ECHO_HEADERS -> {
          StringBuilder headers = new StringBuilder();
          ex.getRequestHeaders().forEach((k, v) -> headers.append(k).append(": ").append(String.join(", ", v)).append("; "));
          var error = JSON.createObjectNode();
          error.putObject("error").put("message", "rejected a request with headers " + headers).put("type", "invalid_request_error");
          send(ex, f.status(), JSON.writeValueAsString(error));
        }
        case MALFORMED_JSON -> send(ex, 200, "{\"id\": \"x\", \"choices\": [");
        default -> {
          if (f.kind() == Kind.SLOW_FIRST_BYTE) {
            Thread.sleep(f.delayMs());
          }
          if (body.path("stream").asBoolean(false)) {
            stream(ex, body, f);
          } else {
            java.util.function.Function<JsonNode, String> s = script;
            String scripted = s == null ? null : s.apply(body);
            send(ex, 200, scripted != null ? scripted : completion(body));
          }
        }
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    } catch (IOException e) {
      // the client went away, as clients do
    } finally {
      ex.close();
    }
  }

  private String completion(JsonNode body) throws IOException {
    var n = JSON.createObjectNode().put("id", "chatcmpl-fake").put("object", "chat.completion").put("created", 1)
        .put("model", body.path("model").asText()).put("system_fingerprint", "fp_" + name);
    var choice = n.putArray("choices").addObject().put("index", 0).put("finish_reason", "stop");
    var message = choice.putObject("message").put("role", "assistant").put("content", String.join(" ", words(body)));
    if (body.has("tools")) {
      message.putArray("tool_calls").addObject().put("id", "call_1").put("type", "function")
          .putObject("function").put("name", body.get("tools").get(0).path("function").path("name").asText())
          .put("arguments", "{\"q\":\"x\"}");
    }
    cached(n.putObject("usage").put("prompt_tokens", 5).put("completion_tokens", 3).put("total_tokens", 8));
    return JSON.writeValueAsString(n);
  }

  private void stream(HttpExchange ex, JsonNode body, Fault f) throws IOException, InterruptedException {
    ex.getResponseHeaders().add("Content-Type", "text/event-stream");
    ex.sendResponseHeaders(200, 0);
    OutputStream out = ex.getResponseBody();
    List<String> events = new java.util.ArrayList<>();
    String model = body.path("model").asText();
    if (body.has("tools")) {
      events.add("{\"id\":\"c\",\"object\":\"chat.completion.chunk\",\"model\":\"" + model + "\",\"choices\":[{\"index\":0,"
          + "\"delta\":{\"tool_calls\":[{\"index\":0,\"id\":\"call_1\",\"type\":\"function\",\"function\":{\"name\":\"lookup\",\"arguments\":\"\"}}]}}]}");
      events.add("{\"id\":\"c\",\"object\":\"chat.completion.chunk\",\"model\":\"" + model + "\",\"choices\":[{\"index\":0,"
          + "\"delta\":{\"tool_calls\":[{\"index\":0,\"function\":{\"arguments\":\"{\\\"q\\\":\\\"x\\\"}\"}}]}}]}");
    }
    for (String w : words(body)) {
      var chunk = JSON.createObjectNode().put("id", "c").put("object", "chat.completion.chunk").put("model", model)
          .put("system_fingerprint", "fp_" + name);
      var choice = chunk.putArray("choices").addObject().put("index", 0);
      choice.putObject("delta").put("content", w + " ");
      choice.putNull("finish_reason");
      events.add(JSON.writeValueAsString(chunk));
    }
    if (f.kind() == Kind.TRICKLE_STREAM) {
      for (int i = 0; ; i++) { // until the client hangs up: then the write fails
        out.write(("data: " + events.get(i % events.size()) + "\n\n").getBytes(StandardCharsets.UTF_8));
        out.flush();
        Thread.sleep(f.delayMs());
      }
    }
    for (int i = 0; i < events.size(); i++) {
      if (f.kind() == Kind.CUT_STREAM && i == f.eventsBefore()) {
        return; // ends the response without [DONE]
      }
      if (f.kind() == Kind.STALL_STREAM && i == f.eventsBefore()) {
        Thread.sleep(f.delayMs());
      }
      out.write(("data: " + events.get(i) + "\n\n").getBytes(StandardCharsets.UTF_8));
      out.flush();
    }
    if (body.path("stream_options").path("include_usage").asBoolean(false)) { // as OpenAI: a last chunk, no choices
      var usage = JSON.createObjectNode().put("id", "c").put("object", "chat.completion.chunk").put("model", model);
      usage.putArray("choices");
      cached(usage.putObject("usage").put("prompt_tokens", 5).put("completion_tokens", words().size())
          .put("total_tokens", 5 + words().size()));
      out.write(("data: " + JSON.writeValueAsString(usage) + "\n\n").getBytes(StandardCharsets.UTF_8));
    }
    out.write("data: [DONE]\n\n".getBytes(StandardCharsets.UTF_8));
    out.flush();
  }

  private static void send(HttpExchange ex, int status, String body) throws IOException {
    byte[] bytes = body.getBytes(StandardCharsets.UTF_8);
    ex.getResponseHeaders().add("Content-Type", "application/json");
    ex.sendResponseHeaders(status, bytes.length);
    ex.getResponseBody().write(bytes);
  }

  @Override
  public void close() {
    server.stop(0);
  }
}
