package io.ragway.store;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class JsonFileApiKeysTest {

  @TempDir Path dir;

  private final Clock clock = Clock.fixed(Instant.parse("2026-01-01T00:00:00Z"), ZoneOffset.UTC);

  @Test
  void aCreatedKeyVerifiesAndOnlyItsHashIsStored() throws Exception {
    ApiKeys keys = Stores.apiKeys(dir, clock);
    ApiKeys.Created c = keys.create("acme", "ci", List.of("eng"), 60, 10_000);
    assertTrue(c.secret().startsWith("sk-rgw-" + c.key().id() + "-"));
    ApiKeys.Key k = keys.verify(c.secret()).orElseThrow();
    assertEquals("acme", k.tenant());
    assertEquals(List.of("eng"), k.groups());
    assertEquals(60, k.rpm());
    String file = Files.readString(dir.resolve("keys.json"));
    assertFalse(file.contains(c.secret().substring(c.secret().lastIndexOf('-') + 1)), "the secret is not on disk");
    assertTrue(file.contains("sha256"));
  }

  @Test
  void wrongOrMalformedKeysDoNotVerify() {
    ApiKeys keys = Stores.apiKeys(dir, clock);
    ApiKeys.Created c = keys.create("acme", "", List.of(), 0, 0);
    String s = c.secret();
    assertTrue(keys.verify(s.substring(0, s.length() - 1) + (s.endsWith("A") ? "B" : "A")).isEmpty());
    assertTrue(keys.verify("sk-rgw-000000000000-" + s.substring(s.lastIndexOf('-') + 1)).isEmpty());
    assertTrue(keys.verify("sk-other").isEmpty());
    assertTrue(keys.verify("sk-rgw-nodash").isEmpty());
    assertTrue(keys.verify("").isEmpty());
  }

  @Test
  void aRevokedKeyStopsWorkingAndAnotherInstanceSeesIt() {
    ApiKeys cli = Stores.apiKeys(dir, clock);
    ApiKeys server = Stores.apiKeys(dir, Clock.systemUTC());
    ApiKeys.Created c = cli.create("acme", "", List.of(), 0, 0);
    assertTrue(server.verify(c.secret()).isPresent(), "the server rereads the file it has not seen");
    assertTrue(cli.revoke(c.key().id()));
    assertFalse(cli.revoke("nope"));
    assertTrue(Stores.apiKeys(dir, clock).verify(c.secret()).isEmpty());
    assertTrue(cli.list().get(0).revoked());
  }

  @Test
  void aDamagedFileIsAClearError() throws Exception {
    Files.writeString(dir.resolve("keys.json"), "{\"not\": \"keys\"}");
    Exception e = assertThrows(RuntimeException.class, () -> Stores.apiKeys(dir, clock));
    assertTrue(e.getMessage().contains("keys.json"), e.getMessage());
  }
}
