package io.ragway.store;

import io.ragway.testkit.FakeClock;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Proxy;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.ResultSet;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import javax.sql.DataSource;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * What every records database must do for answer records and feedback: tenant scoping, content and
 * its purge, feedback racing the writer, a full queue.
 */
abstract class AnswerRecordsContract {

  @TempDir Path dir;
  Database db;
  private final FakeClock clock = new FakeClock(Instant.parse("2026-12-01T10:00:00Z"));
  private AnswerRecords records;

  /** A migrated, empty records database. */
  abstract Database openDatabase(Path dir) throws Exception;

  @BeforeEach
  void open() throws Exception {
    db = openDatabase(dir);
  }

  @AfterEach
  void close() {
    if (records != null) {
      records.close();
    }
    db.close();
  }

  private AnswerRecords start(AnswerRecords.Config config, DataSource source) {
    records = SqlAnswerRecords.start(source, config, text -> text.replace("ann@example.com", "[EMAIL_ADDRESS]"), clock, 100,
        Duration.ZERO);
    return records;
  }

  private AnswerRecords.Answer answer(String requestId, String tenant, Instant at) {
    return new AnswerRecords.Answer(AnswerRecords.ID_PREFIX + requestId, requestId, at, tenant, "k1", "rag", "extractive", "",
        "", "miss", false, "{\"temperature\":0}", "default-1", "[]", "", "{\"mode\":\"hybrid\",\"k\":5,\"chunks\":[]}", 3,
        "bge", 12, "{}", Optional.of("mail ann@example.com please"), Optional.of("The lighthouse [1]."));
  }

  private static AnswerRecords.Rating up() {
    return new AnswerRecords.Rating("up", Optional.empty(), Optional.empty(), List.of());
  }

  @Test
  void anAnswerIsFoundByItsIdOrRequestIdOnlyByItsOwnTenant() throws Exception {
    start(AnswerRecords.Config.defaults(), db.dataSource());
    records.record(answer("r1", "acme", clock.instant()));
    assertTrue(records.awaitWritten(Duration.ofSeconds(10)));
    assertEquals("rag", records.find("acme", "chatcmpl-r1").orElseThrow().model());
    assertEquals(3, records.find("acme", "r1").orElseThrow().indexGeneration());
    assertTrue(records.find("beta", "chatcmpl-r1").isEmpty(), "another tenant's answer is not found");
    assertTrue(records.rate("beta", "kb", "chatcmpl-r1", up()).isEmpty(), "nor can it be rated");
    assertTrue(records.feedback("beta", "chatcmpl-r1").isEmpty());
    assertTrue(records.find("acme", "chatcmpl-nope").isEmpty());
  }

  @Test
  void ratedAnswersAreOnlyTheTenantsOwnWithKeptContentAndFeedback() throws Exception {
    start(new AnswerRecords.Config(true, Map.of("quiet", false), 0), db.dataSource());
    Instant t0 = clock.instant();
    records.record(answer("old", "acme", t0.minus(Duration.ofDays(10))));
    records.record(answer("a1", "acme", t0));
    records.record(answer("a2", "acme", t0.plusSeconds(1))); // never rated
    records.record(answer("b1", "beta", t0));
    records.record(answer("q1", "quiet", t0)); // content not kept
    assertTrue(records.awaitWritten(Duration.ofSeconds(10)));
    for (String[] r : new String[][] {{"acme", "old"}, {"acme", "a1"}, {"beta", "b1"}, {"quiet", "q1"}}) {
      records.rate(r[0], "k1", r[1], up()).orElseThrow();
    }
    clock.advance(Duration.ofSeconds(1)); // the correction comes after the thumbs up
    records.rate("acme", "k1", "a1", new AnswerRecords.Rating("down", Optional.empty(), Optional.of("Fixed."), List.of()))
        .orElseThrow();
    List<AnswerRecords.Rated> acme = records.rated("acme", t0.minus(Duration.ofDays(1)));
    assertEquals(List.of("chatcmpl-a1"), acme.stream().map(r -> r.answer().id()).toList());
    assertEquals(List.of("up", "down"), acme.getFirst().feedback().stream().map(AnswerRecords.Feedback::rating).toList());
    assertEquals(2, records.rated("acme", Instant.EPOCH).size(), "the older one too without a time limit");
    assertTrue(records.rated("quiet", Instant.EPOCH).isEmpty(), "content kept without consent is never exported");
    assertEquals(List.of("chatcmpl-b1"), records.rated("beta", Instant.EPOCH).stream().map(r -> r.answer().id()).toList());
    assertEquals(List.of("acme", "beta"), records.ratedTenants());
  }

  @Test
  void everyRatingIsKeptInOrderWithItsTextRedacted() throws Exception {
    start(AnswerRecords.Config.defaults(), db.dataSource());
    records.record(answer("r1", "acme", clock.instant()));
    records.rate("acme", "k1", "r1", up()).orElseThrow();
    clock.advance(Duration.ofSeconds(1));
    records.rate("acme", "k2", "chatcmpl-r1", new AnswerRecords.Rating("2", Optional.of("write to ann@example.com"),
        Optional.of("It was built in 1872."), List.of("outdated", "wrong-date"))).orElseThrow();
    List<AnswerRecords.Feedback> all = records.feedback("acme", "r1");
    assertEquals(List.of("up", "2"), all.stream().map(AnswerRecords.Feedback::rating).toList());
    assertEquals(Optional.of("write to [EMAIL_ADDRESS]"), all.get(1).comment());
    assertEquals(Optional.of("It was built in 1872."), all.get(1).correction());
    assertEquals(List.of("outdated", "wrong-date"), all.get(1).tags());
    assertEquals("rag", all.get(1).model());
  }

