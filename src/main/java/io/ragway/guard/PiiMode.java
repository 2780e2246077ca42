package io.ragway.guard;

import java.util.Locale;

/** What the PII guard does with personal data it finds. */
public enum PiiMode {
  /** Nothing: PII passes. */
  OFF,
  /** Replaced by its type: {@code [EMAIL_ADDRESS]}. */
  REDACT,
  /** Letters and digits starred but the last four: {@code ************1111}. */
  MASK,
  /**
   * Replaced by a numbered placeholder ({@code <EMAIL_ADDRESS_1>}) that the answer to the same
   * request gets back as the original value; the model never sees the value.
   */
  PSEUDONYMISE,
  /** The request is refused (400 {@code content_policy_violation}). */
  BLOCK;

  public static PiiMode parse(String s) {
    String v = s.strip().toUpperCase(Locale.ROOT);
    return valueOf(v.equals("PSEUDONYMIZE") ? "PSEUDONYMISE" : v);
  }
}
