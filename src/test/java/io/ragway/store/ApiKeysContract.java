package io.ragway.store;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.ragway.config.Hashes;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.ResultSet;
import java.time.Clock;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.List;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** What every records database must do for API keys and the audit log; run on SQLite and PostgreSQL. */
abstract class ApiKeysContract {

  @TempDir Path dir;

  final Clock clock = Clock.fixed(Instant.parse("2026-01-01T00:00:00Z"), ZoneOffset.UTC);
  final AtomicLong nanos = new AtomicLong();
  Database db;

  /** An empty database of this kind. */
  abstract Database open(Path dir);

  @BeforeEach
  void openDatabase() {
    db = open(dir);
  }

  @AfterEach
  void closeDatabase() {
    db.close();
  }

  private SqlApiKeys keys(String actor) {
    return new SqlApiKeys(db.dataSource(), clock, actor, nanos::get);
  }

  @Test
  void aCreatedKeyVerifiesAndOnlyItsHashIsStored() throws Exception {
    ApiKeys keys = keys("cli:test");
    ApiKeys.Created c = keys.create("acme", "ci", List.of("eng"), 60, 10_000);
    assertTrue(c.secret().startsWith("sk-rgw-" + c.key().id() + "-"));
    ApiKeys.Key k = keys.verify(c.secret()).orElseThrow();
    assertEquals("acme", k.tenant());
    assertEquals(List.of("eng"), k.groups());
    assertEquals(60, k.rpm());
    assertEquals(10_000, k.tpm());
    String secret = c.secret().substring(c.secret().indexOf('-', "sk-rgw-".length()) + 1);
    try (Connection conn = db.dataSource().getConnection();
        ResultSet r = conn.createStatement().executeQuery("SELECT * FROM api_keys")) {
      assertTrue(r.next());
      for (int i = 1; i <= r.getMetaData().getColumnCount(); i++) {
        String v = r.getString(i);
        assertFalse(v != null && v.contains(secret), "the secret is not stored, column " + r.getMetaData().getColumnName(i));
      }
      assertEquals(Hashes.sha256(secret), r.getString("secret_sha256"));
    }
  }

  @Test
  void wrongOrMalformedKeysDoNotVerify() {
    ApiKeys keys = keys("cli:test");
    String s = keys.create("acme", "", List.of(), 0, 0).secret();
    assertTrue(keys.verify(s.substring(0, s.length() - 1) + (s.endsWith("A") ? "B" : "A")).isEmpty());
    assertTrue(keys.verify("sk-rgw-000000000000-" + s.substring(s.indexOf('-', "sk-rgw-".length()) + 1)).isEmpty());
    assertTrue(keys.verify("sk-rgw-" + "x".repeat(100) + "-y").isEmpty());
    assertTrue(keys.verify("sk-rgw-'; DROP TABLE api_keys; --").isEmpty());
    assertTrue(keys.verify("sk-other").isEmpty());
    assertTrue(keys.verify("sk-rgw-nodash").isEmpty());
    assertTrue(keys.verify("").isEmpty());
    assertTrue(keys.verify(null).isEmpty());
    assertTrue(keys.verify(s).isPresent(), "the table is still there");
  }

  @Test
  void aKeyRevokedElsewhereStopsWorkingWithinASecond() {
    ApiKeys cli = keys("cli:test");
    ApiKeys server = keys("server");
    ApiKeys.Created c = cli.create("acme", "", List.of(), 0, 0);
    assertTrue(server.verify(c.secret()).isPresent(), "another instance sees a new key at once");
    assertTrue(cli.revoke(c.key().id()));
    assertTrue(cli.verify(c.secret()).isEmpty(), "the instance that revoked it refuses it at once");
    nanos.addAndGet(1_100_000_000L);
    assertTrue(server.verify(c.secret()).isEmpty(), "the other instance within a second");
    assertTrue(cli.revoke(c.key().id()), "revoking twice is harmless");
    assertFalse(cli.revoke("nope"), "an unknown id is reported");
    assertTrue(cli.list().get(0).revoked());
  }

