package io.ragway.replay;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.ragway.replay.ReplayDiff.ChunkDiff;
import io.ragway.replay.ReplayDiff.Move;
import io.ragway.replay.ReplayDiff.Ranked;
import io.ragway.replay.ReplayDiff.Side;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.Test;

class ReplayDiffTest {

  private static Ranked r(String id, int rank) {
    return new Ranked(id, 1.0 / rank, rank, "h-" + id);
  }

  private static Side side(List<Ranked> retrieved, List<String> cited, Optional<String> answer, String fingerprint,
      long generation) {
    return new Side("extractive", "", fingerprint.isEmpty() ? "" : "gpt-x", fingerprint, Optional.empty(), generation, "bge",
        "default-1", retrieved, Map.of("bm25", retrieved), cited, answer, List.of("groundedness=flag"),
        Map.of("search", 1.25, "generate", 3.0), 9);
  }

  @Test
  void chunksAddedDroppedAndMovedAreFoundBestFirst() {
    ChunkDiff d = ChunkDiff.of(List.of(r("a", 1), r("b", 2), r("c", 3)), List.of(r("c", 1), r("a", 2), r("d", 3)));

    assertEquals(List.of("d"), d.added().stream().map(Ranked::id).toList());
    assertEquals(List.of("b"), d.dropped().stream().map(Ranked::id).toList());
    assertEquals(List.of(new Move("c", 3, 1), new Move("a", 1, 2)), d.moved());
    assertEquals(2, d.kept());
    assertTrue(d.edited().isEmpty());
    assertFalse(d.unchanged());
  }

  @Test
  void theSameRankingIsUnchangedAndAChangedTextIsAnEdit() {
    assertTrue(ChunkDiff.of(List.of(r("a", 1), r("b", 2)), List.of(r("a", 1), r("b", 2))).unchanged());
    ChunkDiff edited = ChunkDiff.of(List.of(r("a", 1)), List.of(new Ranked("a", 1, 1, "other")));
    assertEquals(List.of("a"), edited.edited());
    assertFalse(edited.unchanged());
    assertTrue(ChunkDiff.of(List.of(new Ranked("a", 1, 1)), List.of(r("a", 1))).unchanged(), "an unknown hash is no edit");
  }

  @Test
  void answersAreComparedExactlyAndByTokenF1() {
    Side then = side(List.of(r("a", 1)), List.of("a"), Optional.of("Built in 1872 [1]."), "", 3);
    ReplayDiff same = ReplayDiff.compare("chatcmpl-1", "t", "recorded", then, then, List.of());
    assertEquals(Optional.of(true), same.sameAnswer());
    assertTrue(same.reproduced());

    Side now = side(List.of(r("b", 1), r("a", 2)), List.of("b"), Optional.of("Built in 1990 [1]."), "", 4);
    ReplayDiff changed = ReplayDiff.compare("chatcmpl-1", "t", "recorded", then, now, List.of());
    assertEquals(Optional.of(false), changed.sameAnswer());
    assertTrue(changed.tokenF1().orElseThrow() > 0.5 && changed.tokenF1().orElseThrow() < 1, "" + changed.tokenF1());
    assertEquals(List.of("b"), changed.citationsAdded());
    assertEquals(List.of("a"), changed.citationsDropped());
    assertEquals(List.of(new Move("a", 1, 2)), changed.steps().get("bm25").moved());
    assertFalse(changed.reproduced());
  }

  @Test
  void anAnswerNotKeptIsNotComparedAndSaysSo() {
    Side then = side(List.of(r("a", 1)), List.of("a"), Optional.empty(), "", 3);
    Side now = side(List.of(r("a", 1)), List.of("a"), Optional.of("x"), "", 3);
    ReplayDiff d = ReplayDiff.compare("chatcmpl-1", "t", "recorded", then, now, List.of());
    assertTrue(d.sameAnswer().isEmpty());
    assertTrue(d.tokenF1().isEmpty());
    assertTrue(d.notes().stream().anyMatch(n -> n.contains("not kept")), d.notes().toString());
    assertTrue(d.text().contains("answer: not compared"), d.text());
  }

  @Test
  void aChangedSystemFingerprintIsNoted() {
    Side then = side(List.of(), List.of(), Optional.of("a"), "fp_1", 3);
    Side now = side(List.of(), List.of(), Optional.of("a"), "fp_2", 3);
    ReplayDiff d = ReplayDiff.compare("chatcmpl-1", "t", "recorded", then, now, List.of());
    assertTrue(d.notes().stream().anyMatch(n -> n.contains("fp_1 -> fp_2")), d.notes().toString());
  }

  @Test
  void theJsonHasTheSameKeysWhateverChanged() {
    ObjectMapper json = new ObjectMapper();
    Side then = side(List.of(r("a", 1)), List.of("a"), Optional.of("x"), "", 3);
    Side empty = side(List.of(), List.of(), Optional.empty(), "", 3);
    JsonNode full = ReplayDiff.compare("chatcmpl-1", "t", "recorded", then, then, List.of()).toJson(json);
    JsonNode bare = ReplayDiff.compare("chatcmpl-1", "t", "current", empty, empty, List.of()).toJson(json);
    assertEquals(keys(full), keys(bare));
    assertEquals(List.of("object", "id", "tenant", "with", "reproduced", "answer", "retrieved", "steps", "citations",
        "guard", "latency_ms", "then", "now", "notes"), keys(full));
    assertEquals(1.25, full.at("/latency_ms/stages/search/then").asDouble(), 1e-9);
    assertTrue(full.at("/answer/identical").asBoolean());
    assertTrue(bare.at("/answer/identical").isNull());
  }

  private static List<String> keys(JsonNode n) {
    List<String> out = new ArrayList<>();
    n.fieldNames().forEachRemaining(out::add);
    return out;
  }
}
