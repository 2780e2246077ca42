package io.ragway.agent;

import java.time.Duration;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** One debug line per step and per tool of a request, without arguments or results. */
final class LoggedSteps implements AgentListener {

  private static final Logger LOG = LoggerFactory.getLogger("io.ragway.agent");

  private final String requestId;

  LoggedSteps(String requestId) {
    this.requestId = requestId;
  }

  @Override
  public void stepEnded(int step, String servedBy, long promptTokens, long completionTokens, int toolCalls,
      Duration took) {
    LOG.debug("request {} step {}: {} answered in {} ms, {} + {} tokens, {} tool calls", requestId, step, servedBy,
        took.toMillis(), promptTokens, completionTokens, toolCalls);
  }

  @Override
  public void toolEnded(ToolRun run) {
    LOG.debug("request {} step {}: tool {} ({}) {} in {} ms{}", requestId, run.step(), run.tool(), run.callId(),
        run.status(), run.millis(), run.error().isEmpty() ? "" : ": " + run.error());
  }
}
