package io.ragway.guard;

import java.util.Objects;

/** A piece of personal data in a text: {@code text.substring(start, end)} is {@code value}. */
public record PiiSpan(PiiType type, int start, int end, String value) {
  public PiiSpan {
    Objects.requireNonNull(type, "type");
    if (start < 0 || end <= start) {
      throw new IllegalArgumentException("bad span " + start + ".." + end);
    }
  }
}
