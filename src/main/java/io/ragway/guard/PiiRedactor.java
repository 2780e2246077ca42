package io.ragway.guard;

import java.util.List;

/** Applies a {@link PiiMode} to the spans {@link PiiDetector} found. */
final class PiiRedactor {

  private PiiRedactor() {}

  /** {@code text} with each span replaced as {@code mode} says; BLOCK and OFF leave it as it is. */
  static String apply(String text, List<PiiSpan> spans, PiiMode mode, Pseudonyms pseudonyms) {
    if (spans.isEmpty() || mode == PiiMode.OFF || mode == PiiMode.BLOCK) {
      return text;
    }
    StringBuilder out = new StringBuilder(text.length());
    int at = 0;
    for (PiiSpan s : spans) {
      out.append(text, at, s.start());
      out.append(switch (mode) {
        case REDACT -> "[" + s.type() + "]";
        case MASK -> mask(s.value());
        case PSEUDONYMISE -> pseudonyms.placeholder(s.type(), s.value());
        default -> s.value();
      });
      at = s.end();
    }
    return out.append(text, at, text.length()).toString();
  }

  private static String mask(String value) {
    int keep = 4;
    StringBuilder out = new StringBuilder(value);
    int seen = 0;
    for (int i = out.length() - 1; i >= 0; i--) {
      if (Character.isLetterOrDigit(out.charAt(i)) && ++seen > keep) {
        out.setCharAt(i, '*');
      }
    }
    return out.toString();
  }
}
