package io.ragway.rollout;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.ragway.chat.RagPipeline;
import io.ragway.retrieve.SearchMode;
import java.util.Optional;

/**
 * One request's arm and how it went. The request path reads what to answer with ({@link #model()},
 * {@link #pipeline()}, {@link #mode()}, {@link #k()}), reports what it learns while answering, and
 * {@link #settle settles} the ticket once the response is sent; then the outcome counts.
 */
public final class Ticket {

  /** Where a settled ticket goes. */
  interface Sink {
    void settled(Ticket ticket, int status);
  }

  private static final Sink NOWHERE = (t, s) -> {};

  final String asked;
  final String rollout; // null when no rollout applies
  final String arm; // stable or candidate, or null
  final long startNanos;
  final String requestId;
  private final String model;
  private final Optional<RagPipeline> pipeline;
  private final Optional<SearchMode> mode;
  private final Optional<Integer> k;
  private final Sink sink;
  volatile io.ragway.index.Filter filter = io.ragway.index.Filter.all(); // what a shadow answer may read
  volatile String prompt = ""; // the arm's prompt version, empty: the configured one
  volatile boolean guardHit;
  volatile boolean abstained;
  volatile boolean endedEarly;
  volatile ObjectNode request; // the request as answered: for a shadow copy and for drift
  volatile String answer; // stable's text, for the shadow comparison
  private boolean settled;

  Ticket(String asked, String rollout, String arm, String model, Optional<RagPipeline> pipeline,
      Optional<SearchMode> mode, Optional<Integer> k, String requestId, long startNanos, Sink sink) {
    this.asked = asked;
    this.rollout = rollout;
    this.arm = arm;
    this.model = model;
    this.pipeline = pipeline;
    this.mode = mode;
    this.k = k;
    this.requestId = requestId;
    this.startNanos = startNanos;
    this.sink = sink;
  }

  /** A ticket that changes nothing and records nothing. */
  static Ticket unrouted(String model) {
    return new Ticket(model, null, null, model, Optional.empty(), Optional.empty(), Optional.empty(), "", 0, NOWHERE);
  }

  /** The model to answer with: the one asked for, or the arm's upstream model. */
  public String model() {
    return model;
  }

  /** For {@code rag}: the arm's own pipeline (generator and prompt), when it has one. */
  public Optional<RagPipeline> pipeline() {
    return pipeline;
  }

  /** For {@code rag}: the arm's search mode, when it sets one. */
  public Optional<SearchMode> mode() {
    return mode;
  }

  /** For {@code rag}: the arm's search depth, when it sets one. */
  public Optional<Integer> k() {
    return k;
  }

  /** The rollout arm's prompt version, when it names one. */
  public Optional<String> promptVersion() {
    return prompt.isEmpty() ? Optional.empty() : Optional.of(prompt);
  }

  /** The arm that answered ({@code stable} or {@code candidate}): empty outside a rollout. */
  public Optional<String> arm() {
    return Optional.ofNullable(arm);
  }

  /** Whether the answer abstained, as the path reported it. */
  public boolean didAbstain() {
    return abstained;
  }

  /** What keeps the arms' answers apart in the response caches: empty outside a rollout. */
  public String cacheScope() {
    return rollout == null ? "" : "rollout:" + rollout + ":" + arm;
  }

  /** The rollout and arm, for the {@code x-ragway-rollout} header: empty outside a rollout. */
  public Optional<String> label() {
    return rollout == null ? Optional.empty() : Optional.of(rollout + "/" + arm);
  }

  /** The answer abstained (said the documents do not say). */
  public void abstained(boolean abstained) {
    this.abstained = abstained;
  }

  /** The answer given (for a shadow comparison) to the request as it was answered (guarded, with its history). */
  public void answered(ObjectNode request, JsonNode message) {
    this.request = request;
    this.answer = message == null ? "" : message.path("content").asText("");
  }

  /** A stream ended with an error event after its first byte (status 200, but failed). */
  public void endedEarly() {
    this.endedEarly = true;
  }

  /** The response is sent with {@code status}: its outcome counts (once). */
  public void settle(int status) {
    synchronized (this) {
      if (settled) {
        return;
      }
      settled = true;
    }
    sink.settled(this, status);
  }
}
