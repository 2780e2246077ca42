package io.ragway.retrieve;

import static org.junit.jupiter.api.Assertions.assertEquals;

import io.ragway.index.Index.Scored;
import java.util.List;
import org.junit.jupiter.api.Test;

class RrfFusionTest {

  private static Scored hit(String id) {
    return new Scored(id, 1f);
  }

  @Test
  void documentRankedWellByBothListsWins() {
    // a: 1/61 + 1/63, b: 1/62 + 1/61, c: 1/63, d: 1/62  -> b > a > d > c
    List<Scored> fused = new RrfFusion(60).fuse(List.of(
        List.of(hit("a"), hit("b"), hit("c")),
        List.of(hit("b"), hit("d"), hit("a"))), 10);
    assertEquals(List.of("b", "a", "d", "c"), fused.stream().map(Scored::id).toList());
    assertEquals(1.0 / 62 + 1.0 / 61, fused.get(0).score(), 1e-6);
  }

  @Test
  void limitCutsTheFusedList() {
    assertEquals(1, new RrfFusion(60).fuse(List.of(List.of(hit("a"), hit("b"))), 1).size());
  }
}
