package io.ragway.store;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.github.benmanes.caffeine.cache.Caffeine;
import com.github.benmanes.caffeine.cache.LoadingCache;
import com.github.benmanes.caffeine.cache.Ticker;
import io.ragway.config.Hashes;
import io.ragway.config.JsonMappers;
import java.security.MessageDigest;
import java.security.SecureRandom;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Base64;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;
import javax.sql.DataSource;

/**
 * API keys and the audit log in the records database. Every change to a key and its audit entry
 * are written in one transaction.
 *
 * <p>A key reads {@code sk-rgw-<id>-<secret>}: the id finds the row, then the SHA-256 of the
 * secret is compared with {@link MessageDigest#isEqual}, which does not stop at the first
 * differing byte. The secrets are 256 random bits, so a fast hash is enough (as for GitHub's and
 * Stripe's tokens). Verified keys are cached for a second, so a request does not wait on the
 * database and a key revoked by another process (the CLI, another replica) stops working within
 * a second.
 */
final class SqlApiKeys implements ApiKeys, AuditLog {

  private static final Duration CACHED = Duration.ofSeconds(1);


  private record Stored(Key key, byte[] hash) {}

  private final ObjectMapper json = JsonMappers.create();
  private final DataSource db;
  private final Clock clock;
  private final String actor;
  private final SecureRandom random = new SecureRandom();
  private final LoadingCache<String, Optional<Stored>> byId;

  /** @param actor who makes the changes this instance writes, for the audit log */
  SqlApiKeys(DataSource db, Clock clock, String actor) {
    this(db, clock, actor, Ticker.systemTicker());
  }

  /** @param ticker the time the cache of verified keys goes by */
  SqlApiKeys(DataSource db, Clock clock, String actor, Ticker ticker) {
    this.db = db;
    this.clock = clock;
    this.actor = actor;
    this.byId = Caffeine.newBuilder().expireAfterWrite(CACHED).maximumSize(100_000).ticker(ticker).build(this::load);
  }

  @Override
  public Created create(String tenant, String name, List<String> groups, long rpm, long tpm) {
    String secret = secret();
    byte[] idBytes = new byte[6];
    random.nextBytes(idBytes);
    String id = HexFormat.of().formatHex(idBytes);
    Key key = new Key(id, name, tenant, groups, rpm, tpm, clock.instant(), false);
    transaction(c -> {
      insert(c, key, Hashes.digest(secret));
      audit(c, "key.create", id, ordered("tenant", tenant, "name", key.name(), "groups", key.groups(), "rpm", rpm, "tpm", tpm));
      return null;
    });
    byId.invalidate(id);
    return new Created(key, Key.PREFIX + id + "-" + secret);
  }

  @Override
  public Optional<Key> verify(String presented) {
    if (presented == null || !presented.startsWith(Key.PREFIX)) {
      return Optional.empty();
    }
    int dash = presented.indexOf('-', Key.PREFIX.length());
    if (dash < 0) {
      return Optional.empty();
    }
    String id = presented.substring(Key.PREFIX.length(), dash);
    byte[] hash = Hashes.digest(presented.substring(dash + 1));
    Optional<Stored> s = id.length() > 32 ? Optional.empty() : byId.get(id);
    if (s.isEmpty()) {
      MessageDigest.isEqual(hash, hash); // spend the same time on unknown ids
      return Optional.empty();
    }
    return MessageDigest.isEqual(hash, s.get().hash()) && !s.get().key().revoked() ? Optional.of(s.get().key()) : Optional.empty();
  }

  @Override
  public List<Key> list() {
    List<Key> out = new ArrayList<>();
    query("SELECT * FROM api_keys ORDER BY created_at, id", s -> { }, r -> out.add(stored(r).key()));
    return out;
  }

  @Override
  public boolean revoke(String id) {
    boolean found = transaction(c -> {
      Optional<Stored> s = select(c, id);
      if (s.isEmpty()) {
        return false;
      }
      if (!s.get().key().revoked()) {
        try (PreparedStatement u = c.prepareStatement("UPDATE api_keys SET revoked_at = ? WHERE id = ? AND revoked_at IS NULL")) {
          u.setString(1, now());
          u.setString(2, id);
          u.executeUpdate();
        }
        audit(c, "key.revoke", id, ordered("tenant", s.get().key().tenant()));
      }
      return true;
    });
    byId.invalidate(id);
    return found;
  }

  @Override
  public Optional<Created> rotate(String id) {
    String secret = secret();
    Optional<Key> rotated = transaction(c -> {
      Optional<Stored> s = select(c, id);
      if (s.isEmpty() || s.get().key().revoked()) {
        return Optional.<Key>empty();
      }
      try (PreparedStatement u = c.prepareStatement(
          "UPDATE api_keys SET secret_sha256 = ?, rotated_at = ? WHERE id = ? AND revoked_at IS NULL")) {
        u.setString(1, Hashes.sha256(secret));
        u.setString(2, now());
        u.setString(3, id);
        u.executeUpdate();
      }
      audit(c, "key.rotate", id, ordered("tenant", s.get().key().tenant()));
      return Optional.of(s.get().key());
    });
    byId.invalidate(id);
    return rotated.map(k -> new Created(k, Key.PREFIX + id + "-" + secret));
  }

  @Override
  public List<Entry> recent(int limit) {
    List<Entry> out = new ArrayList<>();
    query("SELECT * FROM audit_log ORDER BY seq DESC, id DESC LIMIT ?", s -> s.setInt(1, limit), r -> out.add(new Entry(
        r.getString("id"), Instant.parse(r.getString("at")), r.getString("actor"), r.getString("action"),
        r.getString("target"), r.getString("detail"))));
    return out;
  }

