package io.ragway.guard;

/**
 * An answer that is not the JSON its request's {@code response_format} asks for, under a policy
 * that blocks it; the server answers 502 {@code invalid_json_output}, or ends a stream with that error.
 */
public final class InvalidJsonOutput extends RuntimeException {

  private final GuardDecision decision;

  InvalidJsonOutput(GuardDecision decision, String message) {
    super(message);
    this.decision = decision;
  }

  public GuardDecision decision() {
    return decision;
  }
}
