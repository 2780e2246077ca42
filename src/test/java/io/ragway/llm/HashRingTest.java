package io.ragway.llm;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;

class HashRingTest {

  private static final List<String> FOUR = List.of("m@10.0.0.1:8000", "m@10.0.0.2:8000", "m@10.0.0.3:8000",
      "m@10.0.0.4:8000");

  @Test
  void addingAFifthMemberMovesAboutAFifthOfTheKeysAllToIt() {
    HashRing before = new HashRing(FOUR, HashRing.VIRTUAL_NODES);
    List<String> five = new java.util.ArrayList<>(FOUR);
    five.add("m@10.0.0.5:8000");
    HashRing after = new HashRing(five, HashRing.VIRTUAL_NODES);
    Random random = new Random(7);
    int keys = 20_000;
    int moved = 0;
    for (int i = 0; i < keys; i++) {
      long key = random.nextLong();
      int was = before.owner(key);
      int is = after.owner(key);
      if (was != is) {
        moved++;
        assertEquals(4, is, "a key only ever moves to the new member");
      }
    }
    double share = moved / (double) keys;
    assertTrue(share > 0.15 && share < 0.25, "about 1/5 of the keys move, got " + share);
  }

  @Test
  void spreadsKeysEvenlyAcrossMembers() {
    HashRing ring = new HashRing(FOUR, HashRing.VIRTUAL_NODES);
    int[] counts = new int[4];
    Random random = new Random(3);
    for (int i = 0; i < 20_000; i++) {
      counts[ring.owner(random.nextLong())]++;
    }
    for (int c : counts) {
      assertTrue(c > 4_000 && c < 6_000, "each of 4 members owns about 5,000 of 20,000 keys: " + java.util.Arrays.toString(counts));
    }
  }

  @Test
  void walkListsEveryMemberOnceOwnerFirst() {
    HashRing ring = new HashRing(FOUR, HashRing.VIRTUAL_NODES);
    for (long key : new long[] {0, -1, Long.MAX_VALUE, Long.MIN_VALUE, 42}) {
      int[] walk = ring.walk(key);
      assertEquals(ring.owner(key), walk[0]);
      assertEquals(4, java.util.Arrays.stream(walk).distinct().count());
    }
  }
}
