package io.ragway.agent;

/** The agent limit that ended a request, as {@code ragway.finish_reason} names it. */
public enum Limit {
  MAX_STEPS("max_steps"),
  MAX_TOOL_CALLS("max_tool_calls"),
  MAX_TOKENS("max_tokens"),
  MAX_TIME("max_time"),
  MAX_COST("max_cost");

  private final String label;

  Limit(String label) {
    this.label = label;
  }

  public String label() {
    return label;
  }
}
