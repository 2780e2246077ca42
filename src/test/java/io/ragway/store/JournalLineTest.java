package io.ragway.store;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import org.junit.jupiter.api.Test;

class JournalLineTest {

  private final ObjectMapper json = new ObjectMapper();

  @Test
  void aLineIsJsonAndReadsBackAsTheSameEvent() throws IOException {
    String awkward = "quote \" backslash \\ newline \n tab \t cr \r bell \u0007 nul \u0000 é 漢字 😀 </script>";
    UsageEvent e = new UsageEvent(Uuid7.next().toString(), "req-1", Instant.parse("2026-12-06T22:42:21.123456789Z"), "k1",
        awkward, "gpt-4o-mini", "backend \"b\"", 12, 34, 0.000125, "miss", true, 200, 17, 2, 5, UsageEvent.ATTEMPT,
        "upstream_5xx: " + awkward, "retry");
    byte[] line = JournaledLedger.line(e);
    JsonNode tree = json.readTree(line); // plain JSON: any reader takes it
    assertEquals(awkward, tree.get("tenant").asText());
    assertEquals(0.000125, tree.get("cost_usd").asDouble());
    UsageEvent back = JournaledLedger.parse(line, json);
    assertEquals(new UsageEvent(e.eventId(), e.requestId(), e.at().truncatedTo(ChronoUnit.MICROS), e.keyId(), e.tenant(),
        e.model(), e.backend(), 12, 34, 0.000125, "miss", true, 200, 17, 2, 5, UsageEvent.ATTEMPT, e.error(), "retry"), back);
    assertEquals(-1, new String(line, StandardCharsets.UTF_8).indexOf('\n'), "one line");
  }

  @Test
  void nullTextReadsAsEmpty() throws IOException {
    UsageEvent e = new UsageEvent("e1", null, Instant.EPOCH, null, "t", "m", null, 1, 2, 0, "hit", false, 200, 0, 0, 0);
    UsageEvent back = JournaledLedger.parse(JournaledLedger.line(e), json);
    assertEquals("", back.requestId());
    assertEquals("", back.keyId());
    assertEquals("", back.backend());
  }

  @Test
  void aLineOfAnEarlierVersionReadsAsAnAnsweredRequest() throws IOException {
    String old = "{\"event_id\":\"e1\",\"request_id\":\"r1\",\"at\":\"2026-01-02T03:04:05.678Z\",\"key_id\":\"k\","
        + "\"tenant\":\"t\",\"model\":\"m\",\"backend\":\"b\",\"prompt_tokens\":3,\"completion_tokens\":4,\"cost_usd\":1.5E-5,"
        + "\"cache\":\"miss\",\"stream\":false,\"status\":200,\"latency_ms\":9,\"attempts\":1}";
    UsageEvent back = JournaledLedger.parse(old.getBytes(StandardCharsets.UTF_8), json);
    assertEquals(UsageEvent.REQUEST, back.kind());
    assertEquals(0, back.cachedTokens());
    assertEquals(1.5e-5, back.costUsd());
    assertEquals(Instant.parse("2026-01-02T03:04:05.678Z"), back.at());
  }

  @Test
  void aLineWithoutAnIdOrTimeIsRefused() {
    assertThrows(IOException.class, () -> JournaledLedger.parse("{\"request_id\":\"r\"}".getBytes(StandardCharsets.UTF_8), json));
    assertThrows(IOException.class, () -> JournaledLedger.parse("[1,2]".getBytes(StandardCharsets.UTF_8), json));
    assertThrows(IOException.class, () -> JournaledLedger.parse("{\"event_id\":".getBytes(StandardCharsets.UTF_8), json));
  }
}
