package io.ragway.llm;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.github.resilience4j.circuitbreaker.CircuitBreaker;
import io.github.resilience4j.circuitbreaker.CircuitBreakerConfig;
import java.time.Clock;
import java.time.Duration;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Consumer;

/**
 * One upstream deployment of a model, with what the router needs to know of it: a circuit
 * breaker (passive health: failures and timeouts; client errors do not count), the requests in
 * flight, a moving average of latency, and a concurrency limit with a bounded queue.
 */
final class Deployment {

  static final int OVERLOADED = UpstreamException.OVERLOADED;
  private static final double EWMA_ALPHA = 0.3;

  private final OpenAiBackend backend;
  private final CircuitBreaker breaker;
  private final Semaphore slots;
  private final AtomicInteger queued = new AtomicInteger();
  private final AtomicInteger inFlight = new AtomicInteger();
  private final Duration queueTimeout;
  private final InFlightCounts shared;
  private volatile double ewmaMillis = -1;

  Deployment(UpstreamConfig config, RoutingPolicy policy, Clock clock) {
    this(config, policy, clock, InFlightCounts.inProcess());
  }

  /** {@code shared}: the in-flight counts routing compares, this replica's or all replicas'. */
  Deployment(UpstreamConfig config, RoutingPolicy policy, Clock clock, InFlightCounts shared) {
    this.shared = shared;
    this.backend = new OpenAiBackend(config);
    this.breaker = CircuitBreaker.of(config.deployment(), CircuitBreakerConfig.custom()
        .failureRateThreshold(policy.failureRatePercent())
        .slidingWindowSize(policy.window())
        .minimumNumberOfCalls(Math.min(policy.minimumCalls(), policy.window()))
        .waitDurationInOpenState(policy.openFor())
        .permittedNumberOfCallsInHalfOpenState(2)
        .clock(clock)
        .build());
    this.slots = config.maxConcurrency() > 0 ? new Semaphore(config.maxConcurrency(), true) : null;
    this.queueTimeout = policy.queueTimeout();
  }

  UpstreamConfig config() {
    return backend.config();
  }

  void trace(io.opentelemetry.api.trace.Tracer tracer) {
    backend.trace(tracer);
  }

  /** Requests in flight on this replica. */
  int inFlight() {
    return inFlight.get();
  }

  /** Requests in flight on every replica that shares {@link InFlightCounts} (this one alone in memory). */
  int busy() {
    return shared.count(config().deployment());
  }

  /** Requests waiting for a concurrency slot. */
  int queued() {
    return queued.get();
  }

  double latencyMillis() {
    return ewmaMillis;
  }

  /** Whether the breaker lets a call through now (taking a half-open trial slot if so). */
  boolean tryAcquirePermission() {
    return breaker.tryAcquirePermission();
  }

  /** Healthy: the circuit is not open. */
  boolean healthy() {
    CircuitBreaker.State s = breaker.getState();
    return s != CircuitBreaker.State.OPEN && s != CircuitBreaker.State.FORCED_OPEN;
  }

  String state() {
    return breaker.getState().name().toLowerCase(java.util.Locale.ROOT);
  }

  JsonNode complete(ObjectNode body) {
    return call(() -> backend.complete(body), false);
  }

  void stream(ObjectNode body, Consumer<String> onEvent) {
    boolean[] first = {true};
    long[] t0 = {0};
    call(() -> {
      t0[0] = System.nanoTime();
      backend.stream(body, data -> {
        if (first[0]) {
          first[0] = false;
          record(System.nanoTime() - t0[0]); // a stream's latency is its time to first token
        }
        onEvent.accept(data);
      });
      return null;
    }, true);
  }

  /** Active health: a failed probe opens the circuit; a good one lets an open circuit try again. */
  void probe(Duration timeout) {
    boolean ok = backend.probe(timeout);
    CircuitBreaker.State s = breaker.getState();
    if (!ok && s == CircuitBreaker.State.CLOSED) {
      breaker.transitionToOpenState();
    } else if (ok && s == CircuitBreaker.State.OPEN) {
      breaker.transitionToHalfOpenState();
    }
  }

  private interface Call {
    JsonNode run();
  }

  /** Runs a call within a concurrency slot, telling the breaker how it went. */
  private JsonNode call(Call call, boolean stream) {
    acquireSlot();
    inFlight.incrementAndGet();
    shared.started(config().deployment());
    long start = System.nanoTime();
    try {
      JsonNode out = call.run();
      long took = System.nanoTime() - start;
      breaker.onSuccess(took, TimeUnit.NANOSECONDS);
      if (!stream) {
        record(took); // a stream records its time to first token instead
      }
      return out;
    } catch (UpstreamException e) {
      long took = System.nanoTime() - start;
      if (e.retryable()) {
        breaker.onError(took, TimeUnit.NANOSECONDS, e);
      } else {
        breaker.onSuccess(took, TimeUnit.NANOSECONDS); // the request's fault, not the upstream's
      }
      throw e;
    } catch (RuntimeException e) {
      breaker.releasePermission(); // the caller's own failure (e.g. the client went away)
      throw e;
    } finally {
      inFlight.decrementAndGet();
      shared.finished(config().deployment());
      if (slots != null) {
        slots.release();
      }
    }
  }

  private void acquireSlot() {
    if (slots == null || slots.tryAcquire()) {
      return;
    }
    String name = config().deployment();
    if (queued.incrementAndGet() > config().maxQueue()) {
      queued.decrementAndGet();
      breaker.releasePermission();
      throw new UpstreamException(name, OVERLOADED, null, name + " is at its limit of " + config().maxConcurrency()
          + " concurrent requests and its queue of " + config().maxQueue() + " is full", null);
    }
    try {
      if (!slots.tryAcquire(queueTimeout.toNanos(), TimeUnit.NANOSECONDS)) {
        breaker.releasePermission();
        throw new UpstreamException(name, OVERLOADED, null, name + " had no free slot within "
            + queueTimeout.toMillis() + " ms", null);
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      breaker.releasePermission();
      throw new UpstreamException(name, OVERLOADED, null, "interrupted while waiting for " + name, e);
    } finally {
      queued.decrementAndGet();
    }
  }

  private void record(long nanos) {
    double ms = nanos / 1e6;
    double prev = ewmaMillis;
    ewmaMillis = prev < 0 ? ms : EWMA_ALPHA * ms + (1 - EWMA_ALPHA) * prev;
  }
}
