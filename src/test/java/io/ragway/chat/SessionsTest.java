package io.ragway.chat;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.github.benmanes.caffeine.cache.Ticker;
import io.ragway.llm.ChatTokens;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;

class SessionsTest {

  private static final ObjectMapper JSON = new ObjectMapper();
  private final AtomicLong nanos = new AtomicLong();
  private final Sessions sessions = SessionStores.inProcess(10, Duration.ofMinutes(30), 6, Clock.systemUTC(), nanos::get);

  private static JsonNode msg(String role, String content) {
    return JSON.createObjectNode().put("role", role).put("content", content);
  }

  private static final Sessions.Owner ACME = new Sessions.Owner("acme", "key1");
  private static final Sessions.Owner T = new Sessions.Owner("t", "key2");

  @Test
  void sessionsKeepTurnsPerKeyAndForgetIdleOnes() {
    Sessions.Session s = sessions.create(ACME);
    assertTrue(sessions.append(ACME, s.id(), List.of(msg("user", "hi"), msg("assistant", "hello"))));
    assertEquals(2, sessions.get(ACME, s.id()).orElseThrow().messages().size());
    for (Sessions.Owner stranger : List.of(new Sessions.Owner("other", "key1"), new Sessions.Owner("acme", "key9"))) {
      assertTrue(sessions.get(stranger, s.id()).isEmpty(), "another tenant, or another key of the tenant, does not see it");
      assertFalse(sessions.append(stranger, s.id(), List.of(msg("user", "x"))));
      assertFalse(sessions.delete(stranger, s.id()));
    }
    assertEquals(2, sessions.get(ACME, s.id()).orElseThrow().messages().size(), "nothing was appended by strangers");
    nanos.addAndGet(Duration.ofMinutes(31).toNanos());
    assertTrue(sessions.get(ACME, s.id()).isEmpty(), "idle sessions are forgotten");
  }

  @Test
  void aSessionKeepsItsNewestTurns() {
    Sessions.Session s = sessions.create(T);
    for (int i = 0; i < 5; i++) {
      sessions.append(T, s.id(), List.of(msg("user", "q" + i), msg("assistant", "a" + i)));
    }
    List<JsonNode> kept = sessions.get(T, s.id()).orElseThrow().messages();
    assertEquals(6, kept.size());
    assertEquals("q2", kept.get(0).get("content").asText());
    assertTrue(sessions.delete(T, s.id()));
    assertFalse(sessions.delete(T, s.id()));
  }

  @Test
  void fittingDropsTheOldestTurnsButKeepsSystemAndTheQuestion() {
    List<JsonNode> all = new ArrayList<>();
    all.add(msg("system", "Be brief."));
    for (int i = 0; i < 10; i++) {
      all.add(msg("user", "question number " + i + " " + "filler ".repeat(20)));
      all.add(msg("assistant", "answer " + i + " " + "filler ".repeat(20)));
    }
    all.add(msg("user", "the last question"));
    List<JsonNode> fitted = HistoryFitter.fit(all, 150);
    assertTrue(ChatTokens.prompt(JSON.valueToTree(fitted), null) <= 150);
    assertEquals("system", fitted.get(0).get("role").asText());
    assertEquals("the last question", fitted.get(fitted.size() - 1).get("content").asText());
    assertEquals("user", fitted.get(1).get("role").asText(), "history starts at a user turn");
    assertTrue(fitted.size() < all.size());
  }

  @Test
  void aToolResultIsNeverLeftWithoutItsCall() {
    List<JsonNode> all = new ArrayList<>();
    all.add(msg("user", "weather? " + "x ".repeat(50)));
    all.add(JSON.createObjectNode().put("role", "assistant").set("tool_calls", JSON.createArrayNode()));
    all.add(msg("tool", "sunny"));
    all.add(msg("assistant", "It is sunny."));
    all.add(msg("user", "thanks"));
    List<JsonNode> fitted = HistoryFitter.fit(all, 30);
    assertEquals(1, fitted.size());
    assertEquals("thanks", fitted.get(0).get("content").asText());
  }
}
