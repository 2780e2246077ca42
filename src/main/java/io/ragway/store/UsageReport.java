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

/** Sums of the usage ledger, grouped by tenant, model, key or backend. */
public final class UsageReport {

  /** What a group used since the report's start. */
  public record Row(String group, long requests, long promptTokens, long completionTokens, double costUsd,
      long cacheHits, long cachedTokens) {}

  /** What the rows are grouped by. */
  public enum By {
    TENANT("tenant"), MODEL("model"), KEY("key_id"), BACKEND("backend");

    private final String column;

    By(String column) {
      this.column = column;
    }

    public static By parse(String s) {
      try {
        return valueOf(s.toUpperCase(Locale.ROOT));
      } catch (IllegalArgumentException e) {
        throw new IllegalArgumentException("--by must be tenant, model, key or backend, got '" + s + "'");
      }
    }
  }

  private UsageReport() {}

  /** The ledger's sums since {@code since}, largest cost first. */
  public static List<Row> since(Database db, Instant since, By by) {
    String sql = "SELECT " + by.column + " AS grp, COUNT(*) AS requests, SUM(prompt_tokens) AS prompt, "
        + "SUM(completion_tokens) AS completion, SUM(cost_usd) AS cost, SUM(cached_tokens) AS cached, "
        + "SUM(CASE WHEN cache IN ('hit', 'semantic') THEN 1 ELSE 0 END) AS hits "
        + "FROM usage_events WHERE at >= ? GROUP BY " + by.column + " ORDER BY cost DESC, requests DESC, grp";
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
}
