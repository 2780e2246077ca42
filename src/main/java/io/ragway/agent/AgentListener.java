package io.ragway.agent;

import java.time.Duration;

/**
 * Hears what one agent request does, step by step and tool by tool, for tracing, the request log
 * and streamed progress. Called on the request's thread, one call at a time, so it must be quick.
 */
public interface AgentListener {

  /** Model call {@code step} (from 1) is about to be made. */
  default void stepStarted(int step) {}

  /** Model call {@code step} answered, from {@code servedBy}, after {@code took}, with {@code toolCalls} tool calls asked. */
  default void stepEnded(int step, String servedBy, long promptTokens, long completionTokens, int toolCalls,
      Duration took) {}

  /** A tool asked for in {@code step} starts. */
  default void toolStarted(int step, String tool, String callId) {}

  /** A tool ended, however it ended. */
  default void toolEnded(ToolRun run) {}

  /** Hears nothing. */
  static AgentListener none() {
    return NONE;
  }

  /** Tells {@code first}, then {@code second}. */
  static AgentListener both(AgentListener first, AgentListener second) {
    return new AgentListener() {
      @Override
      public void stepStarted(int step) {
        first.stepStarted(step);
        second.stepStarted(step);
      }

      @Override
      public void stepEnded(int step, String servedBy, long promptTokens, long completionTokens, int toolCalls,
          Duration took) {
        first.stepEnded(step, servedBy, promptTokens, completionTokens, toolCalls, took);
        second.stepEnded(step, servedBy, promptTokens, completionTokens, toolCalls, took);
      }

      @Override
      public void toolStarted(int step, String tool, String callId) {
        first.toolStarted(step, tool, callId);
        second.toolStarted(step, tool, callId);
      }

      @Override
      public void toolEnded(ToolRun run) {
        first.toolEnded(run);
        second.toolEnded(run);
      }
    };
  }

  /**
   * Writes each step and tool of request {@code requestId} to the {@code io.ragway.agent} logger at
   * debug level (arguments and results are never logged: they may hold personal data).
   */
  static AgentListener logging(String requestId) {
    return new LoggedSteps(requestId);
  }

  AgentListener NONE = new AgentListener() {};
}
