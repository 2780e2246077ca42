package io.ragway.bench;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Semaphore;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.ReentrantLock;

/**
 * A simulated replica of a vLLM-style model server, for the routing bench: OpenAI's
 * {@code POST /v1/chat/completions} (streamed or not) and {@code GET /v1/models} on loopback, with a
 * prefix KV cache whose hits make the time to first token shorter. Nothing is generated; the
 * replica only spends the time a real one would, by the parameters it is given.
 *
 * <p>How a request is served: it waits for one of {@link Params#batchSlots()} slots; its prompt
 * (roles and contents of its messages) counts one token per {@link Params#charsPerToken()}
 * characters and is cut into blocks of {@link Params#blockTokens()} tokens with chained hashes, as
 * vLLM's automatic prefix caching does; the leading blocks found in the replica's cache are cached
 * tokens; prefill then takes {@code base + uncached tokens * per-token cost}, one prefill at a time
 * per replica (prefill is compute-bound, so concurrent prefills on one GPU do not overlap; decoding
 * does, in the batch slots); the prompt's blocks enter the cache, least recently used blocks leave
 * it past {@link Params#cacheTokens()}; then the answer's tokens come at
 * {@link Params#decodeTokensPerSecond()}, a few per streamed event.
 */
final class KvCacheReplica implements AutoCloseable {

  private static final ObjectMapper JSON = new ObjectMapper();
  private static final int TOKENS_PER_EVENT = 8;

  /**
   * What a replica costs.
   *
   * @param batchSlots requests decoding at once; more wait
   * @param baseTtftMillis a prefill's fixed cost
   * @param prefillMillisPerToken a prefill's cost per prompt token not found in the cache
   * @param decodeTokensPerSecond one request's output tokens per second
   * @param cacheTokens the KV cache's capacity in tokens
   * @param blockTokens tokens per cache block
   * @param charsPerToken characters of prompt per token
   * @param defaultOutputTokens output tokens when a request sets no {@code max_tokens}
   */
  record Params(int batchSlots, double baseTtftMillis, double prefillMillisPerToken, double decodeTokensPerSecond,
      int cacheTokens, int blockTokens, int charsPerToken, int defaultOutputTokens) {
    Params {
      if (batchSlots < 1 || baseTtftMillis < 0 || prefillMillisPerToken < 0 || decodeTokensPerSecond <= 0
          || cacheTokens < blockTokens || blockTokens < 1 || charsPerToken < 1 || defaultOutputTokens < 1) {
        throw new IllegalArgumentException("invalid replica parameters: " + this);
      }
    }
  }

  /** What a replica served: requests, prompt tokens, and how many of those came from its cache. */
  record Served(long requests, long promptTokens, long cachedTokens, long outputTokens) {}

  private final Params params;
  private final HttpServer server;
  private final ExecutorService threads = Executors.newVirtualThreadPerTaskExecutor();
  private final Semaphore slots;
  private final ReentrantLock prefill = new ReentrantLock(true);
  private final Map<Long, Boolean> cache;
  private final AtomicLong requests = new AtomicLong();
  private final AtomicLong promptTokens = new AtomicLong();
  private final AtomicLong cachedTokens = new AtomicLong();
  private final AtomicLong outputTokens = new AtomicLong();

