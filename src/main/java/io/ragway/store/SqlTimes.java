package io.ragway.store;

import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;

/** Times as fixed-width UTC text, so they sort as text the way they sort as times, on SQLite and PostgreSQL alike. */
final class SqlTimes {

  private static final DateTimeFormatter TIME = DateTimeFormatter.ofPattern("uuuu-MM-dd'T'HH:mm:ss.SSSSSSX")
      .withZone(ZoneOffset.UTC);

  private SqlTimes() {}

  static String format(Instant t) {
    return TIME.format(t);
  }
}
