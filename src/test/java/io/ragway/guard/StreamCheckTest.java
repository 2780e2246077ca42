package io.ragway.guard;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.Test;

class StreamCheckTest {

  private static final Guard GUARD = new Guard(InjectionDetector.bundled(Optional.empty()), new GuardPolicy("t-1",
      GuardPolicy.Action.BLOCK, 0.5, InjectionDetector.Vectors.NEVER, PiiMode.OFF, PiiType.patterns(),
      PiiMode.OFF, List.of("copper still"), GuardPolicy.JsonMode.BLOCK, GuardPolicy.Passages.DROP, GuardPolicy.Grounding.OFF, 0.5), Map.of(),
      Guard.DecisionLog.none());

  private static String stream(String... pieces) {
    StreamCheck check = GUARD.streamCheck("r", "default", new Pseudonyms());
    StringBuilder out = new StringBuilder();
    for (String p : pieces) {
      out.append(check.accept(p));
    }
    return out.append(check.finish()).toString();
  }

  @Test
  void stopsATermThatArrivesAcrossPiecesLongAfterTheStart() {
    String filler = "word ".repeat(40);
    assertThrows(GuardBlocked.class, () -> stream(filler, "then a cop", "per ", "still", " and ", filler, filler));
  }

  @Test
  void aTermInsideALongerWordIsNotDenied() {
    String filler = "word ".repeat(40);
    String text = filler + "the scopper stills " + filler;
    assertEquals(text, stream(filler, "the scop", "per still", "s ", filler));
  }
}
