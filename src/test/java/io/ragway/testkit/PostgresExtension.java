package io.ragway.testkit;

import java.sql.SQLException;
import org.junit.jupiter.api.extension.AfterAllCallback;
import org.junit.jupiter.api.extension.BeforeAllCallback;
import org.junit.jupiter.api.extension.ExtensionContext;

/**
 * A throwaway PostgreSQL cluster for a test class ({@code @RegisterExtension static final
 * PostgresExtension PG}), started before its first test and stopped after its last; each
 * {@link #newDatabase()} is empty.
 */
public final class PostgresExtension implements BeforeAllCallback, AfterAllCallback {

  private PostgresCluster cluster;

  @Override
  public void beforeAll(ExtensionContext context) throws Exception {
    cluster = PostgresCluster.start();
  }

  @Override
  public void afterAll(ExtensionContext context) {
    if (cluster != null) {
      cluster.close();
    }
  }

  /** The JDBC URL of a new, empty database in the cluster. */
  public String newDatabase() throws SQLException {
    return cluster.newDatabase();
  }
}
