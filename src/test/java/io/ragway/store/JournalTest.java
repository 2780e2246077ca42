package io.ragway.store;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.time.Duration;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class JournalTest {

  @TempDir Path dir;

  @Test
  void concurrentAppendsShareFsyncsAndEveryLineIsReadBackWholeOnce() throws Exception {
    concurrentAppends(Journal.open(dir));
  }

  @Test
  void concurrentAppendsInOsModeShareWritesAndEveryLineIsReadBackWholeOnce() throws Exception {
    concurrentAppends(Journal.open(dir, Journal.Sync.OS, Duration.ofMillis(5)));
  }

  private void concurrentAppends(Journal opened) throws Exception {
    int writers = 64;
    int each = 50;
    try (Journal journal = opened) {
      List<Thread> threads = new ArrayList<>();
      for (int w = 0; w < writers; w++) {
        int id = w;
        threads.add(Thread.ofVirtual().start(() -> {
          for (int i = 0; i < each; i++) {
            journal.append(("{\"w\":" + id + ",\"i\":" + i + ",\"pad\":\"" + "x".repeat(id * 7) + "\"}")
                .getBytes(StandardCharsets.UTF_8));
          }
        }));
      }
      for (Thread t : threads) {
        t.join();
      }
      Journal.Batch batch = journal.read(new Journal.Position(0, 0), 1_000_000);
      Set<String> lines = new HashSet<>();
      for (byte[] line : batch.lines()) {
        String s = new String(line, StandardCharsets.UTF_8);
        assertTrue(s.startsWith("{\"w\":") && s.endsWith("\"}"), "a whole line: " + s);
        lines.add(s);
      }
      assertEquals(writers * each, batch.lines().size());
      assertEquals(writers * each, lines.size(), "each line once");
      assertTrue(journal.fsyncs() < writers * each, "groups formed: " + journal.fsyncs() + " fsyncs for "
          + writers * each + " lines");
    }
  }

  @Test
  void oneWriterAloneFsyncsEachLineBeforeAppendReturns() throws Exception {
    try (Journal journal = Journal.open(dir)) {
      for (int i = 0; i < 10; i++) {
        journal.append(("{\"i\":" + i + "}").getBytes(StandardCharsets.UTF_8));
        assertEquals(i + 1, journal.fsyncs());
        assertEquals(i + 1, journal.read(new Journal.Position(0, 0), 100).lines().size(), "durable, so readable");
      }
    }
  }

  @Test
  void osModeAnswersOnceWrittenAndReadersSeeTheLinesBeforeAnyFsync() throws Exception {
    CountDownLatch release = new CountDownLatch(1);
    AtomicInteger forced = new AtomicInteger();
    Journal.FileSync held = ch -> {
      try {
        release.await(); // no fsync completes until the test says so
      } catch (InterruptedException e) {
        throw new IOException(e);
      }
      ch.force(false);
      forced.incrementAndGet();
    };
    try (Journal journal = Journal.open(dir, Journal.Sync.OS, Duration.ofMillis(5), held)) {
      for (int i = 0; i < 10; i++) {
        journal.append(("{\"i\":" + i + "}").getBytes(StandardCharsets.UTF_8));
        assertEquals(i + 1, journal.read(new Journal.Position(0, 0), 100).lines().size(), "written, so readable");
      }
      assertEquals(0, journal.fsyncs(), "answered before any fsync");
      assertEquals(0, forced.get());
      assertTrue(!journal.allSynced());
      release.countDown();
      awaitTrue(journal::allSynced, "the held fsync and the next one cover every line");
      assertTrue(journal.fsyncs() >= 1 && journal.fsyncs() <= 3, "one fsync for the lines written while it was held, "
          + "not one per line: " + journal.fsyncs());
      assertEquals(0, journal.fsyncFailures());
    }
  }

  @Test
  void osModeFsyncsWithinTheDelayNotOncePerLine() throws Exception {
    AtomicInteger forced = new AtomicInteger();
    int lines = 200;
    try (Journal journal = Journal.open(dir, Journal.Sync.OS, Duration.ofMillis(50), ch -> {
      ch.force(false);
      forced.incrementAndGet();
    })) {
      long start = System.nanoTime();
      for (int i = 0; i < lines; i++) {
        journal.append(("{\"i\":" + i + "}").getBytes(StandardCharsets.UTF_8));
      }
      awaitTrue(journal::allSynced, "every answered line is fsynced after the last write");
      long elapsedMs = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start);
      // at most one fsync per delay, plus the one at once after the first write
      assertTrue(forced.get() <= elapsedMs / 50 + 2, forced.get() + " fsyncs in " + elapsedMs + " ms");
      assertEquals(forced.get(), journal.fsyncs());
      assertEquals(lines, journal.read(new Journal.Position(0, 0), 1000).lines().size());
    }
  }

  @Test
  void osModeRefusesAppendsAfterAFailedFsyncUntilOneSucceeds() throws Exception {
    AtomicBoolean failing = new AtomicBoolean(true);
    try (Journal journal = Journal.open(dir, Journal.Sync.OS, Duration.ofMillis(1), ch -> {
      if (failing.get()) {
        throw new IOException("EIO");
      }
      ch.force(false);
    })) {
      journal.append("{\"answered\":1}".getBytes(StandardCharsets.UTF_8)); // written: answered, the fsync fails after
      awaitTrue(() -> journal.fsyncFailures() >= 1, "the failed fsync is counted");
      DatabaseException refused = assertThrows(DatabaseException.class,
          () -> journal.append("{\"refused\":1}".getBytes(StandardCharsets.UTF_8)));
      assertTrue(refused.getMessage().contains("fsync failed"), refused.getMessage());
      failing.set(false);
      awaitTrue(journal::allSynced, "a retried fsync succeeds");
      journal.append("{\"after\":1}".getBytes(StandardCharsets.UTF_8));
      List<String> lines = new ArrayList<>();
      journal.read(new Journal.Position(0, 0), 100).lines().forEach(l -> lines.add(new String(l, StandardCharsets.UTF_8)));
      assertEquals(List.of("{\"answered\":1}", "{\"after\":1}"), lines, "the refused line is not in the journal");
    }
  }

  @Test
  void aFailedFsyncInFsyncModeFailsItsCallers() throws Exception {
    AtomicBoolean failing = new AtomicBoolean(true);
    try (Journal journal = Journal.open(dir, Journal.Sync.FSYNC, Duration.ZERO, ch -> {
      if (failing.get()) {
        throw new IOException("EIO");
      }
      ch.force(false);
    })) {
      assertThrows(DatabaseException.class, () -> journal.append("{\"lost\":1}".getBytes(StandardCharsets.UTF_8)));
      failing.set(false);
      journal.append("{\"kept\":1}".getBytes(StandardCharsets.UTF_8));
      List<byte[]> lines = journal.read(new Journal.Position(0, 0), 100).lines();
      assertEquals(1, lines.size());
      assertEquals("{\"kept\":1}", new String(lines.get(0), StandardCharsets.UTF_8), "the failed line was cut off");
    }
  }

  @Test
  void osModeLinesOfAClosedJournalAreOnDiskAndReadByTheNextProcess() throws Exception {
    try (Journal journal = Journal.open(dir, Journal.Sync.OS, Duration.ofMillis(1000))) {
      for (int i = 0; i < 5; i++) {
        journal.append(("{\"i\":" + i + "}").getBytes(StandardCharsets.UTF_8));
      }
    }
    try (Journal next = Journal.open(dir)) {
      assertEquals(5, next.read(new Journal.Position(0, 0), 100).lines().size());
    }
  }

  private static void awaitTrue(java.util.function.BooleanSupplier condition, String what) throws InterruptedException {
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
    while (!condition.getAsBoolean()) {
      assertTrue(System.nanoTime() < deadline, what);
      Thread.sleep(1);
    }
  }
}
