package io.ragway.store;

import java.time.Instant;
import java.time.LocalDate;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;

/** Times as fixed-width UTC text, so they sort as text the way they sort as times, on SQLite and PostgreSQL alike. */
final class SqlTimes {

  private static final DateTimeFormatter TIME = DateTimeFormatter.ofPattern("uuuu-MM-dd'T'HH:mm:ss.SSSSSSX")
      .withZone(ZoneOffset.UTC);
  private static final long SECONDS_PER_DAY = 86_400;

  private SqlTimes() {}

  /**
   * {@code 2026-12-06T22:42:21.123456Z}: microseconds, UTC. Every usage event is written this way,
   * so years 0-9999 are put together digit by digit, several times faster than the formatter,
   * which serves the rest.
   */
  static String format(Instant t) {
    long seconds = t.getEpochSecond();
    LocalDate day = LocalDate.ofEpochDay(Math.floorDiv(seconds, SECONDS_PER_DAY));
    if (day.getYear() < 0 || day.getYear() > 9999) {
      return TIME.format(t);
    }
    int second = (int) Math.floorMod(seconds, SECONDS_PER_DAY);
    char[] c = new char[27];
    digits(c, 0, day.getYear(), 4);
    c[4] = '-';
    digits(c, 5, day.getMonthValue(), 2);
    c[7] = '-';
    digits(c, 8, day.getDayOfMonth(), 2);
    c[10] = 'T';
    digits(c, 11, second / 3600, 2);
    c[13] = ':';
    digits(c, 14, second / 60 % 60, 2);
    c[16] = ':';
    digits(c, 17, second % 60, 2);
    c[19] = '.';
    digits(c, 20, t.getNano() / 1000, 6);
    c[26] = 'Z';
    return new String(c);
  }

  private static void digits(char[] c, int at, int value, int width) {
    for (int i = at + width - 1; i >= at; i--) {
      c[i] = (char) ('0' + value % 10);
      value /= 10;
    }
  }
}
