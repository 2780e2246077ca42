package io.ragway.agent;

/** A tool could not answer; the message says why, in words the model can act on. */
final class ToolFailure extends Exception {

  private static final long serialVersionUID = 1L;

  ToolFailure(String message) {
    super(message);
  }

  ToolFailure(String message, Throwable cause) {
    super(message, cause);
  }
}