  @Test
  void rotatingGivesANewSecretAndRetiresTheOld() {
    ApiKeys keys = keys("cli:test");
    ApiKeys.Created c = keys.create("acme", "ci", List.of(), 5, 0);
    ApiKeys.Created r = keys.rotate(c.key().id()).orElseThrow();
    assertEquals(c.key().id(), r.key().id());
    assertEquals(5, keys.verify(r.secret()).orElseThrow().rpm());
    assertTrue(keys.verify(c.secret()).isEmpty());
    assertTrue(keys.rotate("nope").isEmpty());
    keys.revoke(c.key().id());
    assertTrue(keys.rotate(c.key().id()).isEmpty(), "a revoked key stays revoked");
  }

  @Test
  void everyChangeIsAudited() {
    SqlApiKeys keys = keys("cli:alice");
    ApiKeys.Created c = keys.create("acme", "ci", List.of(), 0, 0);
    keys.rotate(c.key().id());
    keys.revoke(c.key().id());
    keys.revoke("nope");
    List<AuditLog.Entry> log = Stores.auditLog(db).recent(10);
    assertEquals(List.of("key.revoke", "key.rotate", "key.create"), log.stream().map(AuditLog.Entry::action).toList());
    assertTrue(log.stream().allMatch(e -> e.actor().equals("cli:alice") && e.target().equals(c.key().id())));
    assertTrue(log.get(2).detail().contains("\"tenant\":\"acme\""), log.get(2).detail());
  }

  @Test
  void keysSurviveReopening() {
    ApiKeys.Created c = keys("cli:test").create("acme", "", List.of(), 0, 0);
    db.close();
    db = open(dir);
    assertTrue(keys("server").verify(c.secret()).isPresent());
  }

  @Test
  void keysOfAnEarlierKeysJsonAreImportedOnceAndKeepWorking() throws Exception {
    String secret = "legacysecretlegacysecretlegacysecret12345";
    Files.writeString(dir.resolve("keys.json"), """
        {"version": 1, "keys": [
          {"id": "a1b2c3d4e5f6", "name": "old", "tenant": "acme", "groups": ["eng"], "rpm": 7, "tpm": 0,
           "created": "2025-06-01T00:00:00Z", "revoked": false, "sha256": "%s"},
          {"id": "0f0f0f0f0f0f", "name": "gone", "tenant": "acme", "groups": [], "rpm": 0, "tpm": 0,
           "created": "2025-06-01T00:00:00Z", "revoked": true, "sha256": "%s"}]}
        """.formatted(Hashes.sha256(secret), Hashes.sha256("x")));
    ApiKeys keys = Stores.apiKeys(db, dir, clock, "cli:test");
    ApiKeys.Key k = keys.verify("sk-rgw-a1b2c3d4e5f6-" + secret).orElseThrow();
    assertEquals(7, k.rpm());
    assertEquals(List.of("eng"), k.groups());
    assertTrue(keys.verify("sk-rgw-0f0f0f0f0f0f-x").isEmpty(), "revoked stays revoked");
    assertFalse(Files.exists(dir.resolve("keys.json")));
    assertTrue(Files.exists(dir.resolve("keys.json.imported")), "the old file is kept, renamed");
    Files.move(dir.resolve("keys.json.imported"), dir.resolve("keys.json"));
    assertEquals(2, Stores.apiKeys(db, dir, clock, "cli:test").list().size(), "importing again adds nothing");
  }

  @Test
  void aDamagedKeysJsonIsAClearErrorAndStaysAsItWas() throws Exception {
    Files.writeString(dir.resolve("keys.json"), "{\"not\": \"keys\"}");
    DatabaseException e = assertThrows(DatabaseException.class, () -> Stores.apiKeys(db, dir, clock, "cli:test"));
    assertTrue(e.getMessage().contains("keys.json"), e.getMessage());
    assertEquals("{\"not\": \"keys\"}", Files.readString(dir.resolve("keys.json")));
  }
}
