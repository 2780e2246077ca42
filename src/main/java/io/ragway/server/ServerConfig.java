package io.ragway.server;

import java.util.Objects;

/**
 * Where the server listens and how large a request may be.
 *
 * @param host interface to bind; 127.0.0.1 keeps the unauthenticated server local
 * @param port TCP port; 0 picks a free one
 * @param maxBodyBytes larger request bodies are answered with 413
 */
public record ServerConfig(String host, int port, long maxBodyBytes) {

  public ServerConfig {
    Objects.requireNonNull(host, "host");
    if (port < 0 || port > 65535) {
      throw new IllegalArgumentException("port must be in [0, 65535], got " + port);
    }
    if (maxBodyBytes < 1024) {
      throw new IllegalArgumentException("max body must be at least 1 KiB, got " + maxBodyBytes);
    }
  }

  public static ServerConfig defaults() {
    return new ServerConfig("127.0.0.1", 8080, 8L * 1024 * 1024);
  }
}
