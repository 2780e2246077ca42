package io.ragway.state;

import java.util.Map;

/** Where the server's hot state lives, and whether it can be reached now ({@code /readyz}, metrics). */
public interface StateBackend {

  /** {@code memory} or {@code redis}. */
  String name();

  /** Whether the backend answers now; in-process state always does. */
  boolean up();

  /** Per store ({@link StateConfig.Store#label()}), what it does while the backend is down. */
  Map<String, String> failModes();

  /** Failed calls to the backend of one store since start. */
  long errors(StateConfig.Store store);

  /** State in this process: nothing to reach, nothing to fail. */
  static StateBackend memory() {
    return new StateBackend() {
      @Override
      public String name() {
        return "memory";
      }

      @Override
      public boolean up() {
        return true;
      }

      @Override
      public Map<String, String> failModes() {
        return Map.of();
      }

      @Override
      public long errors(StateConfig.Store store) {
        return 0;
      }
    };
  }
}
