package io.ragway.store;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;
import io.ragway.config.JsonLine;
import io.ragway.config.JsonMappers;
import java.io.IOException;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.SQLException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicLong;
import javax.sql.DataSource;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The ledger as a journal in the data directory drained into the records database by a
 * background thread: a request waits only for the journal's group fsync (or, with
 * {@link LedgerSync#os}, its write), never for the database. Events are inserted with their event id as the key and duplicates ignored, so the
 * journal replayed at start (from its checkpoint) or retried after a database error adds
 * nothing twice. While the database is down the journal grows, up to {@code maxBacklogBytes};
 * past that, {@link #record} refuses.
 */
final class JournaledLedger implements Ledger {

  private static final Logger LOG = LoggerFactory.getLogger(JournaledLedger.class);
  private static final int BATCH = 5000;
  private static final long DRAIN_PAUSE_MS = 200;

  private final ObjectMapper json = JsonMappers.create();
  private final Journal journal;
  private final DataSource db;
  private final long maxBacklogBytes;
  private final Thread drainer;
  private final AtomicLong written = new AtomicLong();
  private volatile long backlog;
  /* where the database has the journal up to: read from the checkpoint file once, then kept here by the drainer, its only writer */
  private volatile Journal.Position drained;
  private volatile boolean databaseOk = true;
  private volatile String lastError = "";
  private volatile boolean closed;
  private volatile java.util.function.Consumer<List<UsageEvent>> onDrained = events -> { };

  private JournaledLedger(Journal journal, DataSource db, long maxBacklogBytes) throws IOException {
    this.journal = journal;
    this.db = db;
    this.maxBacklogBytes = maxBacklogBytes;
    this.drained = journal.checkpoint();
    this.backlog = journal.backlog(drained);
    this.drainer = Thread.ofPlatform().daemon().name("ragway-ledger-drain").start(this::drainLoop);
  }

  /** Opens the journal in {@code dir} and starts draining it (replaying what an earlier run left); null if another process has it. */
  static JournaledLedger open(Path dir, DataSource db, long maxBacklogBytes) {
    return open(dir, db, maxBacklogBytes, LedgerSync.fsync());
  }

  /** As {@link #open(Path, DataSource, long)}, answering events as {@code sync} says. */
  static JournaledLedger open(Path dir, DataSource db, long maxBacklogBytes, LedgerSync sync) {
    Journal j = Journal.open(dir, sync.mode(), sync.delay());
    if (j == null) {
      return null;
    }
    try {
      return new JournaledLedger(j, db, maxBacklogBytes);
    } catch (IOException e) {
      j.close();
      throw new DatabaseException("cannot read the usage journal in " + dir + ": " + e.getMessage(), e);
    }
  }

  /** Hears of each batch of events once the database has it; called on the drain thread. */
  void onDrained(java.util.function.Consumer<List<UsageEvent>> listener) {
    this.onDrained = listener;
  }

  @Override
  public void ensureCapacity() {
    if (backlog >= maxBacklogBytes) {
      throw new LedgerFull("the usage journal holds " + backlog + " bytes the records database has not taken (its "
          + "bound is " + maxBacklogBytes + "): " + lastError);
    }
  }

  @Override
  public void record(UsageEvent e) {
    ensureCapacity();
    journal.append(line(e));
  }

  /*
   * Written field by field (JsonLine), not through a JSON generator: this runs on every request,
   * and setting up a generator and formatting the time with java.time's formatter took most of the
   * ledger's time on the request path.
   */
  static byte[] line(UsageEvent e) {
    return new JsonLine().text("event_id", e.eventId()).text("request_id", e.requestId()).text("at", SqlTimes.format(e.at()))
        .text("key_id", e.keyId()).text("tenant", e.tenant()).text("model", e.model()).text("backend", e.backend())
        .number("prompt_tokens", e.promptTokens()).number("completion_tokens", e.completionTokens())
        .number("cost_usd", Double.isFinite(e.costUsd()) ? e.costUsd() : 0).text("cache", e.cache()).bool("stream", e.stream())
        .number("status", e.status()).number("latency_ms", e.latencyMs()).number("attempts", e.attempts())
        .number("cached_tokens", e.cachedTokens()).text("kind", e.kind()).text("error", e.error())
        .text("followed_by", e.followedBy()).end("");
  }

  /*
   * A journal line back into its event, field by field (the drain thread reads every event this
   * way, so no tree and no map); lines of an earlier ragway lack the fields added since, and read
   * as answered requests.
   */
  static UsageEvent parse(byte[] line, ObjectMapper json) throws IOException {
    String eventId = null;
    String at = null;
    String requestId = "";
    String keyId = "";
    String tenant = "";
    String model = "";
    String backend = "";
    String cache = "";
    String kind = UsageEvent.REQUEST;
    String error = "";
    String followedBy = "";
    long promptTokens = 0;
    long completionTokens = 0;
    long latencyMs = 0;
    long cachedTokens = 0;
    double cost = 0;
    int status = 0;
    int attempts = 0;
    boolean stream = false;
    try (JsonParser p = json.getFactory().createParser(line)) {
      if (p.nextToken() != JsonToken.START_OBJECT) {
        throw new IOException("not a JSON object");
      }
      while (p.nextToken() == JsonToken.FIELD_NAME) {
        String name = p.currentName();
        JsonToken t = p.nextToken();
        if (t == JsonToken.START_OBJECT || t == JsonToken.START_ARRAY) {
          p.skipChildren(); // a field of a later version
          continue;
        }
        switch (name) {
          case "event_id" -> eventId = p.getValueAsString();
          case "request_id" -> requestId = p.getValueAsString("");
          case "at" -> at = p.getValueAsString();
          case "key_id" -> keyId = p.getValueAsString("");
          case "tenant" -> tenant = p.getValueAsString("");
          case "model" -> model = p.getValueAsString("");
          case "backend" -> backend = p.getValueAsString("");
          case "prompt_tokens" -> promptTokens = p.getValueAsLong();
          case "completion_tokens" -> completionTokens = p.getValueAsLong();
          case "cost_usd" -> cost = p.getValueAsDouble();
          case "cache" -> cache = p.getValueAsString("");
          case "stream" -> stream = p.getValueAsBoolean();
          case "status" -> status = p.getValueAsInt();
          case "latency_ms" -> latencyMs = p.getValueAsLong();
          case "attempts" -> attempts = p.getValueAsInt();
          case "cached_tokens" -> cachedTokens = p.getValueAsLong();
          case "kind" -> kind = p.getValueAsString(UsageEvent.REQUEST);
          case "error" -> error = p.getValueAsString("");
          case "followed_by" -> followedBy = p.getValueAsString("");
          default -> { } // a field of a later version
        }
      }
    }
    if (eventId == null || at == null) {
      throw new IOException("no event_id or at");
    }
    return new UsageEvent(eventId, requestId, SqlTimes.parse(at), keyId, tenant, model, backend, promptTokens,
        completionTokens, cost, cache, stream, status, latencyMs, attempts, cachedTokens, kind, error, followedBy);
  }

  private void drainLoop() {
    long failures = 0;
    while (!closed) {
      try {
        Journal.Position from = drained;
        Journal.Batch batch = journal.read(from, BATCH);
        if (batch.lines().isEmpty()) {
          if (!batch.end().equals(from)) {
            journal.checkpoint(batch.end()); // past a torn line or an empty old segment
            drained = batch.end();
          }
          backlog = journal.backlog(batch.end());
          journal.awaitAppend(100);
          continue;
        }
        List<UsageEvent> events = new ArrayList<>();
        for (byte[] line : batch.lines()) {
          try {
            events.add(parse(line, json));
          } catch (IOException | RuntimeException e) {
            LOG.error("skipping an unreadable usage journal line: {}", e.getMessage());
          }
        }
        insert(events);
        onDrained.accept(events);
        journal.checkpoint(batch.end());
        drained = batch.end();
        written.addAndGet(events.size());
        backlog = journal.backlog(batch.end());
        databaseOk = true;
        lastError = "";
        failures = 0;
        if (events.size() < BATCH) {
          Thread.sleep(DRAIN_PAUSE_MS); // let a larger batch gather: one database commit for many events
        }
      } catch (SQLException | DatabaseException e) {
        databaseOk = false;
        lastError = e.getMessage();
        failures++;
        if (failures == 1 || failures % 100 == 0) {
          LOG.warn("the records database does not take usage events ({}); they wait in the journal", e.getMessage());
        }
        try {
          backlog = journal.backlog(drained);
          Thread.sleep(Math.min(5_000, 100L << Math.min(failures, 6)));
        } catch (InterruptedException | IOException ie) {
          return;
        }
      } catch (IOException e) {
        lastError = "journal: " + e.getMessage();
        LOG.error("cannot read the usage journal: {}", e.getMessage());
        try {
          Thread.sleep(1_000);
        } catch (InterruptedException ie) {
          return;
        }
      } catch (InterruptedException e) {
        return;
      }
    }
  }

  private void insert(List<UsageEvent> events) throws SQLException {
    try (Connection c = db.getConnection()) {
      c.setAutoCommit(false);
      try (PreparedStatement s = c.prepareStatement("INSERT INTO usage_events (event_id, request_id, at, key_id, tenant, "
          + "model, backend, prompt_tokens, completion_tokens, cost_usd, cache, stream, status, latency_ms, attempts, "
          + "cached_tokens, kind, error, followed_by) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT (event_id) DO NOTHING")) {
        for (UsageEvent e : events) {
          s.setString(1, e.eventId());
          s.setString(2, e.requestId());
          s.setString(3, SqlTimes.format(e.at()));
          s.setString(4, e.keyId());
          s.setString(5, e.tenant());
          s.setString(6, e.model());
          s.setString(7, e.backend());
          s.setLong(8, e.promptTokens());
          s.setLong(9, e.completionTokens());
          s.setDouble(10, e.costUsd());
          s.setString(11, e.cache());
          s.setInt(12, e.stream() ? 1 : 0);
          s.setInt(13, e.status());
          s.setLong(14, e.latencyMs());
          s.setInt(15, e.attempts());
          s.setLong(16, e.cachedTokens());
          s.setString(17, e.kind());
          s.setString(18, e.error());
          s.setString(19, e.followedBy());
          s.addBatch();
        }
        s.executeBatch();
        c.commit();
      } catch (SQLException | RuntimeException e) {
        Database.rollback(db, c, e);
        throw e;
      }
    }
  }

  @Override
  public Status status() {
    return new Status(backlog, databaseOk, lastError, written.get(), journal.fsyncFailures());
  }

  @Override
  public boolean awaitDrained(Duration timeout) throws InterruptedException {
    long deadline = System.nanoTime() + timeout.toNanos();
    while (System.nanoTime() < deadline) {
      try {
        if (journal.backlog(drained) == 0) {
          return true;
        }
      } catch (IOException e) {
        return false;
      }
      Thread.sleep(10);
    }
    return false;
  }

  @Override
  public void close() {
    try {
      awaitDrained(Duration.ofSeconds(2)); // what is left is replayed at the next start
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
    closed = true;
    drainer.interrupt();
    try {
      drainer.join(5_000);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
    journal.close();
  }
}
