package io.ragway.store;

import java.nio.file.Path;
import java.time.Clock;

/** Opens ragway's record stores. */
public final class Stores {

  private Stores() {}

  /** The API keys kept in {@code keys.json} in the data directory. */
  public static ApiKeys apiKeys(Path dataDir, Clock clock) {
    return new JsonFileApiKeys(dataDir.resolve("keys.json"), clock);
  }
}
