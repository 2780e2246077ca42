package io.ragway.guard;

import java.util.EnumSet;
import java.util.Locale;
import java.util.Set;

/**
 * Kinds of personal data the PII detector finds. The names follow Presidio's entity types, so
 * its data sets and reports line up with ours. The first six are found by pattern and checksum;
 * person names and locations need the named-entity model, which only a build with the {@code ner}
 * profile has ({@link NamedEntities}).
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
  IP_ADDRESS,
  /** A person's name (named-entity model). */
  PERSON,
  /** A place: city, country, region, landmark (named-entity model; Presidio's GPE and LOCATION). */
  LOCATION;

  /** The types found by pattern, which every build has: the default when a policy names none. */
  public static Set<PiiType> patterns() {
    return EnumSet.range(EMAIL_ADDRESS, IP_ADDRESS);
  }

  /** Every type this build can find: the patterns, and names and locations when it has the model. */
  public static Set<PiiType> available() {
    return NamedEntities.available() ? EnumSet.allOf(PiiType.class) : patterns();
  }

  /** Parses a configured name, case-insensitively ({@code email_address}, {@code EMAIL_ADDRESS}). */
  public static PiiType parse(String name) {
    try {
      return valueOf(name.strip().toUpperCase(Locale.ROOT));
    } catch (IllegalArgumentException e) {
      throw new IllegalArgumentException("unknown PII type '" + name + "'; known: " + java.util.Arrays.toString(values()), e);
    }
  }
}
