package io.ragway.store;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.ragway.config.Hashes;
import io.ragway.testkit.FakeClock;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** What every records database must do for prompt template and guard policy versions; run on SQLite and PostgreSQL. */
abstract class VersionsContract {

  @TempDir Path dir;
  Database db;
  final FakeClock clock = new FakeClock(Instant.parse("2026-12-01T10:00:00Z"));

  /** A migrated, empty records database. */
  abstract Database openDatabase(Path dir) throws Exception;

  @BeforeEach
  void open() throws Exception {
    db = openDatabase(dir);
  }

  @AfterEach
  void close() {
    db.close();
  }

  Versions versions(String actor) {
    return Stores.versions(db, clock, actor);
  }

  static Versions.Seen prompt(String version, String system) {
    return new Versions.Seen(Versions.Kind.PROMPT, "rag", version, "{\"system\":\"" + system + "\"}");
  }

  static Versions.Seen policy(String name, String version, String injection) {
    return new Versions.Seen(Versions.Kind.GUARD_POLICY, name, version, "{\"injection\":\"" + injection + "\"}");
  }

  @Test
  void aVersionIsStoredOnceWithItsHashAndWhoFirstSawIt() {
    List<Versions.Version> first = versions("serve:ann@host1").register(List.of(prompt("v1", "Answer briefly."),
        policy("default", "default-1", "block")));
    assertEquals(2, first.size());
    clock.advance(Duration.ofMinutes(5));
    assertEquals(List.of(), versions("serve:bob@host2").register(List.of(prompt("v1", "Answer briefly."),
        policy("default", "default-1", "block"))), "a second start registers nothing");

    Versions.Version v1 = versions("x").find(Versions.Kind.PROMPT, "rag", "v1").orElseThrow();
    assertEquals("rag@v1", v1.label());
    assertEquals("{\"system\":\"Answer briefly.\"}", v1.content());
    assertEquals(Hashes.sha256("{\"system\":\"Answer briefly.\"}"), v1.sha256());
    assertEquals(64, v1.sha256().length());
    assertEquals(Instant.parse("2026-12-01T10:00:00Z"), v1.created());
    assertEquals("serve:ann@host1", v1.createdBy());
    assertEquals(Optional.empty(), versions("x").find(Versions.Kind.PROMPT, "rag", "v2"));
    assertEquals(Optional.empty(), versions("x").find(Versions.Kind.GUARD_POLICY, "rag", "v1"), "kinds do not mix");
  }

  @Test
  void eachNewVersionIsAuditedOnce() {
    versions("serve:ann@host1").register(List.of(prompt("v1", "A."), prompt("v2", "B.")));
    versions("serve:ann@host1").register(List.of(prompt("v1", "A."), prompt("v2", "B."), policy("acme", "strict-1", "block")));
    List<AuditLog.Entry> log = Stores.auditLog(db).recent(10);
    assertEquals(List.of("guard_policy.register", "prompt.register", "prompt.register"),
        log.stream().map(AuditLog.Entry::action).toList());
    assertEquals("guard_policy:acme@strict-1", log.get(0).target());
    assertEquals("serve:ann@host1", log.get(0).actor());
    assertTrue(log.get(0).detail().contains("\"injection\":\"block\""), log.get(0).detail());
    assertTrue(log.get(0).detail().contains(Hashes.sha256("{\"injection\":\"block\"}")), log.get(0).detail());
  }

  @Test
  void aChangedTextUnderAStoredVersionIsRefusedAndNothingOfThatStartIsStored() {
    versions("serve:ann@host1").register(List.of(prompt("v2", "Cite every sentence.")));
    Versions.VersionConflict e = assertThrows(Versions.VersionConflict.class, () -> versions("serve:bob@host2")
        .register(List.of(prompt("v3", "New."), prompt("v2", "Cite when you can."))));
    assertTrue(e.getMessage().contains("prompt version 'v2' of rag was stored on 2026-12-01T10:00:00Z by serve:ann@host1"),
        e.getMessage());
    assertTrue(e.getMessage().contains("needs a new version name"), e.getMessage());
    assertEquals(Optional.empty(), versions("x").find(Versions.Kind.PROMPT, "rag", "v3"), "the whole start is refused");
    assertEquals("{\"system\":\"Cite every sentence.\"}",
        versions("x").find(Versions.Kind.PROMPT, "rag", "v2").orElseThrow().content(), "the stored text is kept");
    assertEquals(1, Stores.auditLog(db).recent(10).size());
  }

  @Test
  void aGuardPolicyVersionMeansOneRuleSetWhicheverTenantUsesIt() {
    Versions v = versions("serve:ann@host1");
    v.register(List.of(policy("default", "strict-1", "block")));
    assertEquals(1, v.register(List.of(policy("acme", "strict-1", "block"))).size(), "the same rules for another tenant");
    Versions.VersionConflict e = assertThrows(Versions.VersionConflict.class,
        () -> v.register(List.of(policy("beta", "strict-1", "flag"))));
    assertTrue(e.getMessage().contains("guard policy version 'strict-1' of beta"), e.getMessage());
  }

  @Test
  void aFieldALaterRagwayAddsToAPolicyIsNotAChange() {
    versions("a").register(List.of(policy("default", "default-1", "block")));
    Versions.Seen later = new Versions.Seen(Versions.Kind.GUARD_POLICY, "default", "default-1",
        "{\"injection\":\"block\",\"new_check\":\"off\"}");
    assertEquals(List.of(), versions("b").register(List.of(later)));
    assertEquals("{\"injection\":\"block\"}",
        versions("a").find(Versions.Kind.GUARD_POLICY, "default", "default-1").orElseThrow().content());
    Versions.Seen changed = new Versions.Seen(Versions.Kind.GUARD_POLICY, "default", "default-1",
        "{\"injection\":\"flag\",\"new_check\":\"off\"}");
    assertThrows(Versions.VersionConflict.class, () -> versions("b").register(List.of(changed)));
  }

  @Test
  void listsByKindAndName() {
    versions("a").register(List.of(prompt("v1", "A."), policy("default", "default-1", "block")));
    clock.advance(Duration.ofMinutes(1));
    versions("a").register(List.of(prompt("v0", "Z."), policy("acme", "strict-1", "flag")));
    assertEquals(List.of("rag@v1", "rag@v0"),
        versions("a").list(Optional.of(Versions.Kind.PROMPT)).stream().map(Versions.Version::label).toList(),
        "in the order they were first seen");
    assertEquals(List.of("acme@strict-1", "default@default-1"),
        versions("a").list(Optional.of(Versions.Kind.GUARD_POLICY)).stream().map(Versions.Version::label).toList());
    assertEquals(4, versions("a").list(Optional.empty()).size());
  }

  @Test
  void contentThatIsNotJsonIsRefused() {
    assertThrows(IllegalArgumentException.class, () -> versions("a").register(List.of(
        new Versions.Seen(Versions.Kind.PROMPT, "rag", "v1", "not json"))));
    assertEquals(List.of(), versions("a").list(Optional.empty()));
  }
}
