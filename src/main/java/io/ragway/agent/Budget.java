package io.ragway.agent;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Optional;

/**
 * What one agent request has spent against its limits: steps, tool calls, tokens, wall time and
 * cost. The loop asks before each model call and before each batch of tool calls; time comes from
 * the clock it is given, so tests move time on instead of waiting.
 */
final class Budget {

  private final AgentConfig limits;
  private final Clock clock;
  private final Instant started;
  private int steps;
  private int toolCalls;
  private long tokens;
  private double cost;

  Budget(AgentConfig limits, Clock clock) {
    this.limits = limits;
    this.clock = clock;
    this.started = clock.instant();
  }

  /** The limit that forbids another model call, if one does. */
  Optional<Limit> beforeStep() {
    if (steps >= limits.maxSteps()) {
      return Optional.of(Limit.MAX_STEPS);
    }
    return spent();
  }

  /** The limit that forbids running {@code calls} more tools, if one does. */
  Optional<Limit> beforeTools(int calls) {
    if (toolCalls + calls > limits.maxToolCalls()) {
      return Optional.of(Limit.MAX_TOOL_CALLS);
    }
    return spent();
  }

  /** Tokens, time or cost already at their limit. */
  private Optional<Limit> spent() {
    if (tokens >= limits.maxTokens()) {
      return Optional.of(Limit.MAX_TOKENS);
    }
    if (!remaining().isPositive()) {
      return Optional.of(Limit.MAX_TIME);
    }
    if (limits.maxCostUsd() > 0 && cost >= limits.maxCostUsd()) {
      return Optional.of(Limit.MAX_COST);
    }
    return Optional.empty();
  }

  /** Counts a model call; returns its number, from 1. */
  int step() {
    return ++steps;
  }

  void spend(long promptTokens, long completionTokens, double costUsd) {
    tokens += promptTokens + completionTokens;
    cost += costUsd;
  }

  void toolCalls(int calls) {
    toolCalls += calls;
  }

  /** Wall time left; zero or negative once spent. */
  Duration remaining() {
    return Duration.ofSeconds(limits.maxSeconds()).minus(Duration.between(started, clock.instant()));
  }

  int steps() {
    return steps;
  }

  int toolCallCount() {
    return toolCalls;
  }

  double cost() {
    return cost;
  }
}
