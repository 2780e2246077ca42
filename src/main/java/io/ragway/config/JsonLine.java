package io.ragway.config;

import java.nio.charset.StandardCharsets;

/**
 * One JSON object written field by field into a line, for the records ragway writes on every
 * request (usage events, request log lines): several times cheaper than setting up a Jackson
 * generator for each, and plain JSON all the same. Strings are escaped as RFC 8259 requires
 * (quote, backslash, control characters); non-finite numbers, which JSON cannot hold, are written
 * as null.
 */
public final class JsonLine {

  private final StringBuilder b = new StringBuilder(384);
  private boolean first = true;

  /** An object: {@code {} until {@link #end}. */
  public JsonLine() {
    b.append('{');
  }

  /** {@code "name": "value"}; null as an empty string. */
  public JsonLine text(String name, String value) {
    name(name);
    quoted(value == null ? "" : value);
    return this;
  }

  /** {@code "name": "value"}, or {@code "name": null} when value is null. */
  public JsonLine textOrNull(String name, String value) {
    if (value == null) {
      name(name).append("null");
      return this;
    }
    return text(name, value);
  }

  public JsonLine number(String name, long value) {
    name(name).append(value);
    return this;
  }

  public JsonLine number(String name, double value) {
    if (Double.isFinite(value)) {
      name(name).append(value);
    } else {
      name(name).append("null");
    }
    return this;
  }

  public JsonLine bool(String name, boolean value) {
    name(name).append(value);
    return this;
  }

  /** {@code "name": {"k": v, ...}} of numbers. */
  public JsonLine numbers(String name, java.util.Map<String, Double> values) {
    name(name).append('{');
    boolean firstValue = true;
    for (java.util.Map.Entry<String, Double> e : values.entrySet()) {
      if (!firstValue) {
        b.append(',');
      }
      firstValue = false;
      quoted(e.getKey());
      b.append(':');
      double v = e.getValue();
      b.append(Double.isFinite(v) ? Double.toString(v) : "null");
    }
    b.append('}');
    return this;
  }

  /** {@code "name": ["a", "b", ...]}. */
  public JsonLine texts(String name, java.util.List<String> values) {
    name(name).append('[');
    for (int i = 0; i < values.size(); i++) {
      if (i > 0) {
        b.append(',');
      }
      quoted(values.get(i));
    }
    b.append(']');
    return this;
  }

  /** The object closed, in UTF-8, with {@code suffix} after it (a newline, or nothing). */
  public byte[] end(String suffix) {
    return b.append('}').append(suffix).toString().getBytes(StandardCharsets.UTF_8);
  }

  private StringBuilder name(String name) {
    if (!first) {
      b.append(',');
    }
    first = false;
    quoted(name);
    return b.append(':');
  }

  private void quoted(String value) {
    b.append('"');
    for (int i = 0; i < value.length(); i++) {
      char c = value.charAt(i);
      switch (c) {
        case '"' -> b.append("\\\"");
        case '\\' -> b.append("\\\\");
        case '\n' -> b.append("\\n");
        case '\r' -> b.append("\\r");
        case '\t' -> b.append("\\t");
        default -> {
          if (c < 0x20) {
            b.append("\\u00").append(Character.forDigit(c >> 4, 16)).append(Character.forDigit(c & 0xF, 16));
          } else {
            b.append(c);
          }
        }
      }
    }
    b.append('"');
  }
}
