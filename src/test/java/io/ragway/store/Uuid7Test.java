package io.ragway.store;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.HashSet;
import java.util.Set;
import java.util.UUID;
import org.junit.jupiter.api.Test;

class Uuid7Test {

  @Test
  void isVersionSevenWithTheTimeInFront() {
    long before = System.currentTimeMillis();
    UUID id = Uuid7.next();
    long after = System.currentTimeMillis();
    assertEquals(7, id.version());
    assertEquals(2, id.variant());
    long ms = id.getMostSignificantBits() >>> 16;
    assertTrue(ms >= before && ms <= after, ms + " not in [" + before + ", " + after + "]");
    assertEquals(id, UUID.fromString(id.toString()));
  }

  @Test
  void hexIsThirtyTwoDigitsAndIdsDoNotRepeat() {
    Set<String> seen = new HashSet<>();
    for (int i = 0; i < 100_000; i++) {
      String h = Uuid7.hex();
      assertTrue(h.matches("[0-9a-f]{32}"), h);
      assertTrue(seen.add(h), "repeated " + h);
    }
  }

  @Test
  void laterIdsSortAfterEarlierOnes() throws InterruptedException {
    String first = Uuid7.next().toString();
    Thread.sleep(2);
    String second = Uuid7.next().toString();
    assertTrue(first.compareTo(second) < 0, first + " vs " + second);
  }
}
