package io.ragway.server;

import io.ragway.agent.AgentListener;
import io.ragway.agent.ToolRun;
import io.ragway.telemetry.Stages;
import java.time.Duration;
import java.util.HashMap;
import java.util.Map;

/**
 * The agent loop's steps and tools as stages of the request's trace: a span {@code ragway.agent.step}
 * per model call (current while it runs, so the upstream call's span sits under it) and a span
 * {@code ragway.agent.tool} per tool call beside the others, with the GenAI attributes of a tool
 * execution. Their times go to the request log as the stages {@code agent.step} and {@code agent.tool}.
 */
final class TracedSteps implements AgentListener, AutoCloseable {

  static final String STEP = "agent.step";
  static final String TOOL = "agent.tool";

  private final Stages stages;
  private Stages.Stage step;
  private final Map<String, Stages.Stage> tools = new HashMap<>();

  TracedSteps(Stages stages) {
    this.stages = stages;
  }

  @Override
  public void stepStarted(int number) {
    endStep("superseded");
    step = stages.start(STEP);
    step.attribute("ragway.agent.step", number);
  }

  @Override
  public void stepEnded(int number, String servedBy, long promptTokens, long completionTokens, int toolCalls,
      Duration took) {
    if (step != null) {
      step.attribute("gen_ai.operation.name", "chat");
      step.attribute("gen_ai.response.model", servedBy);
      step.attribute("gen_ai.usage.input_tokens", promptTokens);
      step.attribute("gen_ai.usage.output_tokens", completionTokens);
      step.attribute("ragway.agent.tool_calls", toolCalls);
      step.close();
      step = null;
    }
  }

  @Override
  public void toolStarted(int number, String tool, String callId) {
    Stages.Stage s = stages.beside(TOOL);
    s.attribute("gen_ai.operation.name", "execute_tool");
    s.attribute("gen_ai.tool.name", tool);
    s.attribute("gen_ai.tool.call.id", callId);
    s.attribute("gen_ai.tool.type", "function");
    s.attribute("ragway.agent.step", number);
    Stages.Stage before = tools.put(callId, s);
    if (before != null) {
      before.close();
    }
  }

  @Override
  public void toolEnded(ToolRun run) {
    Stages.Stage s = tools.remove(run.callId());
    if (s == null) {
      return;
    }
    s.attribute("ragway.agent.tool_status", run.status());
    if (!run.status().equals("ok")) {
      s.failed(new ToolFailed(run.status() + (run.error().isEmpty() ? "" : ": " + run.error())));
    }
    s.close();
  }

  /** Ends what a loop that stopped early (an upstream failure, a client gone) left open. */
  @Override
  public void close() {
    endStep("the loop ended during this step");
    tools.values().forEach(s -> {
      s.failed(new ToolFailed("the loop ended before this tool did"));
      s.close();
    });
    tools.clear();
  }

  private void endStep(String why) {
    if (step != null) {
      step.failed(new ToolFailed(why));
      step.close();
      step = null;
    }
  }

  /** How a step or tool ended badly, as its span's error says. */
  private static final class ToolFailed extends RuntimeException {
    ToolFailed(String message) {
      super(message, null, false, false);
    }
  }
}
