package io.ragway.cli;

/** The user asked for something that cannot work as asked; exit code 2 with the message. */
final class UsageException extends RuntimeException {

  UsageException(String message) {
    super(message);
  }
}
