package io.ragway.state;

/** A store that fails closed could not reach Redis: the request is refused (503) and may be retried. */
public final class StateUnavailable extends RuntimeException {

  private final StateConfig.Store store;

  public StateUnavailable(StateConfig.Store store, String message, Throwable cause) {
    super(message, cause);
    this.store = store;
  }

  public StateConfig.Store store() {
    return store;
  }
}
