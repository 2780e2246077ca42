package io.ragway.rollout;

import io.ragway.store.DatabaseException;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Clock;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import javax.sql.DataSource;

/** Rollout states and decisions over JDBC; portable SQL for SQLite and PostgreSQL. */
final class SqlRolloutStore implements RolloutStore {

  // the records' fixed-width UTC time, so text order is time order (as io.ragway.store writes it)
  private static final DateTimeFormatter TIME = DateTimeFormatter.ofPattern("uuuu-MM-dd'T'HH:mm:ss.SSSSSSX")
      .withZone(ZoneOffset.UTC);

  private final DataSource db;
  private final Clock clock;

  SqlRolloutStore(DataSource db, Clock clock) {
    this.db = db;
    this.clock = clock;
  }

  @Override
  public Map<String, Stored> states() {
    Map<String, Stored> out = new LinkedHashMap<>();
    try (Connection c = db.getConnection();
        PreparedStatement s = c.prepareStatement("SELECT * FROM rollout_states ORDER BY name");
        ResultSet r = s.executeQuery()) {
      while (r.next()) {
        out.put(r.getString("name"), new Stored(r.getString("name"), State.parse(r.getString("state")),
            Instant.parse(r.getString("updated_at")), r.getString("reason"), r.getString("figures_json")));
      }
      return out;
    } catch (SQLException e) {
      throw new DatabaseException("cannot read rollout states: " + e.getMessage(), e);
    }
  }

  @Override
  public void decide(Decision d, State next) {
    try (Connection c = db.getConnection()) {
      c.setAutoCommit(false);
      try {
        try (PreparedStatement s = c.prepareStatement("INSERT INTO rollout_decisions (id, seq, rollout, at, action, actor, "
            + "reason, figures_json) SELECT ?, COALESCE(MAX(seq), 0) + 1, ?, ?, ?, ?, ?, ? FROM rollout_decisions")) {
          s.setString(1, UUID.randomUUID().toString());
          s.setString(2, d.rollout());
          s.setString(3, TIME.format(d.at()));
          s.setString(4, d.action());
          s.setString(5, d.actor());
          s.setString(6, d.reason());
          s.setString(7, d.figures());
          s.executeUpdate();
        }
        upsert(c, d.rollout(), next, d.at(), d.reason(), d.figures());
        try (PreparedStatement s = c.prepareStatement("INSERT INTO audit_log (id, seq, at, actor, action, target, detail) "
            + "SELECT ?, COALESCE(MAX(seq), 0) + 1, ?, ?, ?, ?, ? FROM audit_log")) {
          s.setString(1, UUID.randomUUID().toString());
          s.setString(2, TIME.format(d.at()));
          s.setString(3, d.actor());
          s.setString(4, "rollout." + d.action());
          s.setString(5, d.rollout());
          s.setString(6, "{\"state\":\"" + next.label() + "\",\"reason\":" + quote(d.reason()) + ",\"figures\":" + d.figures() + "}");
          s.executeUpdate();
        }
        c.commit();
      } catch (SQLException | RuntimeException e) {
        c.rollback();
        throw e;
      } finally {
        c.setAutoCommit(true);
      }
    } catch (SQLException e) {
      throw new DatabaseException("cannot record the rollout decision on " + d.rollout() + ": " + e.getMessage(), e);
    }
  }

  @Override
  public void saveFigures(String rollout, String figures) {
    try (Connection c = db.getConnection(); PreparedStatement s = c.prepareStatement(
        "INSERT INTO rollout_states (name, state, updated_at, reason, figures_json) VALUES (?, ?, ?, ?, ?) "
            + "ON CONFLICT (name) DO UPDATE SET figures_json = excluded.figures_json")) {
      s.setString(1, rollout);
      s.setString(2, State.RUNNING.label());
      s.setString(3, TIME.format(clock.instant()));
      s.setString(4, "started");
      s.setString(5, figures);
      s.executeUpdate();
    } catch (SQLException e) {
      throw new DatabaseException("cannot save the figures of rollout " + rollout + ": " + e.getMessage(), e);
    }
  }

  private static void upsert(Connection c, String name, State state, Instant at, String reason, String figures)
      throws SQLException {
    try (PreparedStatement s = c.prepareStatement("INSERT INTO rollout_states (name, state, updated_at, reason, figures_json) "
        + "VALUES (?, ?, ?, ?, ?) ON CONFLICT (name) DO UPDATE SET state = excluded.state, updated_at = excluded.updated_at, "
        + "reason = excluded.reason, figures_json = excluded.figures_json")) {
      s.setString(1, name);
      s.setString(2, state.label());
      s.setString(3, TIME.format(at));
      s.setString(4, reason);
      s.setString(5, figures);
      s.executeUpdate();
    }
  }

  @Override
  public List<Decision> decisions(String rollout, int limit) {
    List<Decision> out = new ArrayList<>();
    try (Connection c = db.getConnection(); PreparedStatement s = c.prepareStatement(
        "SELECT * FROM rollout_decisions WHERE rollout = ? ORDER BY seq DESC LIMIT ?")) {
      s.setString(1, rollout);
      s.setInt(2, limit);
      try (ResultSet r = s.executeQuery()) {
        while (r.next()) {
          out.add(new Decision(r.getString("rollout"), Instant.parse(r.getString("at")), r.getString("action"),
              r.getString("actor"), r.getString("reason"), r.getString("figures_json")));
        }
      }
      return out;
    } catch (SQLException e) {
      throw new DatabaseException("cannot read the decisions of rollout " + rollout + ": " + e.getMessage(), e);
    }
  }

  private static String quote(String s) {
    StringBuilder b = new StringBuilder("\"");
    for (char ch : s.toCharArray()) {
      switch (ch) {
        case '"' -> b.append("\\\"");
        case '\\' -> b.append("\\\\");
        default -> {
          if (ch < 0x20) {
            b.append(String.format("\\u%04x", (int) ch));
          } else {
            b.append(ch);
          }
        }
      }
    }
    return b.append('"').toString();
  }
}
