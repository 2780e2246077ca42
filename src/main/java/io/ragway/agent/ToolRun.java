package io.ragway.agent;

import java.util.Objects;

/**
 * One tool call the loop made, as {@code message.ragway_steps} lists it.
 *
 * @param step the model call that asked for it, from 1
 * @param status {@code ok}, {@code error}, {@code timeout}, {@code invalid_arguments},
 *     {@code unknown_tool} or {@code withheld} (the guard read its result as an injection)
 * @param error what went wrong, as the model was told; empty when nothing did
 * @param resultChars characters of the result the model was given
 */
public record ToolRun(int step, String callId, String tool, String status, String error, long millis, int resultChars) {

  public ToolRun {
    Objects.requireNonNull(callId, "callId");
    Objects.requireNonNull(tool, "tool");
    Objects.requireNonNull(status, "status");
    error = error == null ? "" : error;
  }
}
