package io.ragway.llm;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Random;
import java.util.Set;
import java.util.function.Consumer;

/**
 * Sends a chat completion to a configured upstream model, and keeps it answering:
 *
 * <ol>
 *   <li>list the models to try: the requested one, then its fallbacks (and theirs), leaving out
 *       those whose context window the prompt and {@code max_tokens} do not fit;
 *   <li>for each model, pick one of its deployments (several entries of one name) by the
 *       strategy, among those whose circuit breaker lets calls through;
 *   <li>on a retryable failure (unreachable, timeout, 429, 5xx) retry with backoff and full
 *       jitter, waiting what {@code Retry-After} asks when the upstream says, on another
 *       deployment when there is one; a full deployment (concurrency limit and queue) is skipped
 *       without waiting;
 *   <li>when a model's attempts are spent, or an upstream says the prompt is over its context
 *       window, move on to the next model;
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

  /**
   * One deployment's health, for {@code /readyz} and metrics.
   *
   * @param queued requests waiting for one of its concurrency slots
   */
  public record Health(String model, String deployment, String circuit, int inFlight, int queued, double latencyMillis) {}

  /** Hears of failed upstream calls and of retries; called on the request's thread, so it must be quick. */
  public interface Listener {
    /** An attempt on {@code deployment} of {@code model} failed with {@code e}. */
    void failed(String model, String deployment, UpstreamException e);

    /** Another attempt at {@code model} follows a failed one (on the same or another deployment). */
    void retrying(String model);

    /**
     * A stream's first event came from {@code deployment} of {@code model}, {@code nanos} after the
     * attempt began (any wait for the deployment's concurrency slot included).
     */
    default void firstEvent(String model, String deployment, long nanos) {}

    static Listener none() {
      return NONE;
    }
  }

  private static final Listener NONE = new Listener() {
    @Override
    public void failed(String model, String deployment, UpstreamException e) {}

    @Override
    public void retrying(String model) {}
  };

  private final Map<String, List<Deployment>> models = new LinkedHashMap<>();
  private final Map<String, PrefixAffinity> affinities = new LinkedHashMap<>();
  private final Map<String, java.util.concurrent.atomic.AtomicInteger> turns = new LinkedHashMap<>();
  private final RoutingPolicy routing;
  private final RetryPolicy policy;
  private final Random random;
  private final Sleeper sleeper;
  private volatile Listener listener = NONE;

  public Router(List<UpstreamConfig> deployments, RetryPolicy policy, Random random, Sleeper sleeper) {
    this(deployments, RoutingPolicy.defaults(), policy, random, sleeper, Clock.systemUTC());
  }

  /**
   * @param deployments the configured upstreams; entries that share a name are deployments of
   *     one model, and must agree on its context window and fallbacks
   */
  public Router(List<UpstreamConfig> deployments, RoutingPolicy routing, RetryPolicy policy, Random random,
      Sleeper sleeper, Clock clock) {
    this(deployments, routing, policy, random, sleeper, clock, InFlightCounts.inProcess());
  }

  /**
   * As above, with least-busy and prefix routing comparing {@code inFlight}: this replica's
   * requests, or those of every replica sharing it (docs/scale-out.md).
   */
  public Router(List<UpstreamConfig> deployments, RoutingPolicy routing, RetryPolicy policy, Random random,
      Sleeper sleeper, Clock clock, InFlightCounts inFlight) {
    Objects.requireNonNull(inFlight, "inFlight");
    for (UpstreamConfig d : deployments) {
      List<Deployment> group = models.computeIfAbsent(d.name(), n -> new ArrayList<>());
      if (!group.isEmpty()) {
        UpstreamConfig first = group.get(0).config();
        if (first.contextWindow() != d.contextWindow() || !first.fallbacks().equals(d.fallbacks())) {
          throw new IllegalArgumentException("the deployments of model '" + d.name()
              + "' must have the same context_window and fallbacks");
        }
      }
      group.add(new Deployment(d, routing, clock, inFlight));
    }
    for (List<Deployment> group : models.values()) {
      for (String f : group.get(0).config().fallbacks()) {
        if (!models.containsKey(f)) {
          throw new IllegalArgumentException("model '" + group.get(0).config().name() + "' falls back to unknown model '" + f + "'");
        }
      }
    }
    for (String name : routing.perModel().keySet()) {
      if (!models.containsKey(name)) {
        throw new IllegalArgumentException("gateway.strategies names model '" + name + "', which is not one of models");
      }
    }
    models.forEach((name, group) -> {
      if (routing.strategy(name) == RoutingPolicy.Strategy.PREFIX) {
        affinities.put(name, new PrefixAffinity(replicaNames(group), routing.prefix()));
      }
    });
    models.keySet().forEach(name -> turns.put(name, new java.util.concurrent.atomic.AtomicInteger()));
    this.routing = routing;
    this.policy = policy;
    this.random = random;
    this.sleeper = sleeper;
  }

  /** Sends failures and retries to {@code listener} from now on, instead of to the previous one. */
  public void listen(Listener listener) {
    this.listener = Objects.requireNonNull(listener, "listener");
  }

  /** Makes a CLIENT span of each upstream call with {@code tracer} from now on (docs/observability.md). */
  public void trace(io.opentelemetry.api.trace.Tracer tracer) {
    Objects.requireNonNull(tracer, "tracer");
    models.values().forEach(group -> group.forEach(d -> d.trace(tracer)));
  }

  /** Sends failures and retries to {@code more} as well, after those already listening. */
  public synchronized void alsoListen(Listener more) {
    Objects.requireNonNull(more, "listener");
    Listener before = this.listener;
    this.listener = new Listener() {
      @Override
      public void failed(String model, String deployment, UpstreamException e) {
        before.failed(model, deployment, e);
        more.failed(model, deployment, e);
      }

      @Override
      public void retrying(String model) {
        before.retrying(model);
        more.retrying(model);
      }

      @Override
      public void firstEvent(String model, String deployment, long nanos) {
        before.firstEvent(model, deployment, nanos);
        more.firstEvent(model, deployment, nanos);
      }
    };
  }

  /** The configured model names, in configuration order. */
  public Set<String> models() {
    return models.keySet();
  }

  public boolean serves(String model) {
    return models.containsKey(model);
  }

  /** The model's context window in tokens; 0 when unknown or not configured. */
  public int contextWindow(String model) {
    List<Deployment> group = models.get(model);
    return group == null ? 0 : group.get(0).config().contextWindow();
  }

  /**
   * What {@code promptTokens} and {@code completionTokens} cost on {@code model} at its configured
   * prices per million; 0 for a model that is not an upstream one, or has no prices.
   */
  public double cost(String model, long promptTokens, long completionTokens) {
    return cost(model, promptTokens, 0, completionTokens);
  }

  /**
   * As {@link #cost(String, long, long)}, with {@code cachedTokens} of the prompt's tokens (those
   * the upstream read from its prompt cache) at the model's {@code cached_input_price_per_1m}.
   */
  public double cost(String model, long promptTokens, long cachedTokens, long completionTokens) {
    List<Deployment> group = models.get(model);
    if (group == null) {
      return 0;
    }
    UpstreamConfig c = group.get(0).config();
    long cached = Math.max(0, Math.min(cachedTokens, promptTokens)); // an upstream cannot have cached more than it read
    return ((promptTokens - cached) * c.inputPricePer1m() + cached * c.cachedInputPricePer1m()
        + completionTokens * c.outputPricePer1m()) / 1_000_000.0;
  }

  /** A non-streaming completion from {@code model} or its fallbacks. */
  public Served complete(String model, ObjectNode body) {
    return complete(model, body, ChatTokens.prompt(body.get("messages"), body.get("tools")));
  }

  /** As {@link #complete(String, ObjectNode)}, with the prompt's tokens already counted. */
  public Served complete(String model, ObjectNode body, int promptTokens) {
    UpstreamException last = null;
    int attempts = 0;
    for (List<Deployment> group : chain(model, promptTokens + maxTokens(body))) {
      Deployment previous = null;
      for (int attempt = 1; attempt <= policy.maxAttempts(); attempt++) {
        Deployment d = pick(group, previous, body);
        if (d == null) {
          last = unavailable(group, last);
          break; // every circuit of this model is open: on to the fallbacks
        }
        if (attempt > 1) {
          listener.retrying(d.config().name());
        }
        previous = d;
        attempts++;
        try {
          return new Served(d.complete(body), d.config().name(), attempts);
        } catch (UpstreamException e) {
          listener.failed(d.config().name(), d.config().deployment(), e);
          last = e;
          if (e.status() == Deployment.OVERLOADED) {
            // busy, not broken: another deployment may have room; waiting again here would not help
            if (attempt < group.size()) {
              continue;
            }
            break;
          }
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
    return stream(model, body, ChatTokens.prompt(body.get("messages"), body.get("tools")), onEvent);
  }

  /** As {@link #stream(String, ObjectNode, Consumer)}, with the prompt's tokens already counted. */
  public String stream(String model, ObjectNode body, int promptTokens, Consumer<String> onEvent) {
    UpstreamException last = null;
    for (List<Deployment> group : chain(model, promptTokens + maxTokens(body))) {
      Deployment previous = null;
      for (int attempt = 1; attempt <= policy.maxAttempts(); attempt++) {
        Deployment d = pick(group, previous, body);
        if (d == null) {
          last = unavailable(group, last);
          break;
        }
        if (attempt > 1) {
          listener.retrying(d.config().name());
        }
        previous = d;
        boolean[] delivered = {false};
        long began = System.nanoTime();
        try {
          Deployment at = d;
          d.stream(body, data -> {
            if (!delivered[0]) {
              listener.firstEvent(at.config().name(), at.config().deployment(), System.nanoTime() - began);
            }
            delivered[0] = true;
            onEvent.accept(data);
          });
          return d.config().name();
        } catch (UpstreamException e) {
          listener.failed(d.config().name(), d.config().deployment(), e);
          if (delivered[0]) {
            throw e; // the client has part of the answer: no silent restart
          }
          last = e;
          if (e.status() == Deployment.OVERLOADED) {
            if (attempt < group.size()) {
              continue;
            }
            break;
          }
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

  /** Checks every deployment with {@code GET /models}; run it every {@link RoutingPolicy#probeInterval()}. */
  public void probe() {
    Duration timeout = Duration.ofSeconds(5);
    models.values().forEach(group -> group.forEach(d -> d.probe(timeout)));
  }

  public Duration probeInterval() {
    return routing.probeInterval();
  }

  public List<Health> health() {
    List<Health> out = new ArrayList<>();
    models.forEach((name, group) -> group.forEach(d ->
        out.add(new Health(name, d.config().deployment(), d.state(), d.inFlight(), d.queued(), d.latencyMillis()))));
    return out;
  }

  /** Whether every model has at least one deployment whose circuit is not open. */
  public boolean healthy() {
    return models.values().stream().allMatch(group -> group.stream().anyMatch(Deployment::healthy));
  }

  /** The models to try, in order, that can take {@code needed} tokens. */
  private List<List<Deployment>> chain(String model, int needed) {
    Set<String> names = new LinkedHashSet<>();
    List<String> queue = new ArrayList<>(List.of(model));
    while (!queue.isEmpty()) {
      String name = queue.remove(0);
      if (names.add(name) && models.containsKey(name)) {
        queue.addAll(models.get(name).get(0).config().fallbacks());
      }
    }
    List<List<Deployment>> out = new ArrayList<>();
    int largest = 0;
    for (String name : names) {
      List<Deployment> group = models.get(name);
      if (group == null) {
        continue;
      }
      int window = group.get(0).config().contextWindow();
      largest = Math.max(largest, window);
      if (window == 0 || needed <= window) {
        out.add(group);
      }
    }
    if (out.isEmpty()) {
      throw new ContextLengthExceeded(model, needed, largest);
    }
    return out;
  }

  /**
   * A deployment of the group by the strategy, among those whose circuit lets a call through,
   * preferring one other than {@code previous} (the one that just failed).
   */
  private Deployment pick(List<Deployment> group, Deployment previous, JsonNode body) {
    List<Deployment> order = new ArrayList<>(group.size());
    PrefixAffinity affinity = null;
    PrefixAffinity.Plan plan = null;
    switch (routing.strategy(group.get(0).config().name())) {
      case PRIORITY -> order.addAll(group);
      case WEIGHTED -> order.addAll(weightedOrder(group));
      case LEAST_BUSY -> {
        order.addAll(group);
        order.sort(Comparator.comparingInt(Deployment::busy));
      }
      case ROUND_ROBIN -> {
        int first = Math.floorMod(turns.get(group.get(0).config().name()).getAndIncrement(), group.size());
        for (int i = 0; i < group.size(); i++) {
          order.add(group.get((first + i) % group.size()));
        }
      }
      case LOWEST_LATENCY -> {
        order.addAll(group);
        order.sort(Comparator.comparingDouble(Deployment::latencyMillis)); // untried (-1) first
      }
      case PREFIX -> {
        affinity = affinities.get(group.get(0).config().name());
        plan = affinity.plan(body, i -> group.get(i).busy() + group.get(i).queued());
        for (int i : plan.order()) {
          order.add(group.get(i));
        }
      }
    }
    if (previous != null && order.size() > 1 && order.remove(previous)) {
      order.add(previous);
    }
    for (Deployment d : order) {
      if (d.tryAcquirePermission()) {
        if (affinity != null) {
          affinity.served(plan, group.indexOf(d));
        }
        return d;
      }
    }
    return null;
  }

  /** The deployments' names for the hash ring: where each one is, made unique if two share an address. */
  private static List<String> replicaNames(List<Deployment> group) {
    List<String> names = new ArrayList<>(group.size());
    for (Deployment d : group) {
      String name = d.config().deployment();
      names.add(names.contains(name) ? name + "#" + names.size() : name);
    }
    return names;
  }

  /** The deployments in a random order where each comes first with probability weight / total. */
  private List<Deployment> weightedOrder(List<Deployment> group) {
    if (group.size() == 1) {
      return group;
    }
    List<Deployment> left = new ArrayList<>(group);
    List<Deployment> out = new ArrayList<>(group.size());
    while (!left.isEmpty()) {
      int total = left.stream().mapToInt(d -> d.config().weight()).sum();
      int r = random.nextInt(total);
      for (int i = 0; i < left.size(); i++) {
        r -= left.get(i).config().weight();
        if (r < 0) {
          out.add(left.remove(i));
          break;
        }
      }
    }
    return out;
  }

  private static UpstreamException unavailable(List<Deployment> group, UpstreamException last) {
    if (last != null) {
      return last;
    }
    String name = group.get(0).config().name();
    return new UpstreamException(name, UpstreamException.UNREACHABLE, null, "every deployment of " + name
        + " is failing (circuit open); try again shortly", null);
  }

  private static int maxTokens(JsonNode body) {
    JsonNode v = body.hasNonNull("max_completion_tokens") ? body.get("max_completion_tokens") : body.get("max_tokens");
    return v != null && v.isIntegralNumber() ? (int) Math.min(Integer.MAX_VALUE, Math.max(0, v.asLong())) : 0;
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
