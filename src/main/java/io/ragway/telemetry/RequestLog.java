package io.ragway.telemetry;

import io.ragway.guard.PiiDetector;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Instant;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;

/**
 * One JSON line per request in {@code <data>/logs/requests-YYYY-MM-DD.jsonl}
 * (docs/observability.md shows a line). Appending never blocks: a full queue drops the line and
 * counts it.
 */
public interface RequestLog extends AutoCloseable {

  /**
   * What one line says of a request.
   *
   * @param keyId the API key's id (never its secret), {@code anonymous} with auth off, {@code none} before a key is known
   * @param stagesMs milliseconds spent in each stage ({@link Stages}), in the order they first ran
   * @param cache {@code hit}, {@code semantic}, {@code coalesced}, {@code miss}, or empty when no answer was looked up
   * @param guard the guard's decisions, each as {@code check=action}
   * @param errorCode the OpenAI-shaped error's {@code code}, empty when the request succeeded
   * @param prompt the last user message as the client sent it, only with {@code content: true}; the
   *     writer redacts its PII before it reaches the file
   * @param answer the answer's text, only with {@code content: true}; redacted as the prompt is
   */
  record Entry(String requestId, String traceId, Instant time, String method, String route, String tenant, String keyId,
      String model, String backend, int status, double durationMs, Map<String, Double> stagesMs, long promptTokens,
      long completionTokens, double costUsd, String cache, List<String> guard, boolean stream, String errorCode,
      Optional<String> prompt, Optional<String> answer) {
    public Entry {
      Objects.requireNonNull(requestId, "requestId");
      Objects.requireNonNull(traceId, "traceId");
      Objects.requireNonNull(time, "time");
      stagesMs = Collections.unmodifiableMap(new LinkedHashMap<>(stagesMs)); // in the order the stages ran
      guard = List.copyOf(guard);
      Objects.requireNonNull(prompt, "prompt");
      Objects.requireNonNull(answer, "answer");
    }
  }

  /**
   * {@code telemetry.request_log}.
   *
   * @param content whether prompts and answers are written (after PII redaction)
   * @param retentionDays files older than this many days are deleted
   * @param maxFileMb a day's file past this size continues in {@code requests-YYYY-MM-DD.1.jsonl}, {@code .2}...
   */
  record Config(boolean enabled, boolean content, int retentionDays, int maxFileMb) {
    public Config {
      if (retentionDays < 1) {
        throw new IllegalArgumentException("telemetry.request_log.retention_days must be at least 1, not " + retentionDays);
      }
      if (maxFileMb < 1) {
        throw new IllegalArgumentException("telemetry.request_log.max_file_mb must be at least 1, not " + maxFileMb);
      }
    }

    public static Config defaults() {
      return new Config(true, false, 14, 100);
    }
  }

  /** Lines a queue holds for the writer before it drops new ones. */
  int QUEUE = 8192;

  /** Writes nothing. */
  static RequestLog off() {
    return NoRequestLog.INSTANCE;
  }

  /**
   * A log in {@code dir} written by a background thread; {@code pii} redacts content when
   * {@code config.content()} is on.
   */
  static RequestLog jsonl(Path dir, Config config, PiiDetector pii, Clock clock) {
    return JsonlRequestLog.start(dir, config, pii, clock, QUEUE);
  }

  /** Whether lines are written; when not, entries are not even built. */
  boolean enabled();

  /** Whether prompts and answers go in the lines. */
  boolean content();

  /** Queues {@code entry} for writing, or drops it when the queue is full; never blocks. */
  void append(Entry entry);

  /** Lines dropped because the writer fell behind, since the log was opened. */
  long dropped();

  /** Writes what is queued, then closes the file. */
  @Override
  void close();
}
