package io.ragway.store;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import javax.sql.DataSource;

/**
 * Sums of the usage ledger's answered requests, grouped by tenant, model, key or backend; or every
 * event counted by kind and status; or the failed upstream attempts one by one.
 */
public final class UsageReport {

  /** What a group used since the report's start. */
  public record Row(String group, long requests, long promptTokens, long completionTokens, double costUsd,
      long cacheHits, long cachedTokens) {}

  /** A failed upstream call: what was asked, which deployment failed how, and what the router did next. */
  public record Attempt(Instant at, String requestId, String keyId, String tenant, String model, String backend,
      int status, String error, long latencyMs, String followedBy) {}

  /** What the rows are grouped by; {@code STATUS} counts every kind of event by kind and HTTP status. */
  public enum By {
    TENANT("tenant"), MODEL("model"), KEY("key_id"), BACKEND("backend"),
    STATUS("kind || ' ' || CAST(status AS VARCHAR(10))");

    private final String column;

    By(String column) {
      this.column = column;
    }

    public static By parse(String s) {
      try {
        return valueOf(s.toUpperCase(Locale.ROOT));
      } catch (IllegalArgumentException e) {
        throw new IllegalArgumentException("--by must be tenant, model, key, backend or status, got '" + s + "'");
      }
    }
  }

  private UsageReport() {}

  /**
   * The ledger's sums since {@code since}, largest cost first: of the answered requests, or with
   * {@link By#STATUS} of every event (answered, failed and attempts), one row per kind and status.
   */
  public static List<Row> since(Database db, Instant since, By by) {
    String sql = "SELECT " + by.column + " AS grp, COUNT(*) AS requests, SUM(prompt_tokens) AS prompt, "
        + "SUM(completion_tokens) AS completion, SUM(cost_usd) AS cost, SUM(cached_tokens) AS cached, "
        + "SUM(CASE WHEN cache IN ('hit', 'semantic') THEN 1 ELSE 0 END) AS hits "
        + "FROM usage_events WHERE at >= ?" + (by == By.STATUS ? "" : " AND kind = 'request'")
        + " GROUP BY " + by.column + " ORDER BY cost DESC, requests DESC, grp";
    List<Row> out = new ArrayList<>();
    try (Connection c = db.dataSource().getConnection(); PreparedStatement s = c.prepareStatement(sql)) {
      s.setString(1, SqlTimes.format(since));
      try (ResultSet r = s.executeQuery()) {
        while (r.next()) {
          out.add(new Row(r.getString("grp"), r.getLong("requests"), r.getLong("prompt"), r.getLong("completion"),
              Math.round(r.getDouble("cost") * 1e9) / 1e9, r.getLong("hits"), r.getLong("cached")));
        }
      }
      return out;
    } catch (SQLException e) {
      throw new DatabaseException("cannot read the usage ledger: " + e.getMessage(), e);
    }
  }

  /** The failed upstream attempts since {@code since}, newest first, at most {@code limit}. */
  public static List<Attempt> attempts(Database db, Instant since, int limit) {
    List<Attempt> out = new ArrayList<>();
    try (Connection c = db.dataSource().getConnection(); PreparedStatement s = c.prepareStatement(
        "SELECT at, request_id, key_id, tenant, model, backend, status, error, latency_ms, followed_by FROM usage_events "
            + "WHERE kind = 'attempt' AND at >= ? ORDER BY at DESC, event_id LIMIT ?")) {
      s.setString(1, SqlTimes.format(since));
      s.setInt(2, limit);
      try (ResultSet r = s.executeQuery()) {
        while (r.next()) {
          out.add(new Attempt(Instant.parse(r.getString(1)), r.getString(2), r.getString(3), r.getString(4), r.getString(5),
              r.getString(6), r.getInt(7), r.getString(8), r.getLong(9), r.getString(10)));
        }
      }
      return out;
    } catch (SQLException e) {
      throw new DatabaseException("cannot read the usage ledger: " + e.getMessage(), e);
    }
  }
}
