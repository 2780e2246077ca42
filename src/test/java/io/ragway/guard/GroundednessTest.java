package io.ragway.guard;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class GroundednessTest {

  private static final Map<Integer, String> SOURCES = Map.of(
      1, "The lighthouse on Skerry Point was built in 1872 and its lamp was lit by oil until 1950.",
      2, "Keepers lived in the cottage beside the tower and rowed to the village for supplies.");
  private static final Groundedness G = new Groundedness(0.5);

  @Test
  void supportsASentenceWhoseWordsItsCitedSourceHolds() {
    List<Groundedness.Verdict> v = G.judge("The lighthouse was built in 1872 [1].", SOURCES);
    assertEquals(1, v.size());
    assertTrue(v.get(0).supported(), v.toString());
    assertEquals(List.of(1), v.get(0).cites());
  }

  @Test
  void flagsAClaimTheSourcesDoNotHold() {
    List<Groundedness.Verdict> v = G.judge("The lighthouse was built in 1872 [1]. Pirates burned the harbour "
        + "warehouses during the great storm [2].", SOURCES);
    assertTrue(v.get(0).supported());
    assertFalse(v.get(1).supported(), v.toString());
    assertTrue(v.get(1).support() < 0.5);
  }

  @Test
  void judgesASentenceAgainstTheSourceItCitesNotAnother() {
    // true of source 1, but it cites source 2
    assertFalse(G.judge("The lamp was lit by oil until 1950 [2].", SOURCES).get(0).supported());
    assertTrue(G.judge("The lamp was lit by oil until 1950 [1].", SOURCES).get(0).supported());
  }

  @Test
  void holdsAnUncitedSentenceAgainstTheSourcesTheAnswerCites() {
    List<Groundedness.Verdict> v = G.judge("Keepers lived in the cottage beside the tower. They rowed to the "
        + "village [2].", SOURCES);
    assertTrue(v.get(0).supported(), v.toString());
  }

  @Test
  void givesAMarkerAfterTheFullStopToTheSentenceBefore() {
    // the extractive answerer writes "sentence. [n]"
    List<Groundedness.Verdict> v = G.judge("The lamp was lit by oil until 1950. [1] Keepers rowed to the village "
        + "for supplies. [2]", SOURCES);
    assertEquals(2, v.size(), v.toString());
    assertEquals(List.of(1), v.get(0).cites());
    assertTrue(v.get(0).sentence().endsWith("[1]"), v.get(0).sentence());
    assertEquals(List.of(2), v.get(1).cites());
    assertTrue(v.stream().allMatch(Groundedness.Verdict::supported), v.toString());
  }

  @Test
  void doesNotJudgeSentencesTooShortToClaimMuch() {
    assertTrue(G.judge("Yes [1].", SOURCES).get(0).supported());
  }

  @Test
  void readsCitationListsAndIgnoresNumbersThatAreNotSources() {
    assertEquals(List.of(1, 2, 9), List.copyOf(Groundedness.cites("a [1, 2] b [9] c [1]")));
    Groundedness.Verdict v = G.judge("The lighthouse was built in 1872 [9].", SOURCES).get(0);
    assertEquals(List.of(), v.cites(), "[9] names no source");
  }

  @Test
  void refusesAThresholdOutsideZeroToOne() {
    org.junit.jupiter.api.Assertions.assertThrows(IllegalArgumentException.class, () -> new Groundedness(0));
    org.junit.jupiter.api.Assertions.assertThrows(IllegalArgumentException.class, () -> new Groundedness(1.5));
  }

  @Test
  void aGateReleasesSentencesOnceTheNextBeginsAndLeavesOutUnsupportedOnes() {
    List<Groundedness.Verdict> removed = new ArrayList<>();
    SentenceGate gate = new SentenceGate(G, SOURCES, removed::add);
    String answer = "The lighthouse was built in 1872 [1]. Pirates burned the harbour warehouses in the storm [2]. "
        + "Keepers rowed to the village for supplies [2].";
    StringBuilder out = new StringBuilder();
    List<String> released = new ArrayList<>();
    for (int i = 0; i < answer.length(); i += 7) {
      String piece = gate.accept(answer.substring(i, Math.min(answer.length(), i + 7)));
      released.add(piece);
      out.append(piece);
    }
    out.append(gate.finish());
    assertEquals("The lighthouse was built in 1872 [1]. Keepers rowed to the village for supplies [2].", out.toString());
    assertEquals(1, removed.size());
    assertTrue(removed.get(0).sentence().startsWith("Pirates"));
    assertEquals(answer.indexOf("Pirates"), removed.get(0).start(), "positions are in the whole answer");
    assertTrue(released.stream().anyMatch(p -> p.startsWith("The lighthouse")), "the first sentence went out before the end");
  }

  @Test
  void aGateWaitsForAMarkerThatMayStillBelongToTheSentenceBefore() {
    SentenceGate gate = new SentenceGate(G, SOURCES, v -> {});
    assertEquals("", gate.accept("The lamp was lit by oil until 1950. [1"));
    assertEquals("The lamp was lit by oil until 1950. [1] ", gate.accept("] Keepers"));
    assertEquals("Keepers rowed to the village. [2]", gate.accept(" rowed to the village. [2]") + gate.finish());
  }

  @Test
  void theGuardRemovesUnsupportedSentencesOrOnlyFlagsThem() {
    String answer = "The lighthouse was built in 1872 [1]. Pirates burned the harbour warehouses in the storm [2].";
    List<GuardDecision> log = new ArrayList<>();
    Guard remove = guard(GuardPolicy.Grounding.REMOVE, log);
    Guard.Grounded r = remove.ground("req", "t", answer, SOURCES);
    assertEquals("The lighthouse was built in 1872 [1].", r.text());
    assertEquals(1, r.unsupported().size());
    assertEquals("groundedness", log.get(0).check());
    assertEquals("remove", log.get(0).action());
    assertFalse(log.get(0).detail().contains("Pirates"), "the log never holds the text");

    Guard.Grounded f = guard(GuardPolicy.Grounding.FLAG, log).ground("req", "t", answer, SOURCES);
    assertEquals(answer, f.text());
    assertEquals(1, f.unsupported().size());
    assertEquals(answer, guard(GuardPolicy.Grounding.OFF, log).ground("req", "t", answer, SOURCES).text());
  }

  private static Guard guard(GuardPolicy.Grounding grounding, List<GuardDecision> log) {
    GuardPolicy p = new GuardPolicy("g-1", GuardPolicy.Action.BLOCK, 0.5, InjectionDetector.Vectors.NEVER, PiiMode.OFF,
        null, PiiMode.OFF, List.of(), GuardPolicy.JsonMode.BLOCK, GuardPolicy.Passages.DROP, grounding, 0.5);
    return new Guard(InjectionDetector.bundled(java.util.Optional.empty()), p, Map.of(), (id, d) -> log.add(d));
  }
}
