package io.ragway.store;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.function.UnaryOperator;

/**
 * What reproduces and explains each answer, and the feedback on it (docs/feedback.md). Answers are
 * recorded off the request path; an answer just sent is already found by {@link #find}, so feedback
 * on it can be given at once. Everything is scoped to a tenant: another tenant's answer is not found.
 */
public interface AnswerRecords extends AutoCloseable {

  /** How an answer id is written: {@code chatcmpl-} and the request id. */
  String ID_PREFIX = "chatcmpl-";

  /**
   * What is kept.
   *
   * @param content whether the question and the answer are kept (PII redacted), for tenants not in {@code tenants}
   * @param tenants tenants whose {@code content} differs from the default
   * @param retentionDays after how many days kept content is removed (the rest of the record stays); 0 = never
   */
  record Config(boolean content, Map<String, Boolean> tenants, int retentionDays) {
    public Config {
      tenants = Map.copyOf(tenants);
      if (retentionDays < 0) {
        throw new IllegalArgumentException("records.retention_days must be >= 0 (0 keeps content for good), got "
            + retentionDays);
      }
    }

    public static Config defaults() {
      return new Config(false, Map.of(), 30);
    }

    /** Whether {@code tenant}'s questions and answers are kept. */
    public boolean keepsContent(String tenant) {
      return tenants.getOrDefault(tenant, content);
    }
  }

  /**
   * One answered chat completion.
   *
   * @param id the completion's id, {@code chatcmpl-<request id>}
   * @param upstreamModel the model an upstream said answered (its {@code model}), empty when none did
   * @param cache {@code hit}, {@code semantic}, {@code coalesced} or {@code miss}
   * @param parameters the request's sampling parameters (temperature, max_tokens...), as JSON
   * @param guard the guard's decisions on this request (check=action), as a JSON array
   * @param rollout the rollout arm that answered, or empty
   * @param retrieval mode, k and the cited chunks (id, score, rank), as JSON; {@code {}} when nothing was retrieved
   * @param stages milliseconds per stage, as JSON
   * @param question the last user message, kept only as {@link Config} says
   */
  record Answer(String id, String requestId, Instant at, String tenant, String keyId, String model, String backend,
      String upstreamModel, String systemFingerprint, String cache, boolean stream, String parameters, String guardPolicy,
      String guard, String rollout, String retrieval, long indexGeneration, String embeddingModel, long latencyMs,
      String stages, Optional<String> question, Optional<String> answer) {
    public Answer {
      Objects.requireNonNull(id, "id");
      Objects.requireNonNull(at, "at");
      Objects.requireNonNull(tenant, "tenant");
      Objects.requireNonNull(question, "question");
      Objects.requireNonNull(answer, "answer");
      for (String s : new String[] {requestId, keyId, model, backend, upstreamModel, systemFingerprint, cache, parameters,
          guardPolicy, guard, rollout, retrieval, embeddingModel, stages}) {
        Objects.requireNonNull(s, "an answer record's fields are never null");
      }
    }

    /** This record with its question and answer replaced. */
    Answer withContent(Optional<String> q, Optional<String> a) {
      return new Answer(id, requestId, at, tenant, keyId, model, backend, upstreamModel, systemFingerprint, cache, stream,
          parameters, guardPolicy, guard, rollout, retrieval, indexGeneration, embeddingModel, latencyMs, stages, q, a);
    }
  }

  /**
   * One piece of feedback on an answer.
   *
   * @param rating {@code up}, {@code down}, or {@code 1} to {@code 5}
   */
  record Feedback(String id, String answerId, Instant at, String tenant, String keyId, String model, String rating,
      Optional<String> comment, Optional<String> correction, List<String> tags) {
    public Feedback {
      Objects.requireNonNull(id, "id");
      Objects.requireNonNull(answerId, "answerId");
      Objects.requireNonNull(at, "at");
      Objects.requireNonNull(tenant, "tenant");
      Objects.requireNonNull(keyId, "keyId");
      Objects.requireNonNull(model, "model");
      if (!validRating(rating)) {
        throw new IllegalArgumentException("a rating is up, down or 1 to 5, got " + rating);
      }
      Objects.requireNonNull(comment, "comment");
      Objects.requireNonNull(correction, "correction");
      tags = List.copyOf(tags);
    }

    /** Whether {@code rating} is one a feedback may carry. */
    public static boolean validRating(String rating) {
      return rating != null && (rating.equals("up") || rating.equals("down") || rating.matches("[1-5]"));
    }
  }

