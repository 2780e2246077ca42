package io.ragway.plan;

import java.util.Locale;

/** A number format for weights or the KV cache, by its bytes per value. */
public enum Dtype {
  FP32(4),
  FP16(2),
  BF16(2),
  FP8(1),
  INT8(1),
  INT4(0.5);

  private final double bytes;

  Dtype(double bytes) {
    this.bytes = bytes;
  }

  public double bytes() {
    return bytes;
  }

  /** Parses {@code fp16}, {@code BF16}, ... case-insensitively. */
  public static Dtype parse(String name) {
    try {
      return valueOf(name.strip().toUpperCase(Locale.ROOT));
    } catch (IllegalArgumentException e) {
      throw new IllegalArgumentException("unknown dtype '" + name + "'; known: fp32, fp16, bf16, fp8, int8, int4", e);
    }
  }
}
