package io.ragway.store;

import io.ragway.testkit.PostgresCluster;
import java.nio.file.Path;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;

/** The answer records contract on a real PostgreSQL (migration V7 there, ON CONFLICT, the purge). */
class PostgresAnswerRecordsIT extends AnswerRecordsContract {

  static PostgresCluster pg;

  @BeforeAll
  static void startPostgres() throws Exception {
    pg = PostgresCluster.start();
  }

  @AfterAll
  static void stopPostgres() {
    if (pg != null) {
      pg.close();
    }
  }

  @Override
  Database openDatabase(Path dir) throws Exception {
    return Database.open(pg.newDatabase(), "", "", 2, dir);
  }
}
