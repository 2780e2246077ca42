package io.ragway.chat;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** What every {@link Sessions} store must do: in process ({@link CaffeineSessionsTest}) and in Redis ({@link RedisSessionsIT}). */
abstract class SessionsContract {

  static final ObjectMapper JSON = new ObjectMapper();
  static final Sessions.Owner ACME = new Sessions.Owner("acme", "key1");

  protected Sessions sessions;

  /** A fresh store keeping at most {@code maxTurns} messages a session. */
  protected abstract Sessions create(int maxTurns);

  @BeforeEach
  void createStore() {
    sessions = create(6);
  }

  static JsonNode msg(String role, String content) {
    return JSON.createObjectNode().put("role", role).put("content", content);
  }

  @Test
  void aSessionBelongsToTheKeyThatCreatedIt() {
    Sessions.Session s = sessions.create(ACME);
    assertTrue(s.id().startsWith("sess_"));
    assertTrue(sessions.append(ACME, s.id(), List.of(msg("user", "hi"), msg("assistant", "hello"))));
    Sessions.Session read = sessions.get(ACME, s.id()).orElseThrow();
    assertEquals(List.of(msg("user", "hi"), msg("assistant", "hello")), read.messages());
    assertEquals(s.created(), read.created());
    for (Sessions.Owner stranger : List.of(new Sessions.Owner("other", "key1"), new Sessions.Owner("acme", "key9"))) {
      assertTrue(sessions.get(stranger, s.id()).isEmpty(), "another tenant, or another key of the tenant, does not see it");
      assertFalse(sessions.append(stranger, s.id(), List.of(msg("user", "x"))));
      assertFalse(sessions.delete(stranger, s.id()));
    }
    assertEquals(2, sessions.get(ACME, s.id()).orElseThrow().messages().size(), "nothing was appended by strangers");
    assertTrue(sessions.delete(ACME, s.id()));
    assertTrue(sessions.get(ACME, s.id()).isEmpty());
    assertFalse(sessions.append(ACME, s.id(), List.of(msg("user", "again"))), "a deleted session is not revived");
  }

  @Test
  void unknownSessionsAreNotFound() {
    assertTrue(sessions.get(ACME, "sess_nope").isEmpty());
    assertFalse(sessions.append(ACME, "sess_nope", List.of(msg("user", "x"))));
    assertFalse(sessions.delete(ACME, "sess_nope"));
  }

  @Test
  void aSessionKeepsItsNewestTurns() {
    Sessions.Session s = sessions.create(ACME);
    for (int i = 0; i < 5; i++) {
      sessions.append(ACME, s.id(), List.of(msg("user", "q" + i), msg("assistant", "a" + i)));
    }
    List<JsonNode> kept = sessions.get(ACME, s.id()).orElseThrow().messages();
    assertEquals(6, kept.size());
    assertEquals("q2", kept.get(0).get("content").asText());
    assertEquals("a4", kept.get(5).get("content").asText());
  }

  @Test
  void concurrentAppendsLoseNoTurn() throws Exception {
    Sessions many = create(1000);
    Sessions.Session s = many.create(ACME);
    try (var pool = Executors.newFixedThreadPool(8)) {
      List<Future<Boolean>> done = new ArrayList<>();
      for (int i = 0; i < 100; i++) {
        int n = i;
        done.add(pool.submit(() -> many.append(ACME, s.id(), List.of(msg("user", "q" + n)))));
      }
      for (Future<Boolean> f : done) {
        assertTrue(f.get());
      }
    }
    assertEquals(100, many.get(ACME, s.id()).orElseThrow().messages().size());
  }
}
