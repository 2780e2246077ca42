package io.ragway.store;

import java.util.HexFormat;
import java.util.UUID;
import java.util.concurrent.ThreadLocalRandom;

/**
 * Version-7 UUIDs (RFC 9562): the Unix time in milliseconds, then 74 random bits. Ids made this
 * way sort by the time they were made, so a database index over them grows at its end instead of
 * at random places, and making one takes no lock: {@link UUID#randomUUID} draws from the shared
 * {@code SecureRandom}, which every request on the server would queue for. They are unique, not
 * secret: nothing that guards access is ever one of them.
 */
public final class Uuid7 {

  private static final HexFormat HEX = HexFormat.of();

  private Uuid7() {}

  /** A new id. */
  public static UUID next() {
    ThreadLocalRandom random = ThreadLocalRandom.current();
    long msb = (System.currentTimeMillis() << 16) | 0x7000L | (random.nextLong() & 0x0FFFL);
    long lsb = (random.nextLong() & 0x3FFF_FFFF_FFFF_FFFFL) | 0x8000_0000_0000_0000L; // the RFC 4122 variant
    return new UUID(msb, lsb);
  }

  /** A new id as 32 lower-case hex digits, without dashes. */
  public static String hex() {
    UUID id = next();
    return HEX.toHexDigits(id.getMostSignificantBits()) + HEX.toHexDigits(id.getLeastSignificantBits());
  }
}
