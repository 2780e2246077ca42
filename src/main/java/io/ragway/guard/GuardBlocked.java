package io.ragway.guard;

/** A request the guard refuses; the server answers 400 {@code content_policy_violation}. */
public final class GuardBlocked extends RuntimeException {

  private final GuardDecision decision;

  GuardBlocked(GuardDecision decision, String message) {
    super(message);
    this.decision = decision;
  }

  public GuardDecision decision() {
    return decision;
  }
}
