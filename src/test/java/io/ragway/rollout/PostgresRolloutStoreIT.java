package io.ragway.rollout;

import io.ragway.store.Database;
import io.ragway.testkit.PostgresCluster;
import java.sql.SQLException;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;

/** The rollout store's test on a real PostgreSQL (the V6 migration and its upserts). */
class PostgresRolloutStoreIT extends SqlRolloutStoreTest {

  static PostgresCluster pg;
  private String url;

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
  Database open() {
    try {
      if (url == null) {
        url = pg.newDatabase();
      }
      return Database.open(url, "", "", 2, dir);
    } catch (SQLException e) {
      throw new IllegalStateException(e);
    }
  }
}
