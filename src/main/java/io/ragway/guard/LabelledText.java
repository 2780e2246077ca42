package io.ragway.guard;

import java.util.Objects;

/**
 * One row of an injection data set.
 *
 * @param label 1 for an attack, 0 for a benign text
 */
public record LabelledText(String text, int label) {
  public LabelledText {
    Objects.requireNonNull(text, "text");
    if (label != 0 && label != 1) {
      throw new IllegalArgumentException("label must be 0 or 1, not " + label);
    }
  }
}
