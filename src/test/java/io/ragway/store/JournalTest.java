package io.ragway.store;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class JournalTest {

  @TempDir Path dir;

  @Test
  void concurrentAppendsShareFsyncsAndEveryLineIsReadBackWholeOnce() throws Exception {
    int writers = 64;
    int each = 50;
    try (Journal journal = Journal.open(dir)) {
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
}
