package io.ragway.rollout;

import io.ragway.store.Database;
import io.ragway.testkit.PostgresExtension;
import java.sql.SQLException;
import org.junit.jupiter.api.extension.RegisterExtension;

/** The rollout store's test on a real PostgreSQL (the V6 migration and its upserts). */
class PostgresRolloutStoreIT extends SqlRolloutStoreTest {

  @RegisterExtension
  static final PostgresExtension PG = new PostgresExtension();
  private String url;

  @Override
  Database open() {
    try {
      if (url == null) {
        url = PG.newDatabase();
      }
      return Database.open(url, "", "", 2, dir);
    } catch (SQLException e) {
      throw new IllegalStateException(e);
    }
  }
}
