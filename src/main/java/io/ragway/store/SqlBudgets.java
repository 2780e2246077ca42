package io.ragway.store;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.ragway.config.JsonMappers;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Clock;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import javax.sql.DataSource;

/** Budgets in the {@code budgets} table; each change and its audit entry in one transaction. */
final class SqlBudgets implements Budgets {

  private final ObjectMapper json = JsonMappers.create();
  private final DataSource db;
  private final Clock clock;
  private final String actor;

  SqlBudgets(DataSource db, Clock clock, String actor) {
    this.db = db;
    this.clock = clock;
    this.actor = actor;
  }

  @Override
  public Budget set(Scope scope, String name, double usdPerMonth) {
    Budgets.requireValid(usdPerMonth);
    if (name == null || name.isBlank()) {
      throw new IllegalArgumentException("a budget needs a " + (scope == Scope.KEY ? "key id" : "tenant"));
    }
    Instant now = clock.instant();
    try (Connection c = db.getConnection()) {
      c.setAutoCommit(false);
      try {
        if (scope == Scope.KEY && !keyExists(c, name)) {
          throw new IllegalArgumentException("no key with id '" + name + "'");
        }
        Optional<Double> before = current(c, scope, name);
        try (PreparedStatement d = c.prepareStatement("DELETE FROM budgets WHERE scope = ? AND name = ?")) {
          d.setString(1, scope.label());
          d.setString(2, name);
          d.executeUpdate();
        }
        try (PreparedStatement i = c.prepareStatement(
            "INSERT INTO budgets (scope, name, usd_per_month, updated_at) VALUES (?, ?, ?, ?)")) {
          i.setString(1, scope.label());
          i.setString(2, name);
          i.setDouble(3, usdPerMonth);
          i.setString(4, SqlTimes.format(now));
          i.executeUpdate();
        }
        ObjectNode detail = json.createObjectNode().put("usd_per_month", usdPerMonth);
        before.ifPresentOrElse(b -> detail.put("before", b), () -> detail.putNull("before"));
        SqlApiKeys.audit(c, actor, SqlTimes.format(now), "budget.set", scope.label() + ":" + name, detail.toString());
        c.commit();
        return new Budget(scope, name, usdPerMonth, now);
      } catch (SQLException | RuntimeException e) {
        Database.rollback(db, c, e);
        throw e;
      }
    } catch (SQLException e) {
      throw new DatabaseException("cannot write budgets: " + Database.why(e), e);
    }
  }

  @Override
  public boolean clear(Scope scope, String name) {
    Instant now = clock.instant();
    try (Connection c = db.getConnection()) {
      c.setAutoCommit(false);
      try {
        Optional<Double> before = current(c, scope, name);
        if (before.isEmpty()) {
          c.rollback();
          return false;
        }
        try (PreparedStatement d = c.prepareStatement("DELETE FROM budgets WHERE scope = ? AND name = ?")) {
          d.setString(1, scope.label());
          d.setString(2, name);
          d.executeUpdate();
        }
        SqlApiKeys.audit(c, actor, SqlTimes.format(now), "budget.clear", scope.label() + ":" + name,
            json.createObjectNode().put("before", before.get()).toString());
        c.commit();
        return true;
      } catch (SQLException | RuntimeException e) {
        Database.rollback(db, c, e);
        throw e;
      }
    } catch (SQLException e) {
      throw new DatabaseException("cannot write budgets: " + Database.why(e), e);
    }
  }

  @Override
  public List<Budget> list() {
    return read(db);
  }

  /** Every budget in {@code db}, tenants first. */
  static List<Budget> read(DataSource db) {
    List<Budget> out = new ArrayList<>();
    try (Connection c = db.getConnection(); PreparedStatement s = c.prepareStatement(
        "SELECT scope, name, usd_per_month, updated_at FROM budgets ORDER BY scope DESC, name");
        ResultSet r = s.executeQuery()) {
      while (r.next()) {
        out.add(new Budget(Scope.of(r.getString(1)), r.getString(2), r.getDouble(3), Instant.parse(r.getString(4))));
      }
      return out;
    } catch (SQLException e) {
      throw new DatabaseException("cannot read budgets: " + e.getMessage(), e);
    }
  }

  private static Optional<Double> current(Connection c, Scope scope, String name) throws SQLException {
    try (PreparedStatement s = c.prepareStatement("SELECT usd_per_month FROM budgets WHERE scope = ? AND name = ?")) {
      s.setString(1, scope.label());
      s.setString(2, name);
      try (ResultSet r = s.executeQuery()) {
        return r.next() ? Optional.of(r.getDouble(1)) : Optional.empty();
      }
    }
  }

  private static boolean keyExists(Connection c, String id) throws SQLException {
    try (PreparedStatement s = c.prepareStatement("SELECT 1 FROM api_keys WHERE id = ?")) {
      s.setString(1, id);
      try (ResultSet r = s.executeQuery()) {
        return r.next();
      }
    }
  }
}
