package io.ragway.store;

import static org.junit.jupiter.api.Assertions.assertEquals;

import io.ragway.testkit.PostgresExtension;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CountDownLatch;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/** The versions contract on a real PostgreSQL, plus replicas registering the same versions at once. */
class PostgresVersionsIT extends VersionsContract {

  @RegisterExtension
  static final PostgresExtension PG = new PostgresExtension();
  private String url;

  @Override
  Database openDatabase(Path dir) throws Exception {
    url = PG.newDatabase();
    return Database.open(url, "", "", 4, dir);
  }

  @Test
  void replicasStartingTogetherStoreEachVersionOnce() throws Exception {
    List<Versions.Seen> seen = List.of(prompt("v1", "A."), prompt("v2", "B."), policy("default", "default-1", "block"));
    CountDownLatch go = new CountDownLatch(1);
    List<Thread> replicas = new ArrayList<>();
    List<Throwable> failures = java.util.Collections.synchronizedList(new ArrayList<>());
    for (int r = 0; r < 4; r++) {
      String actor = "serve:replica" + r;
      replicas.add(Thread.ofPlatform().start(() -> {
        try (Database own = Database.open(url, "", "", 2, dir.resolve(actor))) {
          go.await();
          Stores.versions(own, clock, actor).register(seen);
        } catch (Throwable t) {
          failures.add(t);
        }
      }));
    }
    go.countDown();
    for (Thread t : replicas) {
      t.join();
    }
    assertEquals(List.of(), failures);
    assertEquals(3, versions("x").list(Optional.empty()).size());
    assertEquals(3, Stores.auditLog(db).recent(10).size(), "one audit entry per version, not per replica");
  }
}
