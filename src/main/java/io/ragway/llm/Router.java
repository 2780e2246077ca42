package io.ragway.llm;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import java.util.function.Consumer;

/**
 * Sends a chat completion to a configured upstream model, and keeps it answering:
 *
 * <ol>
 *   <li>try the requested model's upstream;
 *   <li>on a retryable failure (unreachable, timeout, 429, 5xx) retry with backoff and full
 *       jitter, waiting what {@code Retry-After} asks when the upstream says;
 *   <li>when its attempts are spent, or the prompt is over its context window, move on to its
 *       fallbacks in order, each with the same retries;
 *   <li>a client error (other 4xx) ends at once: another model would refuse it too.
 * </ol>
 *
 * A stream is retried only until its first event reaches the caller; after that a failure is the
 * caller's to report, since the client already holds part of the answer.
 */
public final class Router {

  /** Waits; a parameter so tests advance time instead of sleeping. */
  @FunctionalInterface
  public interface Sleeper {
    void sleep(Duration d) throws InterruptedException;
  }

  /** A response and who served it. */
  public record Served(JsonNode response, String model, int attempts) {}

  private final Map<String, OpenAiBackend> backends = new LinkedHashMap<>();
  private final RetryPolicy policy;
  private final Random random;
  private final Sleeper sleeper;

  public Router(List<UpstreamConfig> models, RetryPolicy policy, Random random, Sleeper sleeper) {
    for (UpstreamConfig m : models) {
      if (backends.put(m.name(), new OpenAiBackend(m)) != null) {
        throw new IllegalArgumentException("model '" + m.name() + "' is configured twice");
      }
    }
    for (UpstreamConfig m : models) {
      for (String f : m.fallbacks()) {
        if (!backends.containsKey(f)) {
          throw new IllegalArgumentException("model '" + m.name() + "' falls back to unknown model '" + f + "'");
        }
      }
    }
    this.policy = policy;
    this.random = random;
    this.sleeper = sleeper;
  }

  /** The configured model names, in configuration order. */
  public Set<String> models() {
    return backends.keySet();
  }

  public boolean serves(String model) {
    return backends.containsKey(model);
  }

  /** A non-streaming completion from {@code model} or its fallbacks. */
  public Served complete(String model, ObjectNode body) {
    UpstreamException last = null;
    int attempts = 0;
    for (OpenAiBackend backend : chain(model)) {
      for (int attempt = 1; attempt <= policy.maxAttempts(); attempt++) {
        attempts++;
        try {
          return new Served(backend.complete(body), backend.config().name(), attempts);
        } catch (UpstreamException e) {
          last = e;
          if (!e.retryable()) {
            if (isContextLength(e)) {
              break; // a larger-context fallback may take it
            }
            throw e;
          }
          if (attempt < policy.maxAttempts()) {
            pause(attempt, e);
          }
        }
      }
    }
    throw last;
  }

  /**
   * Streams a completion: {@code onEvent} receives each upstream SSE payload. Retries and
   * fallbacks happen only while nothing has been delivered.
   *
   * @return the model that served the stream
   */
  public String stream(String model, ObjectNode body, Consumer<String> onEvent) {
    UpstreamException last = null;
    for (OpenAiBackend backend : chain(model)) {
      for (int attempt = 1; attempt <= policy.maxAttempts(); attempt++) {
        boolean[] delivered = {false};
        try {
          backend.stream(body, data -> {
            delivered[0] = true;
            onEvent.accept(data);
          });
          return backend.config().name();
        } catch (UpstreamException e) {
          if (delivered[0]) {
            throw e; // the client has part of the answer: no silent restart
          }
          last = e;
          if (!e.retryable()) {
            if (isContextLength(e)) {
              break;
            }
            throw e;
          }
          if (attempt < policy.maxAttempts()) {
            pause(attempt, e);
          }
        }
      }
    }
    throw last;
  }

  private List<OpenAiBackend> chain(String model) {
    Set<String> names = new LinkedHashSet<>();
    List<String> queue = new ArrayList<>(List.of(model));
    while (!queue.isEmpty()) {
      String name = queue.remove(0);
      if (names.add(name) && backends.containsKey(name)) {
        queue.addAll(backends.get(name).config().fallbacks());
      }
    }
    return names.stream().filter(backends::containsKey).map(backends::get).toList();
  }

  private static boolean isContextLength(UpstreamException e) {
    String m = e.getMessage().toLowerCase(java.util.Locale.ROOT);
    return e.status() == 400 && (m.contains("context_length") || m.contains("context length") || m.contains("maximum context"));
  }

  private void pause(int attempt, UpstreamException e) {
    Duration wait = e.retryAfter().map(d -> d.compareTo(policy.maxRetryAfter()) > 0 ? policy.maxRetryAfter() : d)
        .orElseGet(() -> {
          long cap = Math.min(policy.maxDelay().toMillis(), policy.baseDelay().toMillis() << Math.min(20, attempt - 1));
          return Duration.ofMillis(cap <= 0 ? 0 : (long) (random.nextDouble() * cap));
        });
    try {
      sleeper.sleep(wait);
    } catch (InterruptedException ie) {
      Thread.currentThread().interrupt();
      throw e;
    }
  }
}
