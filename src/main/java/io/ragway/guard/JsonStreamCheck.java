package io.ragway.guard;

import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeMap;

/**
 * The JSON check of a streamed answer under its tenant's policy, one {@link JsonOutputCheck.Stream}
 * per choice. A violation the policy blocks throws as soon as it shows; one it flags is logged
 * once and the stream goes on.
 */
public final class JsonStreamCheck {

  private final Guard guard;
  private final String requestId;
  private final String tenant;
  private final JsonOutputCheck check;
  private final Map<Integer, JsonOutputCheck.Stream> choices = new TreeMap<>();
  private final List<GuardDecision> flags = new ArrayList<>();
  private final Set<Integer> judged = new HashSet<>();

  JsonStreamCheck(Guard guard, String requestId, String tenant, JsonOutputCheck check) {
    this.guard = guard;
    this.requestId = requestId;
    this.tenant = tenant;
    this.check = check;
  }

  /**
   * Takes the next piece of a choice's content.
   *
   * @throws InvalidJsonOutput when the choice so far cannot be the JSON asked for and the policy blocks
   */
  public void accept(int choice, String piece) {
    judge(choice, choices.computeIfAbsent(choice, c -> check.stream()).accept(piece));
  }

  /**
   * Judges every choice as a whole (choice 0 when no content came at all), at the end of the stream.
   *
   * @throws InvalidJsonOutput when one is not the JSON asked for and the policy blocks
   */
  public void finish() {
    if (choices.isEmpty()) {
      choices.put(0, check.stream());
    }
    choices.forEach((choice, s) -> judge(choice, s.finish()));
  }

  /** What the policy flagged so far. */
  public List<GuardDecision> flags() {
    return List.copyOf(flags);
  }

  private void judge(int choice, Optional<JsonOutputCheck.Violation> found) {
    if (found.isPresent() && judged.add(choice)) { // a violation stays; it is logged once
      flags.add(guard.rejectJson(requestId, tenant, found.get()));
    }
  }
}
