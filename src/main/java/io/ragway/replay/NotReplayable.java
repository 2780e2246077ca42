package io.ragway.replay;

/**
 * A recorded answer that cannot be run again, and why: its question was not kept, its model or
 * prompt version is not in the configuration, or it is not an answer replay knows how to repeat.
 */
public final class NotReplayable extends RuntimeException {

  private static final long serialVersionUID = 1L;

  public NotReplayable(String message) {
    super(message);
  }
}
