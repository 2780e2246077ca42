package io.ragway.feedback;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import io.ragway.eval.AnswerDataset;
import io.ragway.index.Chunk;
import io.ragway.index.Index;
import io.ragway.index.IndexConfig;
import io.ragway.index.Indexes;
import io.ragway.retrieve.Retrieval;
import io.ragway.store.AnswerRecords;
import io.ragway.store.Database;
import io.ragway.testkit.FeedbackRecords;
import io.ragway.testkit.HashingEmbedder;
import java.io.IOException;
import java.io.Writer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Exports of a small SQLite records database, read back by readers of each format. */
class FeedbackExportTest {

  @TempDir Path dir;
  private Database db;
  private AnswerRecords records;
  private final Instant t0 = Instant.parse("2026-12-01T10:00:00Z");

  @BeforeEach
  void fill() throws Exception {
    db = Database.open("", "", "", 2, dir);
    records = AnswerRecords.sql(db, new AnswerRecords.Config(true, Map.of("quiet", false), 0),
        s -> s.replace("ann@example.com", "[EMAIL_ADDRESS]"), Clock.fixed(t0, ZoneOffset.UTC), 100);
    FeedbackRecords.fill(records, t0);
  }

  @AfterEach
  void close() {
    records.close();
    db.close();
  }

  private FeedbackExport.Summary export(FeedbackExport.Format format, int minRating, int maxTokens, Path out) throws IOException {
    try (Writer w = Files.newBufferedWriter(out, StandardCharsets.UTF_8)) {
      return FeedbackExport.write(records.rated("acme", Instant.EPOCH),
          new FeedbackExport.Options(format, minRating, maxTokens, Optional.of("Answer from the team's documents.")), w);
    }
  }

  @Test
  void evalRowsAreCorrectedAnswersThatEvalAnswersScoresAsTheyAre() throws Exception {
    Path out = dir.resolve("eval.jsonl");
    FeedbackExport.Summary s = export(FeedbackExport.Format.EVAL, 1, 16_385, out);
    assertEquals(2, s.written(), s.toString());
    assertEquals(Map.of("no correction", 3), s.skipped());
    AnswerDataset data = AnswerDataset.read(out, false, 0);
    assertEquals(2, data.reading().recorded(), "every row is read as a recorded answer with its ground truth");
    AnswerDataset.AnswerRow first = data.rows().getFirst();
    assertEquals("When was the lighthouse built?", first.question());
    assertEquals(Optional.of("It was built in 1870."), first.recordedAnswer());
    assertEquals("It was built in 1872.", first.reference());
    JsonNode line = new com.fasterxml.jackson.databind.ObjectMapper().readTree(Files.readAllLines(out).getFirst());
    assertEquals(1, line.get("rating").asInt(), "down is 1");
    assertFalse(line.has("contexts"), "without an index, no contexts are written");
    assertFalse(Files.readString(out).contains("globex"), "never another tenant's data");
  }

