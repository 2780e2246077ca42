package io.ragway.llm;

/** A prompt that no model of the fallback chain can take: its tokens plus max_tokens exceed every context window. */
public final class ContextLengthExceeded extends RuntimeException {

  private final int requested;
  private final int window;

  public ContextLengthExceeded(String model, int requested, int window) {
    super("This model's maximum context length is " + window + " tokens. However, you requested " + requested
        + " tokens (prompt and max_tokens) to '" + model + "' and no fallback model has a larger context window. "
        + "Please reduce the length of the messages or max_tokens.");
    this.requested = requested;
    this.window = window;
  }

  public int requested() {
    return requested;
  }

  public int window() {
    return window;
  }
}