  /** Adds keys as they are (id, hash, state), skipping ids already present; for importing keys.json. */
  int importKeys(Map<Key, byte[]> keys, String from) {
    return transaction(c -> {
      int added = 0;
      for (Map.Entry<Key, byte[]> e : keys.entrySet()) {
        Key k = e.getKey();
        if (select(c, k.id()).isPresent()) {
          continue;
        }
        insert(c, k, e.getValue());
        audit(c, "key.import", k.id(), ordered("tenant", k.tenant(), "from", from));
        added++;
      }
      return added;
    });
  }

  // ---- JDBC ----

  @FunctionalInterface
  private interface Work<T> {
    T run(Connection c) throws SQLException;
  }

  @FunctionalInterface
  private interface Binder {
    void bind(PreparedStatement s) throws SQLException;
  }

  @FunctionalInterface
  private interface RowReader {
    void read(ResultSet r) throws SQLException;
  }

  private <T> T transaction(Work<T> work) {
    try (Connection c = db.getConnection()) {
      c.setAutoCommit(false);
      try {
        T result = work.run(c);
        c.commit();
        return result;
      } catch (SQLException | RuntimeException e) {
        // the pool restores auto-commit when the connection goes back; restoring it here raced with
        // the pool closing a connection evicted after a failed rollback, and its "connection closed"
        // then hid the first error (a full disk)
        Database.rollback(db, c, e);
        throw e;
      }
    } catch (SQLException e) {
      throw new DatabaseException("cannot write API keys: " + Database.why(e), e);
    }
  }

  private void query(String sql, Binder binder, RowReader reader) {
    try (Connection c = db.getConnection(); PreparedStatement s = c.prepareStatement(sql)) {
      binder.bind(s);
      try (ResultSet r = s.executeQuery()) {
        while (r.next()) {
          reader.read(r);
        }
      }
    } catch (SQLException e) {
      throw new DatabaseException("cannot read the records database: " + e.getMessage(), e);
    }
  }

  private Optional<Stored> load(String id) {
    List<Stored> found = new ArrayList<>();
    query("SELECT * FROM api_keys WHERE id = ?", s -> s.setString(1, id), r -> found.add(stored(r)));
    return found.stream().findFirst();
  }

  /** One key's row; a key that is already revoked is revoked as of now. */
  private void insert(Connection c, Key k, byte[] hash) throws SQLException {
    try (PreparedStatement s = c.prepareStatement("INSERT INTO api_keys (id, name, tenant, groups_json, rpm, tpm, "
        + "secret_sha256, created_at, revoked_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)")) {
      s.setString(1, k.id());
      s.setString(2, k.name());
      s.setString(3, k.tenant());
      s.setString(4, toJson(k.groups()));
      s.setLong(5, k.rpm());
      s.setLong(6, k.tpm());
      s.setString(7, HexFormat.of().formatHex(hash));
      s.setString(8, SqlTimes.format(k.created()));
      s.setString(9, k.revoked() ? now() : null);
      s.executeUpdate();
    }
  }

  private Optional<Stored> select(Connection c, String id) throws SQLException {
    try (PreparedStatement s = c.prepareStatement("SELECT * FROM api_keys WHERE id = ?")) {
      s.setString(1, id);
      try (ResultSet r = s.executeQuery()) {
        return r.next() ? Optional.of(stored(r)) : Optional.empty();
      }
    }
  }

  private Stored stored(ResultSet r) throws SQLException {
    List<String> groups = new ArrayList<>();
    try {
      json.readTree(r.getString("groups_json")).forEach(g -> groups.add(g.asText()));
    } catch (JsonProcessingException e) {
      throw new DatabaseException("key " + r.getString("id") + " has unreadable groups: " + e.getOriginalMessage(), e);
    }
    Key key = new Key(r.getString("id"), r.getString("name"), r.getString("tenant"), groups, r.getLong("rpm"),
        r.getLong("tpm"), Instant.parse(r.getString("created_at")), r.getString("revoked_at") != null);
    return new Stored(key, HexFormat.of().parseHex(r.getString("secret_sha256")));
  }

  private void audit(Connection c, String action, String target, Map<String, ?> detail) throws SQLException {
    audit(c, actor, now(), action, target, toJson(detail));
  }

  /** Appends one audit log entry inside the caller's transaction; also for the other records' changes (budgets). */
  static void audit(Connection c, String actor, String at, String action, String target, String detailJson)
      throws SQLException {
    try (PreparedStatement s = c.prepareStatement(
        "INSERT INTO audit_log (id, seq, at, actor, action, target, detail) "
            + "SELECT ?, COALESCE(MAX(seq), 0) + 1, ?, ?, ?, ?, ? FROM audit_log")) {
      s.setString(1, UUID.randomUUID().toString());
      s.setString(2, at);
      s.setString(3, actor);
      s.setString(4, action);
      s.setString(5, target);
      s.setString(6, detailJson);
      s.executeUpdate();
    }
  }

  /** Key-value pairs in the order given, for audit details a person reads. */
  private static Map<String, Object> ordered(Object... pairs) {
    Map<String, Object> out = new LinkedHashMap<>();
    for (int i = 0; i < pairs.length; i += 2) {
      out.put((String) pairs[i], pairs[i + 1]);
    }
    return out;
  }

  private String toJson(Object value) {
    try {
      return json.writeValueAsString(value);
    } catch (JsonProcessingException e) {
      throw new IllegalStateException("lists and maps of strings and numbers always serialise", e);
    }
  }

  private String now() {
    return SqlTimes.format(clock.instant());
  }

  private String secret() {
    byte[] secretBytes = new byte[32];
    random.nextBytes(secretBytes);
    return Base64.getUrlEncoder().withoutPadding().encodeToString(secretBytes);
  }

}
