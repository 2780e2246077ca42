package io.ragway.store;

import io.ragway.testkit.PostgresExtension;
import java.nio.file.Path;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/** The answer records contract on a real PostgreSQL (migration V7 there, ON CONFLICT, the purge). */
class PostgresAnswerRecordsIT extends AnswerRecordsContract {

  @RegisterExtension
  static final PostgresExtension PG = new PostgresExtension();

  @Override
  Database openDatabase(Path dir) throws Exception {
    return Database.open(PG.newDatabase(), "", "", 2, dir);
  }

  @Test
  void answerRecordsAndFeedbackAreCopiedFromSqlite(@org.junit.jupiter.api.io.TempDir Path other) throws Exception {
    try (Database sqlite = Database.open("", "", "", 2, other)) {
      try (AnswerRecords kept = AnswerRecords.sql(sqlite, new AnswerRecords.Config(true, Map.of("beta", false), 30), t -> t,
          Clock.systemUTC(), 10)) {
        for (String[] a : List.of(new String[] {"r1", "acme"}, new String[] {"r2", "beta"})) {
          kept.record(new AnswerRecords.Answer("chatcmpl-" + a[0], a[0], Instant.now(), a[1], "k", "rag", "extractive", "", "",
              "miss", true, "{}", "default-1", "[]", "", "{}", 7, "bge", 5, "{}", Optional.of("q"), Optional.of("a")));
        }
        kept.rate("acme", "k", "r1", new AnswerRecords.Rating("3", Optional.empty(), Optional.of("fix"), List.of("t")))
            .orElseThrow();
        assertTrue(kept.awaitWritten(Duration.ofSeconds(10)));
      }
      Map<String, Long> copied = sqlite.copyTo(db);
      assertEquals(2L, copied.get("answer_records"));
      assertEquals(1L, copied.get("feedback"));
    }
    try (AnswerRecords copy = AnswerRecords.sql(db, AnswerRecords.Config.defaults(), t -> t, Clock.systemUTC(), 10)) {
      AnswerRecords.Answer r1 = copy.find("acme", "r1").orElseThrow();
      assertEquals(7, r1.indexGeneration());
      assertTrue(r1.stream());
      assertEquals(Optional.of("q"), r1.question());
      assertEquals(Optional.empty(), copy.find("beta", "r2").orElseThrow().question(), "a NULL stays NULL");
      assertEquals(Optional.of("fix"), copy.feedback("acme", "r1").get(0).correction());
    }
  }
}
