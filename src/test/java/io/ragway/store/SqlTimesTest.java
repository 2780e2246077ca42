package io.ragway.store;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

class SqlTimesTest {

  private static final DateTimeFormatter REFERENCE = DateTimeFormatter.ofPattern("uuuu-MM-dd'T'HH:mm:ss.SSSSSSX")
      .withZone(ZoneOffset.UTC);

  @Test
  void agreesWithTheFormatterAcrossYearsAndEdges() {
    SplittableRandom random = new SplittableRandom(7);
    long min = Instant.parse("0000-01-01T00:00:00Z").getEpochSecond();
    long max = Instant.parse("9999-12-31T23:59:59Z").getEpochSecond();
    for (int i = 0; i < 100_000; i++) {
      Instant t = Instant.ofEpochSecond(random.nextLong(min, max + 1), random.nextInt(1_000_000_000));
      assertEquals(REFERENCE.format(t), SqlTimes.format(t), t::toString);
    }
    for (String edge : new String[] {"1970-01-01T00:00:00Z", "1969-12-31T23:59:59.999999999Z", "2000-02-29T12:00:00.000001Z",
        "2026-12-31T23:59:59.999999Z", "0000-01-01T00:00:00Z", "9999-12-31T23:59:59.999999Z"}) {
      Instant t = Instant.parse(edge);
      assertEquals(REFERENCE.format(t), SqlTimes.format(t), edge);
    }
  }

  @Test
  void yearsOutsideFourDigitsFallBackToTheFormatter() {
    Instant t = Instant.parse("+10000-01-01T00:00:00Z");
    assertEquals(REFERENCE.format(t), SqlTimes.format(t));
  }

  @Test
  void readsBackWhatItWrote() {
    SplittableRandom random = new SplittableRandom(11);
    for (int i = 0; i < 100_000; i++) {
      Instant t = Instant.ofEpochSecond(random.nextLong(-62_167_219_200L, 253_402_300_799L), random.nextInt(1_000_000) * 1000);
      assertEquals(t, SqlTimes.parse(SqlTimes.format(t)), t::toString);
    }
  }

  @Test
  void readsOtherInstantsAsInstantParseDoesAndRefusesWhatIsNone() {
    for (String other : new String[] {"2026-01-02T03:04:05Z", "2026-01-02T03:04:05.678Z", "2026-01-02T03:04:05.123456789Z"}) {
      assertEquals(Instant.parse(other), SqlTimes.parse(other), other);
    }
    for (String bad : new String[] {"2026-13-02T03:04:05.123456Z", "2026-02-30T03:04:05.123456Z", "2026-01-02T25:04:05.123456Z",
        "2026-0a-02T03:04:05.123456Z", "yesterday", ""}) {
      assertThrows(java.time.DateTimeException.class, () -> SqlTimes.parse(bad), bad);
    }
  }

  @Test
  void parsesBackToTheSameMicrosecond() {
    Instant t = Instant.parse("2026-12-06T22:42:21.123456789Z");
    assertEquals(Instant.parse("2026-12-06T22:42:21.123456Z"), Instant.parse(SqlTimes.format(t)));
  }
}
