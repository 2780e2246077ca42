package io.ragway.index;

/** The index cannot be opened or written; the message says what the user can do about it. */
public class IndexException extends RuntimeException {

  public IndexException(String message) {
    super(message);
  }

  public IndexException(String message, Throwable cause) {
    super(message, cause);
  }
}
