package io.ragway.llm;

import static org.junit.jupiter.api.Assertions.assertEquals;

import io.ragway.testkit.FakeClock;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.Executors;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * What every {@link InFlightCounts} must do for one replica: in process
 * ({@link LocalInFlightCountsTest}) and through Redis ({@link RedisInFlightCountsIT}).
 */
abstract class InFlightCountsContract {

  protected final FakeClock clock = new FakeClock();
  protected InFlightCounts counts;

  /** A fresh replica's counts (nothing in flight yet), reading {@code clock}. */
  protected abstract InFlightCounts create(FakeClock clock);

  /** Lets shared counts publish and read; nothing for counts in this process. */
  protected void sync(InFlightCounts c) {}

  @BeforeEach
  void createCounts() {
    counts = create(clock);
  }

  @AfterEach
  void closeCounts() {
    counts.close();
  }

  @Test
  void aDeploymentNeverUsedHasNothingInFlight() {
    assertEquals(0, counts.count("m@never:1"));
    sync(counts);
    assertEquals(0, counts.count("m@never:1"));
  }

  @Test
  void countsRiseAndFallPerDeployment() {
    counts.started("m@a:1");
    counts.started("m@a:1");
    counts.started("m@b:1");
    sync(counts);
    assertEquals(2, counts.count("m@a:1"));
    assertEquals(1, counts.count("m@b:1"));
    counts.finished("m@a:1");
    assertEquals(1, counts.count("m@a:1"), "this replica's own count is exact without a sync");
    sync(counts);
    assertEquals(1, counts.count("m@a:1"), "a replica does not count its own published figure twice");
  }

  @Test
  void concurrentRequestsBalanceToZero() throws Exception {
    int threads = 8;
    CountDownLatch done = new CountDownLatch(threads);
    try (var pool = Executors.newFixedThreadPool(threads)) {
      for (int t = 0; t < threads; t++) {
        pool.submit(() -> {
          for (int i = 0; i < 1000; i++) {
            counts.started("m@a:1");
            counts.finished("m@a:1");
          }
          done.countDown();
        });
      }
      done.await();
    }
    sync(counts);
    assertEquals(0, counts.count("m@a:1"));
  }
}