  @Test
  void contentIsKeptRedactedOnlyForTenantsThatKeepIt() throws Exception {
    start(new AnswerRecords.Config(false, Map.of("acme", true), 30), db.dataSource());
    records.record(answer("r1", "acme", clock.instant()));
    records.record(answer("r2", "beta", clock.instant()));
    assertTrue(records.awaitWritten(Duration.ofSeconds(10)));
    AnswerRecords.Answer kept = records.find("acme", "r1").orElseThrow();
    assertEquals(Optional.of("mail [EMAIL_ADDRESS] please"), kept.question());
    assertEquals(Optional.of("The lighthouse [1]."), kept.answer());
    AnswerRecords.Answer bare = records.find("beta", "r2").orElseThrow();
    assertEquals(Optional.empty(), bare.question());
    assertEquals(Optional.empty(), bare.answer());
    assertFalse(contentInDatabase("chatcmpl-r2"));
  }

  @Test
  void contentOlderThanTheRetentionIsPurgedAndTheRestKept() throws Exception {
    start(new AnswerRecords.Config(true, Map.of(), 30), db.dataSource());
    records.record(answer("old", "acme", clock.instant()));
    clock.advance(Duration.ofDays(20));
    records.record(answer("new", "acme", clock.instant()));
    assertTrue(records.awaitWritten(Duration.ofSeconds(10)));
    assertEquals(0, records.purge(), "nothing is 30 days old yet");
    clock.advance(Duration.ofDays(11));
    assertEquals(1, records.purge());
    assertFalse(contentInDatabase("chatcmpl-old"));
    assertTrue(contentInDatabase("chatcmpl-new"));
    assertEquals("extractive", records.find("acme", "old").orElseThrow().backend(), "the record itself stays");
    assertEquals(0, records.purge(), "purging again changes nothing");
  }

  @Test
  void feedbackOnAnAnswerStillBeingWrittenIsStoredAndNothingIsLost() throws Exception {
    CountDownLatch writerHeld = new CountDownLatch(1);
    CountDownLatch release = new CountDownLatch(1);
    AtomicBoolean first = new AtomicBoolean(true);
    DataSource real = db.dataSource();
    // the writer's first connection waits until the test lets it go: the answer is queued, not written
    DataSource held = (DataSource) Proxy.newProxyInstance(getClass().getClassLoader(), new Class<?>[] {DataSource.class},
        (proxy, method, args) -> {
          if (method.getName().equals("getConnection") && first.compareAndSet(true, false)) {
            writerHeld.countDown();
            release.await(10, TimeUnit.SECONDS);
          }
          try {
            return method.invoke(real, args);
          } catch (InvocationTargetException e) {
            throw e.getCause();
          }
        });
    start(AnswerRecords.Config.defaults(), held);
    records.record(answer("r1", "acme", clock.instant()));
    assertTrue(writerHeld.await(10, TimeUnit.SECONDS));
    assertFalse(rowExists("answer_records", "chatcmpl-r1"));
    assertTrue(records.find("beta", "r1").isEmpty(), "a queued answer is scoped to its tenant too");
    AnswerRecords.Feedback f = records.rate("acme", "k1", "r1", up()).orElseThrow();
    release.countDown();
    assertTrue(records.awaitWritten(Duration.ofSeconds(10)));
    assertTrue(rowExists("answer_records", "chatcmpl-r1"));
    assertEquals(List.of(f.id()), records.feedback("acme", "r1").stream().map(AnswerRecords.Feedback::id).toList());
  }

  @Test
  void aFullQueueDropsRecordsWithoutBlocking() throws Exception {
    CountDownLatch release = new CountDownLatch(1);
    DataSource real = db.dataSource();
    DataSource stuck = (DataSource) Proxy.newProxyInstance(getClass().getClassLoader(), new Class<?>[] {DataSource.class},
        (proxy, method, args) -> {
          if (method.getName().equals("getConnection")) {
            release.await(10, TimeUnit.SECONDS);
          }
          return method.invoke(real, args);
        });
    records = SqlAnswerRecords.start(stuck, AnswerRecords.Config.defaults(), t -> t, clock, 2, Duration.ZERO);
    for (int i = 0; i < 10; i++) {
      records.record(answer("r" + i, "acme", clock.instant()));
    }
    assertTrue(records.dropped() >= 5, "dropped " + records.dropped()); // the writer holds one batch, the queue two
    release.countDown();
    assertTrue(records.awaitWritten(Duration.ofSeconds(10)));
  }

  private boolean contentInDatabase(String id) throws Exception {
    try (Connection c = db.dataSource().getConnection(); var s = c.prepareStatement(
        "SELECT question, answer FROM answer_records WHERE id = ?")) {
      s.setString(1, id);
      try (ResultSet r = s.executeQuery()) {
        assertTrue(r.next(), id);
        return r.getString(1) != null || r.getString(2) != null;
      }
    }
  }

  private boolean rowExists(String table, String id) throws Exception {
    try (Connection c = db.dataSource().getConnection(); var s = c.prepareStatement("SELECT 1 FROM " + table + " WHERE id = ?")) {
      s.setString(1, id);
      try (ResultSet r = s.executeQuery()) {
        return r.next();
      }
    }
  }
}
