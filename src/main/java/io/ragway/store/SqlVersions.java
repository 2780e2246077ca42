package io.ragway.store;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.ragway.config.Hashes;
import io.ragway.config.JsonMappers;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Clock;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import javax.sql.DataSource;

/** Versions in the {@code prompt_and_policy_versions} table; each registration and its audit entry in one transaction. */
final class SqlVersions implements Versions {

  private static final String COLUMNS = "kind, name, version, content_sha256, content_json, created_at, created_by";
  private static final int TRIES = 3;

  private final ObjectMapper json = JsonMappers.create();
  private final DataSource db;
  private final Clock clock;
  private final String actor;

  SqlVersions(DataSource db, Clock clock, String actor) {
    this.db = db;
    this.clock = clock;
    this.actor = actor;
  }

  /*
   * Replicas starting together may register the same new version at once: the second insert
   * violates the primary key and its transaction rolls back; the next try finds the row and
   * compares contents instead.
   */
  @Override
  public List<Version> register(List<Seen> seen) {
    SQLException last = null;
    for (int attempt = 1; attempt <= TRIES; attempt++) {
      try {
        return registerOnce(seen);
      } catch (SQLException e) {
        last = e;
      }
    }
    throw new DatabaseException("cannot register prompt and guard policy versions: " + Database.why(last), last);
  }

  private List<Version> registerOnce(List<Seen> seen) throws SQLException {
    Instant now = clock.instant();
    List<Version> added = new ArrayList<>();
    try (Connection c = db.getConnection()) {
      c.setAutoCommit(false);
      try {
        for (Seen s : seen) {
          String sha = Hashes.sha256(s.content());
          Optional<Version> stored = find(c, s.kind(), s.name(), s.version());
          if (stored.isPresent()) {
            if (!stored.get().sha256().equals(sha) && !onlyAdds(s.content(), stored.get().content())) {
              throw conflict(s, stored.get());
            }
            continue;
          }
          if (s.kind() == Kind.GUARD_POLICY) {
            Optional<Version> other = otherContent(c, s.kind(), s.version(), sha);
            if (other.isPresent() && !onlyAdds(s.content(), other.get().content())) {
              throw conflict(s, other.get());
            }
          }
          Version v = new Version(s.kind(), s.name(), s.version(), sha, s.content(), now, actor);
          try (PreparedStatement i = c.prepareStatement("INSERT INTO prompt_and_policy_versions (" + COLUMNS
              + ") VALUES (?, ?, ?, ?, ?, ?, ?)")) {
            i.setString(1, v.kind().label());
            i.setString(2, v.name());
            i.setString(3, v.version());
            i.setString(4, v.sha256());
            i.setString(5, v.content());
            i.setString(6, SqlTimes.format(now));
            i.setString(7, actor);
            i.executeUpdate();
          }
          Map<String, Object> detail = new LinkedHashMap<>();
          detail.put("sha256", sha);
          detail.put("content", json.readTree(s.content()));
          SqlApiKeys.audit(c, actor, SqlTimes.format(now), s.kind().label() + ".register",
              s.kind().label() + ":" + v.label(), json.writeValueAsString(detail));
          added.add(v);
        }
        c.commit();
        return added;
      } catch (SQLException | RuntimeException e) {
        Database.rollback(db, c, e);
        throw e;
      } catch (java.io.IOException e) {
        Database.rollback(db, c, e);
        throw new IllegalArgumentException("the content of a version is not JSON: " + e.getMessage(), e);
      }
    }
  }

  /*
   * A later ragway may give policies a new field; the same configuration then serialises with one
   * more key. That is not a changed policy: every stored field must still be equal, and the stored
   * row (what the older answers were made with) stays as it is.
   */
  private boolean onlyAdds(String now, String stored) throws java.io.IOException {
    JsonNode n = json.readTree(now);
    JsonNode s = json.readTree(stored);
    if (!n.isObject() || !s.isObject() || n.size() <= s.size()) {
      return false;
    }
    for (Map.Entry<String, JsonNode> f : s.properties()) {
      if (!f.getValue().equals(n.get(f.getKey()))) {
        return false;
      }
    }
    return true;
  }

  private static VersionConflict conflict(Seen s, Version stored) {
    String what = s.kind() == Kind.PROMPT ? "prompt version '" + s.version() + "' of " + s.name()
        : "guard policy version '" + s.version() + "'" + (stored.name().equals(s.name()) ? " (" + s.name() + ")"
            : " of " + s.name() + " (stored for " + stored.name() + ")");
    return new VersionConflict(what + " was stored on " + stored.created() + " by " + stored.createdBy()
        + " with other content (sha256 " + stored.sha256().substring(0, 12) + ", now " + Hashes.sha256(s.content()).substring(0, 12)
        + "); answer records point at versions, so a changed " + (s.kind() == Kind.PROMPT ? "prompt" : "policy")
        + " needs a new version name in ragway.yaml (see 'ragway " + (s.kind() == Kind.PROMPT ? "prompts show "
        + stored.label() : "guard policies " + stored.version()) + "' for the stored one)");
  }

  @Override
  public List<Version> list(Optional<Kind> kind) {
    String sql = "SELECT " + COLUMNS + " FROM prompt_and_policy_versions"
        + (kind.isPresent() ? " WHERE kind = ?" : "") + " ORDER BY kind, name, created_at, version";
    try (Connection c = db.getConnection(); PreparedStatement s = c.prepareStatement(sql)) {
      if (kind.isPresent()) {
        s.setString(1, kind.get().label());
      }
      return rows(s);
    } catch (SQLException e) {
      throw new DatabaseException("cannot read prompt and guard policy versions: " + Database.why(e), e);
    }
  }

  @Override
  public Optional<Version> find(Kind kind, String name, String version) {
    try (Connection c = db.getConnection()) {
      return find(c, kind, name, version);
    } catch (SQLException e) {
      throw new DatabaseException("cannot read prompt and guard policy versions: " + Database.why(e), e);
    }
  }

  private Optional<Version> find(Connection c, Kind kind, String name, String version) throws SQLException {
    try (PreparedStatement s = c.prepareStatement("SELECT " + COLUMNS
        + " FROM prompt_and_policy_versions WHERE kind = ? AND name = ? AND version = ?")) {
      s.setString(1, kind.label());
      s.setString(2, name);
      s.setString(3, version);
      return rows(s).stream().findFirst();
    }
  }

  private Optional<Version> otherContent(Connection c, Kind kind, String version, String sha) throws SQLException {
    try (PreparedStatement s = c.prepareStatement("SELECT " + COLUMNS
        + " FROM prompt_and_policy_versions WHERE kind = ? AND version = ? AND content_sha256 <> ?")) {
      s.setString(1, kind.label());
      s.setString(2, version);
      s.setString(3, sha);
      return rows(s).stream().findFirst();
    }
  }

  private static List<Version> rows(PreparedStatement s) throws SQLException {
    List<Version> out = new ArrayList<>();
    try (ResultSet r = s.executeQuery()) {
      while (r.next()) {
        out.add(new Version(Kind.parse(r.getString(1)), r.getString(2), r.getString(3), r.getString(4), r.getString(5),
            Instant.parse(r.getString(6)), r.getString(7)));
      }
    }
    return out;
  }

}
