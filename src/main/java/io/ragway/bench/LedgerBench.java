package io.ragway.bench;

import io.ragway.eval.LatencyStats;
import io.ragway.store.Database;
import io.ragway.store.Ledger;
import io.ragway.store.LedgerSync;
import io.ragway.store.Stores;
import io.ragway.store.UsageEvent;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import io.ragway.store.Uuid7;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Consumer;

/**
 * The usage ledger on its own: writers record events as fast as they can, each timed until its
 * event is recorded (the commit latency a request pays: on disk in the journal with
 * {@code ledger.sync: fsync}, written to it with {@code os}), then the time until the database has
 * them all. The baseline, measured first in the same run on the same disk: one
 * 200-byte write and fdatasync after another, the least any durable commit costs.
 */
public final class LedgerBench {

  /**
   * @param events events recorded at each concurrency
   * @param concurrency writers, each recording its next event as soon as the last is on disk
   * @param postgresUrl a PostgreSQL to measure as well (it gets a usage_events table), or empty
   */
  public record Settings(int events, List<Integer> concurrency, String postgresUrl) {
    public Settings {
      concurrency = List.copyOf(concurrency);
      if (events < 10) {
        throw new IllegalArgumentException("--events must be at least 10, got " + events);
      }
      if (concurrency.isEmpty() || concurrency.stream().anyMatch(c -> c < 1 || c > 4096)) {
        throw new IllegalArgumentException("--concurrency needs values from 1 to 4096, got " + concurrency);
      }
      postgresUrl = postgresUrl == null ? "" : postgresUrl;
    }
  }

  /**
   * One database at one concurrency.
   *
   * @param eventsPerSecond recorded (on disk in the journal) per second
   * @param drainedPerSecond in the database per second, from the first record to the last row
   * @param commitP50Ratio the commit p50 over the baseline fsync's p50
   */
  public record Level(String database, String sync, int concurrency, double eventsPerSecond, double commitP50Ms,
      double commitP99Ms, double drainedPerSecond, double commitP50Ratio) {}

  /** The figures of one run; {@code fsyncP50Ms} is the baseline. */
  public record Result(int events, double fsyncP50Ms, double fsyncP99Ms, List<Level> levels, String postgres) {}

  private LedgerBench() {}

  public static Result run(Path dir, Settings s, Consumer<String> progress) throws IOException, InterruptedException {
    progress.accept("baseline: write + fdatasync");
    LatencyStats fsync = fsyncBaseline(dir.resolve("fsync.bin"), 500);
    List<Level> levels = new ArrayList<>();
    List<String> urls = new ArrayList<>(List.of(""));
    if (!s.postgresUrl().isEmpty()) {
      urls.add(s.postgresUrl());
    }
    int run = 0;
    for (String url : urls) {
      String name = url.isEmpty() ? "sqlite" : "postgresql";
      for (LedgerSync sync : List.of(LedgerSync.fsync(), LedgerSync.os(LedgerSync.DEFAULT_DELAY))) {
        for (int c : s.concurrency()) {
          progress.accept(name + ", ledger.sync " + sync.label() + ", " + c + " writers, " + s.events() + " events");
          Path data = Files.createDirectories(dir.resolve("run-" + run++));
          try (Database db = Database.open(url, "", "", Math.max(2, Math.min(c, 16)), data)) {
            levels.add(measure(name, sync, db, data, c, s.events(), fsync));
          }
        }
      }
    }
    return new Result(s.events(), round(fsync.p50Ms()), round(fsync.p99Ms()), levels,
        s.postgresUrl().isEmpty() ? "not measured (give --postgres URL)" : "measured");
  }

  private static Level measure(String name, LedgerSync sync, Database db, Path data, int writers, int events,
      LatencyStats fsync)
      throws InterruptedException {
    long[] nanos = new long[events];
    AtomicInteger next = new AtomicInteger();
    long t0;
    long recorded;
    long drained;
    try (Ledger ledger = Stores.ledger(db, data, Long.MAX_VALUE, sync)) {
      List<Thread> threads = new ArrayList<>();
      t0 = System.nanoTime();
      for (int w = 0; w < writers; w++) {
        threads.add(Thread.ofVirtual().start(() -> {
          for (int i = next.getAndIncrement(); i < events; i = next.getAndIncrement()) {
            UsageEvent e = new UsageEvent(Uuid7.next().toString(), "bench-" + i, Instant.now(), "k", "tenant-" + (i % 7),
                "model-" + (i % 3), "model-" + (i % 3), 120, 40, 0.0001, "miss", i % 2 == 0, 200, 5, 1);
            long a = System.nanoTime();
            ledger.record(e);
            nanos[i] = System.nanoTime() - a;
          }
        }));
      }
      for (Thread t : threads) {
        t.join();
      }
      recorded = System.nanoTime();
      if (!ledger.awaitDrained(Duration.ofMinutes(5))) {
        throw new IllegalStateException("the " + name + " database did not take the events within 5 minutes: "
            + ledger.status().lastError());
      }
      drained = System.nanoTime();
    }
    LatencyStats commit = LatencyStats.ofNanos(nanos);
    return new Level(name, sync.label(), writers, Math.round(events / ((recorded - t0) / 1e9)), round(commit.p50Ms()),
        round(commit.p99Ms()), Math.round(events / ((drained - t0) / 1e9)), round(commit.p50Ms() / fsync.p50Ms()));
  }

  private static LatencyStats fsyncBaseline(Path file, int n) throws IOException {
    long[] nanos = new long[n];
    ByteBuffer line = ByteBuffer.wrap(new byte[200]);
    try (FileChannel ch = FileChannel.open(file, StandardOpenOption.CREATE, StandardOpenOption.WRITE)) {
      for (int i = 0; i < n; i++) {
        line.rewind();
        long a = System.nanoTime();
        ch.write(line);
        ch.force(false);
        nanos[i] = System.nanoTime() - a;
      }
    }
    Files.deleteIfExists(file);
    return LatencyStats.ofNanos(nanos);
  }

  private static double round(double v) {
    return Math.round(v * 1000) / 1000.0;
  }
}
