package io.ragway.rollout;

import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/** Rollout states and decisions in memory, lost at exit. */
final class MemoryRolloutStore implements RolloutStore {

  private final Map<String, Stored> states = new LinkedHashMap<>();
  private final List<Decision> decisions = new ArrayList<>();

  @Override
  public synchronized Map<String, Stored> states() {
    return new LinkedHashMap<>(states);
  }

  @Override
  public synchronized void decide(Decision decision, State next) {
    decisions.add(decision);
    states.put(decision.rollout(), new Stored(decision.rollout(), next, decision.at(), decision.reason(), decision.figures()));
  }

  @Override
  public synchronized void saveFigures(String rollout, String figures) {
    Stored s = states.get(rollout);
    states.put(rollout, s == null ? new Stored(rollout, State.RUNNING, Instant.EPOCH, "started", figures)
        : new Stored(rollout, s.state(), s.updated(), s.reason(), figures));
  }

  @Override
  public synchronized List<Decision> decisions(String rollout, int limit) {
    return decisions.reversed().stream().filter(d -> d.rollout().equals(rollout)).limit(limit).toList();
  }
}
