package io.ragway.llm;

import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;

/** In-flight counts in this process: one atomic counter per deployment. */
final class LocalInFlightCounts implements InFlightCounts {

  private final Map<String, AtomicInteger> counts = new ConcurrentHashMap<>();

  @Override
  public void started(String deployment) {
    counter(deployment).incrementAndGet();
  }

  @Override
  public void finished(String deployment) {
    counter(deployment).decrementAndGet();
  }

  @Override
  public int count(String deployment) {
    AtomicInteger c = counts.get(deployment);
    return c == null ? 0 : c.get();
  }

  /** This process's counts of the deployments it has seen. */
  Map<String, Integer> snapshot() {
    Map<String, Integer> out = new java.util.TreeMap<>();
    counts.forEach((d, c) -> out.put(d, c.get()));
    return out;
  }

  AtomicInteger counter(String deployment) {
    return counts.computeIfAbsent(deployment, d -> new AtomicInteger());
  }
}
