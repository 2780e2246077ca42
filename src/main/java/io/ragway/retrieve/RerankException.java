package io.ragway.retrieve;

/** The reranker could not be reached or answered something unusable. */
public class RerankException extends RuntimeException {

  public RerankException(String message) {
    super(message);
  }

  public RerankException(String message, Throwable cause) {
    super(message, cause);
  }
}
