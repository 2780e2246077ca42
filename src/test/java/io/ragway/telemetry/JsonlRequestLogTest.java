package io.ragway.telemetry;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.ragway.guard.PiiDetector;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class JsonlRequestLogTest {

  private static final ObjectMapper JSON = new ObjectMapper();
  private static final Instant DAY1 = Instant.parse("2026-12-01T10:00:00Z");

  @TempDir
  Path dir;

  private static RequestLog.Entry entry(Instant time, String prompt, String answer) {
    return new RequestLog.Entry("req1", "4bf92f3577b34da6a3ce929d0e0e4736", time, "POST", "/v1/chat/completions",
        "acme", "key_7", "rag", "extractive", 200, 12.3456, Map.of("auth", 0.1, "generate", 9.87654), 42, 17, 0.00123,
        "miss", List.of("pii=redact"), true, "", Optional.ofNullable(prompt), Optional.ofNullable(answer));
  }

  private JsonlRequestLog log(RequestLog.Config config, Clock clock, int capacity) {
    return new JsonlRequestLog(dir, config, PiiDetector.all(), clock, capacity); // no writer thread: drain() writes
  }

  private List<JsonNode> lines(String file) throws Exception {
    return Files.readAllLines(dir.resolve(file)).stream().map(l -> {
      try {
        return JSON.readTree(l);
      } catch (Exception e) {
        throw new AssertionError(e);
      }
    }).toList();
  }

  @Test
  void writesOneLineWithEveryFieldAndNoContentByDefault() throws Exception {
    JsonlRequestLog log = log(RequestLog.Config.defaults(), Clock.fixed(DAY1, ZoneOffset.UTC), 16);
    log.append(entry(DAY1, "mail me at jane.doe@example.com", "sure"));
    log.drain();
    List<JsonNode> lines = lines("requests-2026-12-01.jsonl");
    assertEquals(1, lines.size());
    JsonNode l = lines.get(0);
    assertEquals("req1", l.get("request_id").asText());
    assertEquals("4bf92f3577b34da6a3ce929d0e0e4736", l.get("trace_id").asText());
    assertEquals("2026-12-01T10:00:00Z", l.get("time").asText());
    assertEquals("acme", l.get("tenant").asText());
    assertEquals("key_7", l.get("key_id").asText());
    assertEquals("rag", l.get("model").asText());
    assertEquals("extractive", l.get("backend").asText());
    assertEquals(200, l.get("status").asInt());
    assertEquals(12.346, l.get("duration_ms").asDouble());
    assertEquals(9.877, l.get("stages_ms").get("generate").asDouble());
    assertEquals(42, l.get("prompt_tokens").asLong());
    assertEquals(17, l.get("completion_tokens").asLong());
    assertEquals(0.00123, l.get("cost_usd").asDouble());
    assertEquals("miss", l.get("cache").asText());
    assertEquals("pii=redact", l.get("guard").get(0).asText());
    assertTrue(l.get("stream").asBoolean());
    assertTrue(l.get("error_code").isNull());
    assertFalse(l.has("prompt"));
    assertFalse(l.has("answer"));
    assertFalse(Files.readString(dir.resolve("requests-2026-12-01.jsonl")).contains("jane.doe"));
    log.close();
  }

  @Test
  void contentIsWrittenOnlyAfterPiiRedaction() throws Exception {
    JsonlRequestLog log = log(new RequestLog.Config(true, true, 14, 100), Clock.fixed(DAY1, ZoneOffset.UTC), 16);
    log.append(entry(DAY1, "mail me at jane.doe@example.com please", "The card is 4111 1111 1111 1111."));
    log.close();
    String text = Files.readString(dir.resolve("requests-2026-12-01.jsonl"));
    assertFalse(text.contains("jane.doe@example.com"), text);
    assertFalse(text.contains("4111 1111 1111 1111"), text);
    JsonNode l = lines("requests-2026-12-01.jsonl").get(0);
    assertEquals("mail me at [EMAIL_ADDRESS] please", l.get("prompt").asText());
    assertEquals("The card is [CREDIT_CARD].", l.get("answer").asText());
  }

  @Test
  void startsANewFileEachDayAndPastTheSizeLimit() throws Exception {
    JsonlRequestLog log = log(new RequestLog.Config(true, true, 14, 1), Clock.fixed(DAY1, ZoneOffset.UTC), 4096);
    String big = "x".repeat(300_000);
    for (int i = 0; i < 4; i++) {
      log.append(entry(DAY1, big, ""));
      log.drain();
    }
    log.append(entry(DAY1.plus(Duration.ofDays(1)), "", ""));
    log.close();
    assertEquals(3, lines("requests-2026-12-01.jsonl").size()); // 3 x 300 kB fit in 1 MB, the 4th does not
    assertEquals(1, lines("requests-2026-12-01.1.jsonl").size());
    assertEquals(1, lines("requests-2026-12-02.jsonl").size());
  }

  @Test
  void deletesFilesOlderThanTheRetention() throws Exception {
    Files.writeString(dir.resolve("requests-2026-11-20.jsonl"), "{}\n");
    Files.writeString(dir.resolve("requests-2026-11-20.1.jsonl"), "{}\n");
    Files.writeString(dir.resolve("requests-2026-11-25.jsonl"), "{}\n");
    Files.writeString(dir.resolve("notes.txt"), "mine\n");
    Instant now = Instant.parse("2026-11-28T08:00:00Z");
    JsonlRequestLog log = log(new RequestLog.Config(true, false, 7, 100), Clock.fixed(now, ZoneOffset.UTC), 16);
    log.append(entry(now, null, null));
    log.close();
    try (Stream<Path> files = Files.list(dir)) {
      assertEquals(List.of("notes.txt", "requests-2026-11-25.jsonl", "requests-2026-11-28.jsonl"),
          files.map(p -> p.getFileName().toString()).sorted().toList());
    }
  }

  @Test
  void aFullQueueDropsAndCountsWithoutBlocking() throws Exception {
    JsonlRequestLog log = log(RequestLog.Config.defaults(), Clock.fixed(DAY1, ZoneOffset.UTC), 2);
    long started = System.nanoTime();
    for (int i = 0; i < 1000; i++) {
      log.append(entry(DAY1, null, null)); // nobody drains: the queue stays full
    }
    assertTrue(System.nanoTime() - started < 1_000_000_000L, "append must never wait for the writer");
    assertEquals(998, log.dropped());
    log.drain();
    assertEquals(2, log.written());
    log.close();
  }

  @Test
  void theWriterThreadWritesWhatRequestsAppend() throws Exception {
    try (RequestLog log = RequestLog.jsonl(dir, RequestLog.Config.defaults(), PiiDetector.all(),
        Clock.fixed(DAY1, ZoneOffset.UTC))) {
      log.append(entry(DAY1, null, null));
    } // close writes what is queued
    assertEquals(1, lines("requests-2026-12-01.jsonl").size());
  }

  @Test
  void timesAreWrittenAsInstantToStringWritesThem() {
    java.util.SplittableRandom random = new java.util.SplittableRandom(5);
    for (int i = 0; i < 50_000; i++) {
      java.time.Instant t = java.time.Instant.ofEpochSecond(random.nextLong(-62_167_219_200L, 253_402_300_799L),
          switch (i % 4) {
            case 0 -> 0;
            case 1 -> random.nextInt(1000) * 1_000_000;
            case 2 -> random.nextInt(1_000_000) * 1000;
            default -> random.nextInt(1_000_000_000);
          });
      org.junit.jupiter.api.Assertions.assertEquals(t.toString(), JsonlRequestLog.time(t), t::toString);
    }
    java.time.Instant far = java.time.Instant.parse("+12026-01-01T00:00:00Z");
    org.junit.jupiter.api.Assertions.assertEquals(far.toString(), JsonlRequestLog.time(far));
  }
}