  /** What a tenant's caller sends about an answer; the store adds the time, the model and an id. */
  record Rating(String rating, Optional<String> comment, Optional<String> correction, List<String> tags) {
    public Rating {
      if (!Feedback.validRating(rating)) {
        throw new IllegalArgumentException("a rating is up, down or 1 to 5, got " + rating);
      }
      Objects.requireNonNull(comment, "comment");
      Objects.requireNonNull(correction, "correction");
      tags = List.copyOf(tags);
    }
  }

  /**
   * Queues {@code answer} to be written; returns at once and never throws (a record that cannot be
   * queued is dropped and counted in {@link #dropped}). Content is kept, redacted, only as configured.
   */
  void record(Answer answer);

  /** The answer {@code id} (a completion id or a request id) of {@code tenant}, written or still queued. */
  Optional<Answer> find(String tenant, String id);

  /**
   * Stores feedback from {@code keyId} of {@code tenant} on its answer {@code id}.
   *
   * @return empty when {@code tenant} has no such answer
   * @throws DatabaseException when it cannot be stored
   */
  Optional<Feedback> rate(String tenant, String keyId, String id, Rating rating);

  /** The feedback on {@code tenant}'s answer {@code id}, oldest first; empty when there is none or no such answer. */
  List<Feedback> feedback(String tenant, String id);

  /**
   * An answer whose question and answer were kept, with its feedback, oldest first.
   *
   * @param feedback never empty
   */
  record Rated(Answer answer, List<Feedback> feedback) {
    public Rated {
      Objects.requireNonNull(answer, "answer");
      feedback = List.copyOf(feedback);
      if (feedback.isEmpty() || answer.question().isEmpty() || answer.answer().isEmpty()) {
        throw new IllegalArgumentException("a rated answer has its question, its answer and feedback");
      }
    }
  }

  /**
   * {@code tenant}'s written answers from {@code since} on that have feedback and whose question and
   * answer were both kept (content stored with consent), oldest first. Never another tenant's.
   */
  List<Rated> rated(String tenant, Instant since);

  /** The tenants that have feedback on answers whose content was kept, sorted. */
  List<String> ratedTenants();

  /** Removes the question and answer of records older than the retention; how many records lost their content. */
  int purge();

  /** Records queued but dropped because the writer was too far behind. */
  long dropped();

  /** Waits until every record queued so far is written, or {@code timeout} passes; whether it got there. */
  boolean awaitWritten(Duration timeout) throws InterruptedException;

  @Override
  void close();

  /** The completion id for {@code id}, which may be a bare request id. */
  static String answerId(String id) {
    return id.startsWith(ID_PREFIX) ? id : ID_PREFIX + id;
  }

  /**
   * Records in {@code db}, written by one background thread from a queue of at most {@code capacity};
   * content redacted by {@code redact}; content older than the retention removed at start and hourly.
   */
  static AnswerRecords sql(Database db, Config config, UnaryOperator<String> redact, Clock clock, int capacity) {
    return SqlAnswerRecords.start(db.dataSource(), config, redact, clock, capacity, Duration.ofHours(1));
  }

  /** Keeps nothing and finds nothing: for servers without records and benchmarks. */
  static AnswerRecords none() {
    return new AnswerRecords() {
      @Override
      public void record(Answer answer) {}

      @Override
      public Optional<Answer> find(String tenant, String id) {
        return Optional.empty();
      }

      @Override
      public Optional<Feedback> rate(String tenant, String keyId, String id, Rating rating) {
        return Optional.empty();
      }

      @Override
      public List<Feedback> feedback(String tenant, String id) {
        return List.of();
      }

      @Override
      public List<Rated> rated(String tenant, Instant since) {
        return List.of();
      }

      @Override
      public List<String> ratedTenants() {
        return List.of();
      }

      @Override
      public int purge() {
        return 0;
      }

      @Override
      public long dropped() {
        return 0;
      }

      @Override
      public boolean awaitWritten(Duration timeout) {
        return true;
      }

      @Override
      public void close() {}

      @Override
      public boolean enabled() {
        return false;
      }
    };
  }

  /** Whether answers are kept at all, and so whether {@code /v1/feedback} is served. */
  default boolean enabled() {
    return true;
  }
}