  private KvCacheReplica(Params params) throws IOException {
    this.params = params;
    this.slots = new Semaphore(params.batchSlots(), true);
    int capacity = params.cacheTokens() / params.blockTokens();
    this.cache = new LinkedHashMap<>(capacity * 2, 0.75f, true) {
      @Override
      protected boolean removeEldestEntry(Map.Entry<Long, Boolean> eldest) {
        return size() > capacity;
      }
    };
    server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 1024);
    server.setExecutor(threads);
    server.createContext("/v1/chat/completions", this::complete);
    server.createContext("/v1/models", exchange -> send(exchange, 200,
        "{\"object\":\"list\",\"data\":[{\"id\":\"sim\",\"object\":\"model\"}]}"));
    server.start();
  }

  /** Starts a replica on a free loopback port. */
  static KvCacheReplica start(Params params) throws IOException {
    return new KvCacheReplica(params);
  }

  /** The API root, as a model's {@code base_url}. */
  URI baseUrl() {
    return URI.create("http://127.0.0.1:" + server.getAddress().getPort() + "/v1");
  }

  Served served() {
    return new Served(requests.get(), promptTokens.get(), cachedTokens.get(), outputTokens.get());
  }

  @Override
  public void close() {
    server.stop(0);
    threads.shutdownNow();
  }

  private void complete(HttpExchange exchange) throws IOException {
    try (exchange) {
      JsonNode body;
      try {
        body = JSON.readTree(exchange.getRequestBody());
      } catch (IOException e) {
        send(exchange, 400, "{\"error\":{\"message\":\"not JSON\",\"type\":\"invalid_request_error\"}}");
        return;
      }
      String prompt = render(body);
      int tokens = Math.max(1, (prompt.length() + params.charsPerToken() - 1) / params.charsPerToken());
      int output = body.path("max_tokens").isInt() ? Math.max(1, body.get("max_tokens").asInt()) : params.defaultOutputTokens();
      boolean stream = body.path("stream").asBoolean(false);
      boolean usageChunk = body.path("stream_options").path("include_usage").asBoolean(false);
      slots.acquireUninterruptibly();
      try {
        int cached = prefill(prompt, tokens);
        requests.incrementAndGet();
        promptTokens.addAndGet(tokens);
        cachedTokens.addAndGet(cached);
        outputTokens.addAndGet(output);
        if (stream) {
          stream(exchange, tokens, cached, output, usageChunk);
        } else {
          sleepMillis(output * 1000.0 / params.decodeTokensPerSecond());
          ObjectNode out = JSON.createObjectNode().put("id", "chatcmpl-sim").put("object", "chat.completion")
              .put("model", "sim");
          out.putArray("choices").addObject().put("index", 0).put("finish_reason", "length")
              .putObject("message").put("role", "assistant").put("content", words(output));
          usage(out, tokens, cached, output);
          send(exchange, 200, out.toString());
        }
      } finally {
        slots.release();
      }
    }
  }

  /** Looks the prompt's blocks up, spends the prefill's time, caches the blocks; returns the cached tokens. */
  private int prefill(String prompt, int tokens) {
    int blockChars = params.blockTokens() * params.charsPerToken();
    int full = prompt.length() / blockChars;
    long[] blocks = new long[full];
    long h = 0xcbf29ce484222325L;
    for (int i = 0; i < full; i++) {
      for (int c = i * blockChars; c < (i + 1) * blockChars; c++) {
        h = (h ^ prompt.charAt(c)) * 0x100000001b3L;
      }
      blocks[i] = h;
    }
    prefill.lock();
    try {
      int hit;
      synchronized (cache) {
        hit = 0;
        while (hit < full && cache.containsKey(blocks[hit])) {
          cache.get(blocks[hit]); // touch: a used block is the last to go
          hit++;
        }
        for (int i = hit; i < full; i++) {
          cache.put(blocks[i], Boolean.TRUE);
        }
      }
      int cached = Math.min(tokens, hit * params.blockTokens());
      sleepMillis(params.baseTtftMillis() + (tokens - cached) * params.prefillMillisPerToken());
      return cached;
    } finally {
      prefill.unlock();
    }
  }

  private void stream(HttpExchange exchange, int tokens, int cached, int output, boolean usageChunk) throws IOException {
    exchange.getResponseHeaders().set("Content-Type", "text/event-stream");
    exchange.sendResponseHeaders(200, 0);
    OutputStream out = exchange.getResponseBody();
    int sent = 0;
    while (sent < output) {
      int n = Math.min(TOKENS_PER_EVENT, output - sent);
      if (sent > 0) {
        sleepMillis(n * 1000.0 / params.decodeTokensPerSecond());
      }
      ObjectNode chunk = JSON.createObjectNode().put("id", "chatcmpl-sim").put("object", "chat.completion.chunk")
          .put("model", "sim");
      ObjectNode delta = chunk.putArray("choices").addObject().put("index", 0).putObject("delta");
      if (sent == 0) {
        delta.put("role", "assistant");
      }
      delta.put("content", (sent == 0 ? "" : " ") + words(n));
      event(out, chunk.toString());
      sent += n;
    }
    ObjectNode last = JSON.createObjectNode().put("id", "chatcmpl-sim").put("object", "chat.completion.chunk")
        .put("model", "sim");
    last.putArray("choices").addObject().put("index", 0).put("finish_reason", "length").putObject("delta");
    event(out, last.toString());
    if (usageChunk) {
      ObjectNode u = JSON.createObjectNode().put("id", "chatcmpl-sim").put("object", "chat.completion.chunk")
          .put("model", "sim");
      u.putArray("choices");
      usage(u, tokens, cached, output);
      event(out, u.toString());
    }
    event(out, "[DONE]");
  }

  private static void usage(ObjectNode out, int tokens, int cached, int output) {
    ObjectNode usage = out.putObject("usage").put("prompt_tokens", tokens).put("completion_tokens", output)
        .put("total_tokens", tokens + output);
    usage.putObject("prompt_tokens_details").put("cached_tokens", cached);
  }

  private static void event(OutputStream out, String data) throws IOException {
    out.write(("data: " + data + "\n\n").getBytes(StandardCharsets.UTF_8));
    out.flush();
  }

  static String words(int n) {
    return "tok ".repeat(n).strip();
  }

  /** The prompt as the cache sees it: each message's role and content, in order. */
  static String render(JsonNode body) {
    StringBuilder b = new StringBuilder();
    for (JsonNode m : body.path("messages")) {
      b.append('<').append(m.path("role").asText()).append('>').append(m.path("content").asText()).append('\n');
    }
    return b.toString();
  }

  private static void send(HttpExchange exchange, int status, String json) throws IOException {
    byte[] bytes = json.getBytes(StandardCharsets.UTF_8);
    exchange.getResponseHeaders().set("Content-Type", "application/json");
    exchange.sendResponseHeaders(status, bytes.length);
    exchange.getResponseBody().write(bytes);
  }

  private static void sleepMillis(double ms) {
    long nanos = (long) (ms * 1e6);
    if (nanos <= 0) {
      return;
    }
    try {
      Thread.sleep(nanos / 1_000_000, (int) (nanos % 1_000_000));
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }
}