  @Test
  void evalRowsCarryTheTextsOfTheChunksTheAnswerWasGivenBestFirstAndCountWhatIsGone() throws Exception {
    HashingEmbedder embedder = new HashingEmbedder();
    try (Index index = Indexes.openLucene(dir.resolve("index"), embedder.id(), embedder.dimension(), IndexConfig.defaults())) {
      List<Chunk> chunks = List.of(chunk("c1", "acme", "The lighthouse was built in 1872."),
          chunk("c2", "acme", "It stands on the north cape."), chunk("c3", "acme", "It was painted red in 1990."),
          chunk("g1", "globex", "The globex secret is green."));
      index.add(chunks, embedder.embedDocuments(chunks.stream().map(Chunk::text).toList()));
      index.commit();
      String retrieval = "{\"mode\":\"hybrid\",\"k\":5,\"retrieved\":["
          + ref("c1", 2, "The lighthouse was built in 1872.") + "," + ref("c2", 1, "It stands on the north cape.") + ","
          + ref("gone", 3, "x") + "," + ref("c3", 4, "It was painted blue once.") + "," + ref("g1", 5, "The globex secret is green.")
          + "],\"chunks\":[{\"id\":\"c1\",\"score\":0.5,\"rank\":1}]}";
      AnswerRecords.Answer a = FeedbackRecords.answer("a9", "acme", t0.plusSeconds(9), "Where is the lighthouse?", "North.");
      records.record(new AnswerRecords.Answer(a.id(), a.requestId(), a.at(), a.tenant(), a.keyId(), a.model(), a.backend(),
          a.upstreamModel(), a.systemFingerprint(), a.cache(), a.stream(), a.parameters(), a.guardPolicy(), a.guard(),
          a.rollout(), retrieval, a.indexGeneration(), a.embeddingModel(), a.latencyMs(), a.stages(), a.question(), a.answer()));
      assertTrue(records.awaitWritten(java.time.Duration.ofSeconds(10)));
      records.rate("acme", "k1", "a9", FeedbackRecords.rating("down", "On the north cape."));
      Path out = dir.resolve("eval.jsonl");
      FeedbackExport.Summary s;
      try (Writer w = Files.newBufferedWriter(out, StandardCharsets.UTF_8)) {
        s = FeedbackExport.write(records.rated("acme", Instant.EPOCH),
            new FeedbackExport.Options(FeedbackExport.Format.EVAL, 1, 16_385, Optional.empty()), Optional.of(index), w);
      }
      assertEquals(3, s.written(), s.toString());
      assertEquals(Map.of("no retrieved chunks recorded (an upstream model's answer)", 2, "contexts no longer in the index", 2,
          "contexts whose text changed since the answer", 1), s.partial(), "globex's chunk is not acme's: it is not there");
      AnswerDataset.AnswerRow row = AnswerDataset.read(out, false, 0).rows().stream()
          .filter(r -> r.id().equals("chatcmpl-a9")).findFirst().orElseThrow();
      assertEquals(List.of("It stands on the north cape.", "The lighthouse was built in 1872."), row.contexts(),
          "in rank order, the changed and the missing left out");
      List<String> keys = new java.util.ArrayList<>();
      new com.fasterxml.jackson.databind.ObjectMapper().readTree(Files.readAllLines(out).getLast()).fieldNames()
          .forEachRemaining(keys::add);
      assertEquals(List.of("id", "question", "answer", "contexts", "ground_truth", "rating", "model"), keys);
    }
  }

  private static Chunk chunk(String id, String tenant, String text) {
    return new Chunk(id, "doc.md", "Doc", List.of(), text, 0, text.length(), 0, "", tenant, List.of(), List.of());
  }

  private static String ref(String id, int rank, String text) {
    return "{\"id\":\"" + id + "\",\"score\":0.5,\"rank\":" + rank + ",\"text_sha\":\"" + Retrieval.textHash(text) + "\"}";
  }

  @Test
  void openAiChatRowsAreWellRatedAnswersThatFollowOpenAisRules() throws Exception {
    Path out = dir.resolve("chat.jsonl");
    FeedbackExport.Summary s = export(FeedbackExport.Format.OPENAI_CHAT, 4, 16_385, out);
    List<JsonNode> rows = OpenAiFineTuningFile.readChat(out, 16_385);
    assertEquals(1, rows.size());
    assertEquals(1, s.written());
    assertEquals(Map.of("rated below 4", 3, "empty assistant message", 1), s.skipped());
    JsonNode m = rows.getFirst().get("messages");
    assertEquals("system", m.get(0).get("role").asText());
    assertEquals("Where is the lighthouse? Ask [EMAIL_ADDRESS].", m.get(1).get("content").asText(), "redacted as stored");
    assertEquals("On the north cape.", m.get(2).get("content").asText());
  }

  @Test
  void examplesOverTheTokenLimitAreSkippedAndCounted() throws Exception {
    Path out = dir.resolve("chat.jsonl");
    FeedbackExport.Summary s = export(FeedbackExport.Format.OPENAI_CHAT, 4, 20, out);
    assertEquals(0, s.written());
    assertEquals(1, s.skipped().get("over 20 tokens"));
    assertEquals(List.of(), OpenAiFineTuningFile.readChat(out, 20));
  }

