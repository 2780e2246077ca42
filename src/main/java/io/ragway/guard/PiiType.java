package io.ragway.guard;

import java.util.Locale;

/**
 * Kinds of personal data the PII detector finds. The names follow Presidio's entity types, so
 * its data sets and reports line up with ours. Person names and locations are not among them: no
 * named-entity model can be had here (see docs/guard.md).
 */
public enum PiiType {
  EMAIL_ADDRESS,
  PHONE_NUMBER,
  /** 12-19 digits passing the Luhn check. */
  CREDIT_CARD,
  /** An IBAN passing the ISO 13616 mod-97 check. */
  IBAN_CODE,
  US_SSN,
  /** IPv4 or IPv6. */
  IP_ADDRESS;

  /** Parses a configured name, case-insensitively ({@code email_address}, {@code EMAIL_ADDRESS}). */
  public static PiiType parse(String name) {
    try {
      return valueOf(name.strip().toUpperCase(Locale.ROOT));
    } catch (IllegalArgumentException e) {
      throw new IllegalArgumentException("unknown PII type '" + name + "'; known: " + java.util.Arrays.toString(values()), e);
    }
  }
}
