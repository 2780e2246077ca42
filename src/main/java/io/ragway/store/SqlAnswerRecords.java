package io.ragway.store;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.ragway.config.JsonMappers;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Types;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.UnaryOperator;
import javax.sql.DataSource;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Answer records in {@code answer_records}, feedback in {@code feedback}.
 *
 * <p>A request only puts its record on a bounded queue; one writer thread takes what has queued and
 * writes it in one transaction, so the answer never waits for the database. Until its row is
 * written a record is also in {@code pending}, where {@link #find} and {@link #rate} look first:
 * feedback that arrives right after the answer (the web UI's thumbs) finds it and is stored at once;
 * the feedback table has no foreign key for that reason. A full queue drops the record (counted),
 * never the request. While the database is down, the writer retries the same batch every second.
 */
final class SqlAnswerRecords implements AnswerRecords {

  private static final Logger LOG = LoggerFactory.getLogger(SqlAnswerRecords.class);
  private static final int BATCH = 256;
  private static final String COLUMNS = "id, request_id, at, tenant, key_id, model, backend, upstream_model, "
      + "system_fingerprint, cache, stream, parameters_json, guard_policy, guard_json, rollout, retrieval_json, "
      + "index_generation, embedding_model, latency_ms, stages_json, question, answer";

  private final ObjectMapper json = JsonMappers.create();
  private final DataSource db;
  private final Config config;
  private final UnaryOperator<String> redact;
  private final Clock clock;
  private final BlockingQueue<Answer> queue;
  private final Map<String, Answer> pending = new ConcurrentHashMap<>();
  private final AtomicLong dropped = new AtomicLong();
  private final Object progress = new Object();
  private long queued; // guarded by progress
  private long written; // guarded by progress
  private volatile boolean closed;
  private final Thread writer;
  private final ScheduledExecutorService purger;

  private SqlAnswerRecords(DataSource db, Config config, UnaryOperator<String> redact, Clock clock, int capacity,
      Duration purgeEvery) {
    this.db = db;
    this.config = config;
    this.redact = redact;
    this.clock = clock;
    this.queue = new ArrayBlockingQueue<>(capacity);
    this.writer = Thread.ofPlatform().daemon().name("ragway-answer-records").unstarted(this::drain);
    this.purger = purgeEvery.isZero() ? null
        : Executors.newSingleThreadScheduledExecutor(Thread.ofVirtual().name("ragway-records-purge").factory());
    if (purger != null && config.retentionDays() > 0) {
      purger.scheduleWithFixedDelay(this::purgeQuietly, 0, purgeEvery.toMillis(), TimeUnit.MILLISECONDS);
    }
  }

  /** Starts the writer; {@code purgeEvery} zero purges only when asked. */
  static SqlAnswerRecords start(DataSource db, Config config, UnaryOperator<String> redact, Clock clock, int capacity,
      Duration purgeEvery) {
    SqlAnswerRecords r = new SqlAnswerRecords(db, config, redact, clock, capacity, purgeEvery);
    r.writer.start();
    return r;
  }

  @Override
  public void record(Answer answer) {
    if (closed) {
      return;
    }
    Answer kept = config.keepsContent(answer.tenant())
        ? answer.withContent(answer.question().map(redact), answer.answer().map(redact))
        : answer.withContent(Optional.empty(), Optional.empty());
    pending.put(kept.id(), kept);
    synchronized (progress) {
      if (!queue.offer(kept)) {
        pending.remove(kept.id());
        if (dropped.incrementAndGet() % 1000 == 1) {
          LOG.warn("answer records: the writer is behind, {} records dropped so far", dropped.get());
        }
        return;
      }
      queued++;
    }
  }

  private void drain() {
    List<Answer> batch = new ArrayList<>(BATCH);
    while (!closed || !queue.isEmpty()) {
      try {
        if (batch.isEmpty()) {
          Answer first = queue.poll(200, TimeUnit.MILLISECONDS);
          if (first == null) {
            continue;
          }
          batch.add(first);
          queue.drainTo(batch, BATCH - 1);
        }
        write(batch);
        batch.forEach(a -> pending.remove(a.id(), a));
        synchronized (progress) {
          written += batch.size();
          progress.notifyAll();
        }
        batch.clear();
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        return;
      } catch (DatabaseException e) {
        LOG.warn("answer records: {} (retrying)", e.getMessage());
        if (closed) {
          return; // pending records of a closing server are lost; the usage ledger still has the requests
        }
        try {
          Thread.sleep(1000); // the database is down: retry the same batch
        } catch (InterruptedException ie) {
          Thread.currentThread().interrupt();
          return;
        }
      }
    }
  }

  private void write(List<Answer> batch) {
    try (Connection c = db.getConnection()) {
      c.setAutoCommit(false);
      try (PreparedStatement s = c.prepareStatement("INSERT INTO answer_records (" + COLUMNS + ") VALUES "
          + "(?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT (id) DO NOTHING")) {
        for (Answer a : batch) {
          int i = 1;
          s.setString(i++, a.id());
          s.setString(i++, a.requestId());
          s.setString(i++, SqlTimes.format(a.at()));
          s.setString(i++, a.tenant());
          s.setString(i++, a.keyId());
          s.setString(i++, a.model());
          s.setString(i++, a.backend());
          s.setString(i++, a.upstreamModel());
          s.setString(i++, a.systemFingerprint());
          s.setString(i++, a.cache());
          s.setInt(i++, a.stream() ? 1 : 0);
          s.setString(i++, a.parameters());
          s.setString(i++, a.guardPolicy());
          s.setString(i++, a.guard());
          s.setString(i++, a.rollout());
          s.setString(i++, a.retrieval());
          s.setLong(i++, a.indexGeneration());
          s.setString(i++, a.embeddingModel());
          s.setLong(i++, a.latencyMs());
          s.setString(i++, a.stages());
          setText(s, i++, a.question());
          setText(s, i, a.answer());
          s.addBatch();
        }
        s.executeBatch();
        c.commit();
      } catch (SQLException | RuntimeException e) {
        Database.rollback(db, c, e);
        throw e;
      }
    } catch (SQLException e) {
      throw new DatabaseException("cannot write answer records: " + Database.why(e), e);
    }
  }

  private static void setText(PreparedStatement s, int i, Optional<String> text) throws SQLException {
    if (text.isPresent()) {
      s.setString(i, text.get());
    } else {
      s.setNull(i, Types.VARCHAR);
    }
  }

  @Override
  public Optional<Answer> find(String tenant, String id) {
    String aid = AnswerRecords.answerId(id);
    Answer queuedOne = pending.get(aid);
    if (queuedOne != null) {
      return queuedOne.tenant().equals(tenant) ? Optional.of(queuedOne) : Optional.empty();
    }
    try (Connection c = db.getConnection();
        PreparedStatement s = c.prepareStatement("SELECT " + COLUMNS + " FROM answer_records WHERE id = ? AND tenant = ?")) {
      s.setString(1, aid);
      s.setString(2, tenant);
      try (ResultSet r = s.executeQuery()) {
        return r.next() ? Optional.of(answer(r)) : Optional.empty();
      }
    } catch (SQLException e) {
      throw new DatabaseException("cannot read answer records: " + e.getMessage(), e);
    }
  }

  private static Answer answer(ResultSet r) throws SQLException {
    return new Answer(r.getString(1), r.getString(2), Instant.parse(r.getString(3)), r.getString(4), r.getString(5),
        r.getString(6), r.getString(7), r.getString(8), r.getString(9), r.getString(10), r.getInt(11) != 0, r.getString(12),
        r.getString(13), r.getString(14), r.getString(15), r.getString(16), r.getLong(17), r.getString(18), r.getLong(19),
        r.getString(20), Optional.ofNullable(r.getString(21)), Optional.ofNullable(r.getString(22)));
  }

  @Override
  public Optional<Feedback> rate(String tenant, String keyId, String id, Rating rating) {
    Optional<Answer> answer = find(tenant, id);
    if (answer.isEmpty()) {
      return Optional.empty();
    }
    Feedback f = new Feedback(UUID.randomUUID().toString(), answer.get().id(), clock.instant(), tenant, keyId,
        answer.get().model(), rating.rating(), rating.comment().map(redact), rating.correction().map(redact), rating.tags());
    try (Connection c = db.getConnection(); PreparedStatement s = c.prepareStatement("INSERT INTO feedback (id, answer_id, at, "
        + "tenant, key_id, model, rating, comment, correction, tags_json) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)")) {
      s.setString(1, f.id());
      s.setString(2, f.answerId());
      s.setString(3, SqlTimes.format(f.at()));
      s.setString(4, f.tenant());
      s.setString(5, f.keyId());
      s.setString(6, f.model());
      s.setString(7, f.rating());
      setText(s, 8, f.comment());
      setText(s, 9, f.correction());
      s.setString(10, json.writeValueAsString(f.tags()));
      s.executeUpdate();
      return Optional.of(f);
    } catch (SQLException e) {
      throw new DatabaseException("cannot store feedback: " + Database.why(e), e);
    } catch (JsonProcessingException e) {
      throw new IllegalStateException(e);
    }
  }

  @Override
  public List<Feedback> feedback(String tenant, String id) {
    List<Feedback> out = new ArrayList<>();
    try (Connection c = db.getConnection(); PreparedStatement s = c.prepareStatement("SELECT id, answer_id, at, tenant, "
        + "key_id, model, rating, comment, correction, tags_json FROM feedback WHERE answer_id = ? AND tenant = ? ORDER BY at, id")) {
      s.setString(1, AnswerRecords.answerId(id));
      s.setString(2, tenant);
      try (ResultSet r = s.executeQuery()) {
        while (r.next()) {
          out.add(feedback(r));
        }
      }
      return out;
    } catch (SQLException e) {
      throw new DatabaseException("cannot read feedback: " + e.getMessage(), e);
    } catch (JsonProcessingException e) {
      throw new DatabaseException("feedback with unreadable tags: " + e.getOriginalMessage(), e);
    }
  }

  @Override
  public List<Rated> rated(String tenant, Instant since) {
    List<Answer> answers = new ArrayList<>();
    // only rows with both texts: content kept without consent is never there, content purged is gone
    try (Connection c = db.getConnection(); PreparedStatement s = c.prepareStatement("SELECT " + COLUMNS
        + " FROM answer_records WHERE tenant = ? AND at >= ? AND question IS NOT NULL AND answer IS NOT NULL"
        + " AND id IN (SELECT answer_id FROM feedback WHERE tenant = ?) ORDER BY at, id")) {
      // IN, not a correlated EXISTS: SQLite would scan the tenant's feedback once per answer
      s.setString(1, tenant);
      s.setString(2, SqlTimes.format(since));
      s.setString(3, tenant);
      try (ResultSet r = s.executeQuery()) {
        while (r.next()) {
          answers.add(answer(r));
        }
      }
    } catch (SQLException e) {
      throw new DatabaseException("cannot read answer records: " + e.getMessage(), e);
    }
    // all their feedback in one query, not one per answer
    Map<String, List<Feedback>> byAnswer = new java.util.HashMap<>();
    try (Connection c = db.getConnection(); PreparedStatement s = c.prepareStatement("SELECT f.id, f.answer_id, f.at, "
        + "f.tenant, f.key_id, f.model, f.rating, f.comment, f.correction, f.tags_json FROM feedback f JOIN answer_records a "
        + "ON a.id = f.answer_id AND a.tenant = f.tenant WHERE a.tenant = ? AND a.at >= ? AND a.question IS NOT NULL "
        + "AND a.answer IS NOT NULL ORDER BY f.at, f.id")) {
      s.setString(1, tenant);
      s.setString(2, SqlTimes.format(since));
      try (ResultSet r = s.executeQuery()) {
        while (r.next()) {
          Feedback f = feedback(r);
          byAnswer.computeIfAbsent(f.answerId(), k -> new ArrayList<>()).add(f);
        }
      }
    } catch (SQLException e) {
      throw new DatabaseException("cannot read feedback: " + e.getMessage(), e);
    } catch (JsonProcessingException e) {
      throw new DatabaseException("feedback with unreadable tags: " + e.getOriginalMessage(), e);
    }
    List<Rated> out = new ArrayList<>(answers.size());
    for (Answer a : answers) {
      List<Feedback> f = byAnswer.getOrDefault(a.id(), List.of());
      if (!f.isEmpty()) {
        out.add(new Rated(a, f));
      }
    }
    return out;
  }

  @Override
  public List<String> ratedTenants() {
    List<String> out = new ArrayList<>();
    try (Connection c = db.getConnection(); PreparedStatement s = c.prepareStatement("SELECT DISTINCT f.tenant FROM feedback f "
        + "WHERE EXISTS (SELECT 1 FROM answer_records a WHERE a.id = f.answer_id AND a.tenant = f.tenant "
        + "AND a.question IS NOT NULL AND a.answer IS NOT NULL) ORDER BY f.tenant"); ResultSet r = s.executeQuery()) {
      while (r.next()) {
        out.add(r.getString(1));
      }
      return out;
    } catch (SQLException e) {
      throw new DatabaseException("cannot read answer records: " + e.getMessage(), e);
    }
  }

  private Feedback feedback(ResultSet r) throws SQLException, JsonProcessingException {
    List<String> tags = new ArrayList<>();
    for (JsonNode t : json.readTree(r.getString(10))) {
      tags.add(t.asText());
    }
    return new Feedback(r.getString(1), r.getString(2), Instant.parse(r.getString(3)), r.getString(4), r.getString(5),
        r.getString(6), r.getString(7), Optional.ofNullable(r.getString(8)), Optional.ofNullable(r.getString(9)), tags);
  }

  @Override
  public int purge() {
    if (config.retentionDays() == 0) {
      return 0;
    }
    Instant before = clock.instant().minus(Duration.ofDays(config.retentionDays()));
    try (Connection c = db.getConnection(); PreparedStatement s = c.prepareStatement("UPDATE answer_records SET question = "
        + "NULL, answer = NULL WHERE at < ? AND (question IS NOT NULL OR answer IS NOT NULL)")) {
      s.setString(1, SqlTimes.format(before));
      return s.executeUpdate();
    } catch (SQLException e) {
      throw new DatabaseException("cannot purge answer records: " + Database.why(e), e);
    }
  }

  private void purgeQuietly() {
    try {
      int n = purge();
      if (n > 0) {
        LOG.info("answer records: removed the content of {} records older than {} days", n, config.retentionDays());
      }
    } catch (RuntimeException e) {
      LOG.warn("answer records: purge failed: {}", e.getMessage());
    }
  }

  @Override
  public long dropped() {
    return dropped.get();
  }

  @Override
  public boolean awaitWritten(Duration timeout) throws InterruptedException {
    long deadline = System.nanoTime() + timeout.toNanos();
    synchronized (progress) {
      long target = queued;
      while (written < target) {
        long left = deadline - System.nanoTime();
        if (left <= 0) {
          return false;
        }
        TimeUnit.NANOSECONDS.timedWait(progress, left);
      }
      return true;
    }
  }

  @Override
  public void close() {
    closed = true;
    if (purger != null) {
      purger.shutdownNow();
    }
    try {
      writer.join(5_000); // what is queued is written first
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }
}
