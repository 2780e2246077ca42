package io.ragway.config;

/** {@code ragway.yaml} is unreadable or invalid; the message names the file and the key. */
public class ConfigException extends RuntimeException {

  public ConfigException(String message) {
    super(message);
  }

  public ConfigException(String message, Throwable cause) {
    super(message, cause);
  }
}
