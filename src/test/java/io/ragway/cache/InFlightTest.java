package io.ragway.cache;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

class InFlightTest {

  @Test
  void identicalCallsInFlightShareOneCall() throws Exception {
    InFlight inFlight = new InFlight();
    AtomicInteger calls = new AtomicInteger();
    CountDownLatch release = new CountDownLatch(1);
    var pool = Executors.newVirtualThreadPerTaskExecutor();
    List<CompletableFuture<InFlight.Result>> results = new ArrayList<>();
    for (int i = 0; i < 8; i++) {
      results.add(CompletableFuture.supplyAsync(() -> inFlight.run("k", () -> {
        calls.incrementAndGet();
        try {
          release.await();
        } catch (InterruptedException e) {
          throw new IllegalStateException(e);
        }
        return "answer";
      }), pool));
    }
    while (calls.get() == 0) {
      Thread.sleep(5);
    }
    Thread.sleep(100); // let the others join
    release.countDown();
    int coalesced = 0;
    for (var r : results) {
      assertEquals("answer", r.get().value());
      coalesced += r.get().coalesced() ? 1 : 0;
    }
    assertEquals(1, calls.get());
    assertEquals(7, coalesced);
    assertEquals(0, inFlight.size());
    assertEquals("again", inFlight.run("k", () -> "again").value(), "a finished call is not reused");
    pool.shutdown();
  }

  @Test
  void aFailureReachesEveryWaiterAndIsNotKept() {
    InFlight inFlight = new InFlight();
    assertThrows(IllegalStateException.class, () -> inFlight.run("k", () -> {
      throw new IllegalStateException("upstream down");
    }));
    assertEquals("ok", inFlight.run("k", () -> "ok").value());
  }
}
