package io.ragway.telemetry;

import io.ragway.config.JsonLine;
import io.ragway.guard.PiiDetector;
import io.ragway.guard.PiiSpan;
import java.io.BufferedOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Clock;
import java.time.LocalDate;
import java.time.ZoneOffset;
import java.time.format.DateTimeParseException;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.atomic.AtomicLong;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A request log in daily files ({@code requests-YYYY-MM-DD.jsonl}, UTC), each continued in
 * {@code requests-YYYY-MM-DD.N.jsonl} past {@code max_file_mb}; files older than
 * {@code retention_days} are deleted when a day's first file opens.
 */
final class JsonlRequestLog implements RequestLog {

  /*
   * Requests only offer their entry to a bounded queue: a full queue (a slow disk) drops the line
   * and counts it, rather than making a request wait for a file. One writer thread drains the
   * queue, builds the JSON, redacts content with the guard's PII detector (regexes cost a request
   * nothing this way), and flushes when the queue is empty, so a burst costs one write. The writer
   * wakes on a timer, not per line: a request that woke it would pay a thread hand-off, which on a
   * small machine costs more than the line itself.
   */

  /** How long a line may wait in the queue before it is written. */
  static final long WRITE_EVERY_MILLIS = 100;

  private static final Logger LOG = LoggerFactory.getLogger(JsonlRequestLog.class);
  static final Pattern FILE = Pattern.compile("requests-(\\d{4}-\\d{2}-\\d{2})(?:\\.(\\d+))?\\.jsonl");

  private final Path dir;
  private final Config config;
  private final PiiDetector pii;
  private final Clock clock;
  private final BlockingQueue<Entry> queue;
  private final AtomicLong dropped = new AtomicLong();
  private final AtomicLong written = new AtomicLong();
  private volatile boolean closed;
  private Thread writer;

  // the writer's state, touched by the writer only
  private LocalDate day;
  private int part;
  private long size;
  private OutputStream out;

  JsonlRequestLog(Path dir, Config config, PiiDetector pii, Clock clock, int capacity) {
    this.dir = dir;
    this.config = config;
    this.pii = pii;
    this.clock = clock;
    this.queue = new ArrayBlockingQueue<>(capacity);
    try {
      Files.createDirectories(dir);
    } catch (IOException e) {
      throw new UncheckedIOException("cannot create the request log directory " + dir + ": " + e.getMessage(), e);
    }
  }

  /** A log with its writer thread started. */
  static JsonlRequestLog start(Path dir, Config config, PiiDetector pii, Clock clock, int capacity) {
    JsonlRequestLog log = new JsonlRequestLog(dir, config, pii, clock, capacity);
    log.writer = Thread.ofPlatform().daemon().name("ragway-request-log").start(log::run);
    return log;
  }

  @Override
  public boolean enabled() {
    return true;
  }

  @Override
  public boolean content() {
    return config.content();
  }

  @Override
  public void append(Entry entry) {
    if (closed || !queue.offer(entry)) {
      dropped.incrementAndGet();
    }
  }

  @Override
  public long dropped() {
    return dropped.get();
  }

  /** Lines written to files so far. */
  long written() {
    return written.get();
  }

  private void run() {
    while (!closed) {
      try {
        Thread.sleep(WRITE_EVERY_MILLIS);
        drain();
      } catch (InterruptedException e) {
        break;
      } catch (RuntimeException e) {
        LOG.warn("request log: {}", e.getMessage());
      }
    }
  }

  /** Writes every queued line and flushes; the writer thread's loop, and a test's step. */
  synchronized void drain() {
    Entry e;
    while ((e = queue.poll()) != null) {
      write(e);
    }
    try {
      if (out != null) {
        out.flush();
      }
    } catch (IOException ex) {
      LOG.warn("request log: cannot write to {}: {}", dir, ex.getMessage());
    }
  }

  private synchronized void write(Entry e) {
    try {
      byte[] bytes = json(e);
      LocalDate date = LocalDate.ofInstant(e.time(), ZoneOffset.UTC);
      if (!date.equals(day)) {
        openDay(date);
        prune();
      } else if (size > 0 && size + bytes.length > config.maxFileMb() * 1024L * 1024L) {
        open(part + 1);
      }
      out.write(bytes);
      size += bytes.length;
      written.incrementAndGet();
    } catch (IOException ex) {
      dropped.incrementAndGet();
      LOG.warn("request log: cannot write to {}: {}", dir, ex.getMessage());
    }
  }

  /** The day's last file, as a restart finds it, or its first. */
  private void openDay(LocalDate date) throws IOException {
    day = date;
    int last = 0;
    try (DirectoryStream<Path> files = Files.newDirectoryStream(dir, "requests-" + date + "*.jsonl")) {
      for (Path f : files) {
        Matcher m = FILE.matcher(f.getFileName().toString());
        if (m.matches() && m.group(2) != null) {
          last = Math.max(last, Integer.parseInt(m.group(2)));
        }
      }
    }
    open(last);
  }

