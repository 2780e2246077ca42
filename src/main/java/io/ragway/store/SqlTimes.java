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

  /**
   * The time {@link #format} wrote, read back digit by digit; any other ISO-8601 instant (a
   * journal line of an earlier version, say) through {@link Instant#parse}.
   *
   * @throws java.time.format.DateTimeParseException when it is not an instant
   */
  static Instant parse(String text) {
    if (text.length() != 27 || text.charAt(4) != '-' || text.charAt(7) != '-' || text.charAt(10) != 'T'
        || text.charAt(13) != ':' || text.charAt(16) != ':' || text.charAt(19) != '.' || text.charAt(26) != 'Z') {
      return Instant.parse(text);
    }
    int year = number(text, 0, 4);
    int month = number(text, 5, 2);
    int day = number(text, 8, 2);
    int hour = number(text, 11, 2);
    int minute = number(text, 14, 2);
    int second = number(text, 17, 2);
    int micros = number(text, 20, 6);
    if (year < 0 || month < 1 || month > 12 || day < 1 || day > 31 || hour > 23 || minute > 59 || second > 59 || micros < 0) {
      return Instant.parse(text); // says what is wrong with it
    }
    long epochDay = LocalDate.of(year, month, day).toEpochDay();
    return Instant.ofEpochSecond(epochDay * SECONDS_PER_DAY + hour * 3600L + minute * 60L + second, micros * 1000L);
  }

  /* The decimal number in text[at, at + width), or -1 when a character there is not a digit. */
  private static int number(String text, int at, int width) {
    int value = 0;
    for (int i = at; i < at + width; i++) {
      char c = text.charAt(i);
      if (c < '0' || c > '9') {
        return -1;
      }
      value = value * 10 + (c - '0');
    }
    return value;
  }

  private static void digits(char[] c, int at, int value, int width) {
    for (int i = at + width - 1; i >= at; i--) {
      c[i] = (char) ('0' + value % 10);
      value /= 10;
    }
  }
}