  @Test
  void dpoRowsPreferTheCorrectionInOpenAisPreferenceLayout() throws Exception {
    Path out = dir.resolve("dpo.jsonl");
    FeedbackExport.Summary s = export(FeedbackExport.Format.DPO, 1, 16_385, out);
    List<JsonNode> rows = OpenAiFineTuningFile.readPreference(out, 16_385);
    assertEquals(2, rows.size());
    assertEquals(2, s.written());
    assertEquals(Map.of("no correction", 3), s.skipped());
    JsonNode r = rows.getFirst();
    assertEquals("When was the lighthouse built?", r.get("input").get("messages").get(1).get("content").asText());
    assertEquals("It was built in 1872.", r.get("preferred_output").get(0).get("content").asText());
    assertEquals("It was built in 1870.", r.get("non_preferred_output").get(0).get("content").asText());
  }

  @Test
  void onlyTheTenantsOwnAnswersWithConsentedContentAreExported() throws Exception {
    assertEquals(List.of("acme", "globex"), records.ratedTenants(), "quiet kept no content: nothing to export");
    assertTrue(records.rated("quiet", Instant.EPOCH).isEmpty());
    Path out = dir.resolve("globex.jsonl");
    try (Writer w = Files.newBufferedWriter(out, StandardCharsets.UTF_8)) {
      FeedbackExport.write(records.rated("globex", Instant.EPOCH),
          new FeedbackExport.Options(FeedbackExport.Format.DPO, 1, 16_385, Optional.empty()), w);
    }
    String text = Files.readString(out);
    assertTrue(text.contains("globex secret"), text);
    assertFalse(text.contains("lighthouse"), text);
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
        () -> FeedbackExport.tenant(records, Optional.empty()));
    assertTrue(e.getMessage().contains("--tenant"), e.getMessage());
  }

  @Test
  void ratingsOutsideOneToFiveAndUnknownFormatsAreRefused() {
    assertThrows(IllegalArgumentException.class, () -> FeedbackExport.Format.parse("csv"));
    assertThrows(IllegalArgumentException.class,
        () -> new FeedbackExport.Options(FeedbackExport.Format.EVAL, 0, 10, Optional.empty()));
    assertThrows(IllegalArgumentException.class,
        () -> new FeedbackExport.Options(FeedbackExport.Format.EVAL, 6, 10, Optional.empty()));
    assertEquals(5, FeedbackExport.score("up"));
    assertEquals(1, FeedbackExport.score("down"));
    assertEquals(3, FeedbackExport.score("3"));
  }

  @Test
  void theTestReaderRefusesRowsThatBreakOpenAisRules() throws Exception {
    for (String bad : List.of(
        "{\"messages\": [{\"role\": \"assistant\", \"content\": \"a\"}, {\"role\": \"user\", \"content\": \"q\"}]}",
        "{\"messages\": [{\"role\": \"user\", \"content\": \"q\"}, {\"role\": \"assistant\", \"content\": \"\"}]}",
        "{\"messages\": [{\"role\": \"user\", \"content\": \"q\"}]}",
        "{\"messages\": [{\"role\": \"bot\", \"content\": \"q\"}]}")) {
      Path f = Files.writeString(dir.resolve("bad.jsonl"), bad + "\n");
      assertThrows(IllegalArgumentException.class, () -> OpenAiFineTuningFile.readChat(f, 100), bad);
    }
    Path dpo = Files.writeString(dir.resolve("bad-dpo.jsonl"), "{\"input\": {\"messages\": [{\"role\": \"user\", "
        + "\"content\": \"q\"}]}, \"preferred_output\": [{\"role\": \"user\", \"content\": \"a\"}], "
        + "\"non_preferred_output\": [{\"role\": \"assistant\", \"content\": \"b\"}]}\n");
    assertThrows(IllegalArgumentException.class, () -> OpenAiFineTuningFile.readPreference(dpo, 100));
  }
}