  private void open(int n) throws IOException {
    if (out != null) {
      out.close();
    }
    part = n;
    Path file = dir.resolve(fileName(day, n));
    size = Files.exists(file) ? Files.size(file) : 0;
    // buffered: a burst of lines is one write, at the flush once the queue is empty
    out = new BufferedOutputStream(Files.newOutputStream(file, StandardOpenOption.CREATE, StandardOpenOption.APPEND), 1 << 16);
    if (size > 0 && size >= config.maxFileMb() * 1024L * 1024L) {
      open(n + 1);
    }
  }

  static String fileName(LocalDate day, int part) {
    return "requests-" + day + (part == 0 ? "" : "." + part) + ".jsonl";
  }

  /** Deletes the files of days more than {@code retention_days} before today. */
  private void prune() throws IOException {
    LocalDate oldestKept = LocalDate.ofInstant(clock.instant(), ZoneOffset.UTC).minusDays(config.retentionDays() - 1L);
    try (DirectoryStream<Path> files = Files.newDirectoryStream(dir, "requests-*.jsonl")) {
      for (Path f : files) {
        Matcher m = FILE.matcher(f.getFileName().toString());
        if (!m.matches()) {
          continue;
        }
        try {
          if (LocalDate.parse(m.group(1)).isBefore(oldestKept)) {
            Files.deleteIfExists(f);
          }
        } catch (DateTimeParseException ignored) {
          // not one of ours
        }
      }
    }
  }

  /* Field by field (JsonLine): a generator per line and java.time's formatter cost more than the rest of the log. */
  private byte[] json(Entry e) {
    Map<String, Double> stages = new LinkedHashMap<>();
    e.stagesMs().forEach((name, ms) -> stages.put(name, round(ms)));
    JsonLine line = new JsonLine().text("time", time(e.time())).text("request_id", e.requestId())
        .text("trace_id", e.traceId()).text("method", e.method()).text("route", e.route()).text("tenant", e.tenant())
        .text("key_id", e.keyId()).text("model", e.model()).text("backend", e.backend()).number("status", e.status())
        .bool("stream", e.stream()).number("duration_ms", round(e.durationMs())).numbers("stages_ms", stages)
        .number("prompt_tokens", e.promptTokens()).number("completion_tokens", e.completionTokens())
        .number("cost_usd", e.costUsd()).text("cache", e.cache()).texts("guard", e.guard())
        .textOrNull("error_code", e.errorCode().isEmpty() ? null : e.errorCode());
    if (config.content()) {
      line.text("prompt", redact(e.prompt().orElse(""))).text("answer", redact(e.answer().orElse("")));
    }
    return line.end("\n");
  }

  /* An instant as Instant.toString writes it (ISO-8601 UTC, as many fractional digits as it has), without its formatter. */
  static String time(java.time.Instant t) {
    java.time.LocalDateTime at = java.time.LocalDateTime.ofEpochSecond(t.getEpochSecond(), 0, ZoneOffset.UTC);
    if (at.getYear() < 0 || at.getYear() > 9999) {
      return t.toString();
    }
    StringBuilder b = new StringBuilder(30);
    pad(b, at.getYear(), 4).append('-');
    pad(b, at.getMonthValue(), 2).append('-');
    pad(b, at.getDayOfMonth(), 2).append('T');
    pad(b, at.getHour(), 2).append(':');
    pad(b, at.getMinute(), 2).append(':');
    pad(b, at.getSecond(), 2);
    int nanos = t.getNano();
    if (nanos > 0) {
      b.append('.');
      if (nanos % 1_000_000 == 0) {
        pad(b, nanos / 1_000_000, 3);
      } else if (nanos % 1000 == 0) {
        pad(b, nanos / 1000, 6);
      } else {
        pad(b, nanos, 9);
      }
    }
    return b.append('Z').toString();
  }

  private static StringBuilder pad(StringBuilder b, int value, int width) {
    String digits = Integer.toString(value);
    for (int i = digits.length(); i < width; i++) {
      b.append('0');
    }
    return b.append(digits);
  }

  /** {@code text} with each piece of personal data replaced by its type, as the guard's redact mode does. */
  String redact(String text) {
    List<PiiSpan> spans = pii.find(text);
    if (spans.isEmpty()) {
      return text;
    }
    StringBuilder b = new StringBuilder(text.length());
    int at = 0;
    for (PiiSpan s : spans) {
      b.append(text, at, s.start()).append('[').append(s.type()).append(']');
      at = s.end();
    }
    return b.append(text, at, text.length()).toString();
  }

  private static double round(double ms) {
    return Math.round(ms * 1000) / 1000.0;
  }

  @Override
  public void close() {
    closed = true;
    if (writer != null) { // not interrupted: an interrupt would close the file's channel mid-write
      try {
        writer.join(5000);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
    }
    drain();
    try {
      if (out != null) {
        out.close();
      }
    } catch (IOException e) {
      LOG.warn("request log: cannot close {}: {}", dir, e.getMessage());
    }
  }
}
