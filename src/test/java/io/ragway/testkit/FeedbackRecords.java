package io.ragway.testkit;

import io.ragway.store.AnswerRecords;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Optional;

/** Rated answer records of three tenants, for the feedback export tests. */
public final class FeedbackRecords {

  private FeedbackRecords() {}

  public static AnswerRecords.Answer answer(String id, String tenant, Instant at, String question, String answer) {
    return new AnswerRecords.Answer(AnswerRecords.ID_PREFIX + id, id, at, tenant, "k1", "rag", "extractive", "", "",
        "miss", false, "{}", "default-1", "[]", "", "{}", 1, "bge", 5, "{}", Optional.of(question), Optional.of(answer));
  }

  public static AnswerRecords.Rating rating(String r, String correction) {
    return new AnswerRecords.Rating(r, Optional.empty(), Optional.ofNullable(correction), List.of());
  }

  /**
   * acme: a corrected answer (down, then a correction), a well-rated one, a 3 without correction,
   * a well-rated blank answer, a corrected 2; globex: one corrected answer; quiet: content not kept.
   */
  public static void fill(AnswerRecords records, Instant t0) throws InterruptedException {
    records.record(answer("a1", "acme", t0, "When was the lighthouse built?", "It was built in 1870."));
    records.record(answer("a2", "acme", t0.plusSeconds(1), "Where is the lighthouse? Ask ann@example.com.", "On the north cape."));
    records.record(answer("a3", "acme", t0.plusSeconds(2), "How tall is the lighthouse?", "About 30 m."));
    records.record(answer("a4", "acme", t0.plusSeconds(3), "Who keeps the lighthouse?", " "));
    records.record(answer("a5", "acme", t0.plusSeconds(4), "What colour is the lighthouse?", "Red."));
    records.record(answer("g1", "globex", t0, "What is the globex secret?", "The globex secret is blue."));
    records.record(answer("q1", "quiet", t0, "A private question", "A private answer"));
    if (!records.awaitWritten(Duration.ofSeconds(10))) {
      throw new IllegalStateException("records not written");
    }
    records.rate("acme", "k1", "a1", rating("down", null));
    records.rate("acme", "k1", "a1", rating("down", "It was built in 1872."));
    records.rate("acme", "k1", "a2", rating("up", null));
    records.rate("acme", "k1", "a3", rating("3", null));
    records.rate("acme", "k1", "a4", rating("5", null));
    records.rate("acme", "k1", "a5", rating("2", "Red and white."));
    records.rate("globex", "k9", "g1", rating("down", "The globex secret is green."));
    records.rate("quiet", "k1", "q1", rating("down", "A private correction"));
  }
  
}
