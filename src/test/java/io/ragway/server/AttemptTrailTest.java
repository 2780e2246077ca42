package io.ragway.server;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.ragway.llm.UpstreamException;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Test;

/** What followed each failed attempt, as the router's events on the request's thread tell it. */
class AttemptTrailTest {

  private final AttemptTrail trails = new AttemptTrail();

  private static UpstreamException status(int s) {
    return new UpstreamException("x", s, Duration.ZERO, "failed with " + s, null);
  }

  private static List<String> followed(List<AttemptTrail.Failed> failed) {
    return failed.stream().map(AttemptTrail.Failed::followedBy).toList();
  }

  @Test
  void retriesFallbacksAndTheAnswerSettleWhatFollowedEachFailure() {
    AttemptTrail.Trail t = trails.open();
    trails.failed("main", "main@a:1", status(503));
    trails.retrying("main");
    trails.failed("main", "main@b:1", status(502));
    trails.failed("big", "big@c:1", status(UpstreamException.TIMEOUT)); // the fallback's first call: no retrying event
    List<AttemptTrail.Failed> failed = t.finish(Optional.of("big"));
    assertEquals(List.of("retry", "fallback", "retry"), followed(failed));
    assertEquals(List.of(503, 502, UpstreamException.TIMEOUT), failed.stream().map(AttemptTrail.Failed::status).toList());
    assertTrue(failed.stream().allMatch(f -> !f.error().isEmpty()), failed.toString());
    trails.close();
  }

  @Test
  void aRequestThatWasNotAnsweredEndsWithNone() {
    AttemptTrail.Trail t = trails.open();
    trails.failed("main", "main@a:1", status(400));
    assertEquals(List.of("none"), followed(t.finish(Optional.empty())));
    trails.close();
  }

  @Test
  void anotherThreadsRequestHearsNothingOfThisOne() throws Exception {
    AttemptTrail.Trail mine = trails.open();
    Thread other = Thread.ofVirtual().start(() -> trails.failed("main", "main@a:1", status(503)));
    other.join();
    assertEquals(List.of(), mine.finish(Optional.of("main")));
    trails.close();
    trails.failed("main", "main@a:1", status(503)); // no request open: ignored
  }
}
