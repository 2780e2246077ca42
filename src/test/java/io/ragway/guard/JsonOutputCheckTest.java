package io.ragway.guard;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.ObjectMapper;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.Test;

class JsonOutputCheckTest {

  private static final ObjectMapper JSON = new ObjectMapper();
  private static final String PERSON = """
      {"type": "json_schema", "json_schema": {"name": "person", "strict": true, "schema": {
        "type": "object",
        "properties": {"name": {"type": "string"}, "age": {"type": "integer"}},
        "required": ["name", "age"],
        "additionalProperties": false}}}""";

  private static JsonOutputCheck format(String responseFormat) throws Exception {
    return JsonOutputCheck.of(JSON.readTree(responseFormat)).orElseThrow();
  }

  private static JsonOutputCheck jsonObject() throws Exception {
    return format("{\"type\": \"json_object\"}");
  }

  private static InvalidResponseFormat refused(String responseFormat) {
    return assertThrows(InvalidResponseFormat.class, () -> JsonOutputCheck.of(JSON.readTree(responseFormat)));
  }

  @Test
  void textOrNoResponseFormatAsksForNoCheck() throws Exception {
    assertTrue(JsonOutputCheck.of(null).isEmpty());
    assertTrue(JsonOutputCheck.of(JSON.readTree("null")).isEmpty());
    assertTrue(JsonOutputCheck.of(JSON.readTree("{\"type\": \"text\"}")).isEmpty());
  }

  @Test
  void aJsonObjectPasses() throws Exception {
    assertEquals(Optional.empty(), jsonObject().check(" {\"answer\": [1, 2, {\"x\": null}], \"ok\": true}\n"));
  }

  @Test
  void proseIsNotJson() throws Exception {
    JsonOutputCheck.Violation v = jsonObject().check("Sure! Here is the JSON: {\"a\": 1}").orElseThrow();
    assertTrue(v.message().contains("not valid JSON (line 1, column 1)"), v.message());
    assertEquals("syntax error at line 1, column 1", v.detail());
  }

  @Test
  void aFencedJsonBlockIsNotJson() throws Exception {
    assertTrue(jsonObject().check("```json\n{\"a\": 1}\n```").isPresent());
  }

  @Test
  void anArrayIsNotTheObjectAskedFor() throws Exception {
    JsonOutputCheck.Violation v = jsonObject().check("[{\"a\": 1}]").orElseThrow();
    assertTrue(v.message().contains("a JSON array, not a JSON object"), v.message());
    assertEquals("root is a JSON array", v.detail());
  }

  @Test
  void textAfterTheObjectAndACutObjectAreViolations() throws Exception {
    assertEquals("trailing text at line 1, column 10", jsonObject().check("{\"a\": 1} {\"b\": 2}").orElseThrow().detail());
    assertTrue(jsonObject().check("{\"a\": 1} and that is all").isPresent());
    assertEquals("incomplete", jsonObject().check("{\"a\": [1, 2").orElseThrow().detail());
    assertEquals("empty", jsonObject().check("  ").orElseThrow().detail());
  }

  @Test
  void anAnswerMatchingTheSchemaPasses() throws Exception {
    assertEquals(Optional.empty(), format(PERSON).check("{\"name\": \"Ada\", \"age\": 36}"));
  }

  @Test
  void aWrongTypeIsNamedWithItsPath() throws Exception {
    JsonOutputCheck.Violation v = format(PERSON).check("{\"name\": \"Ada\", \"age\": \"36\"}").orElseThrow();
    assertEquals("The answer is not the JSON that response_format json_schema 'person' asks for: "
        + "$.age: string found, integer expected.", v.message());
    assertEquals("schema: 1 violation (type)", v.detail());
  }

  @Test
  void aMissingRequiredPropertyIsAViolation() throws Exception {
    JsonOutputCheck.Violation v = format(PERSON).check("{\"name\": \"Ada\"}").orElseThrow();
    assertTrue(v.message().contains("required property 'age' not found"), v.message());
    assertEquals("schema: 1 violation (required)", v.detail());
  }

  @Test
  void anExtraPropertyIsAViolationWhenTheSchemaForbidsThem() throws Exception {
    JsonOutputCheck.Violation v = format(PERSON).check("{\"name\": \"Ada\", \"age\": 36, \"email\": \"a@b.c\"}").orElseThrow();
    assertTrue(v.message().contains("property 'email' is not defined"), v.message());
    assertEquals("schema: 1 violation (additionalProperties)", v.detail());
  }

  @Test
  void theDetailNeverHoldsTheAnswersText() throws Exception {
    String secret = "jane.doe@example.com";
    List<String> answers = List.of("Dear " + secret, "{\"name\": \"" + secret + "\"}", "{\"name\": 1, \"" + secret + "\": 2}",
        "[\"" + secret + "\"]", "{\"name\": \"Ada\", \"age\": 36} " + secret);
    for (String answer : answers) {
      JsonOutputCheck.Violation v = format(PERSON).check(answer).orElseThrow();
      assertFalse(v.detail().contains("jane"), v.detail());
    }
  }

  @Test
  void manyViolationsAreCountedBeyondTheFirstFew() throws Exception {
    JsonOutputCheck.Violation v = format(PERSON).check("{\"name\": 1, \"age\": \"x\", \"a\": 1, \"b\": 2, \"c\": 3}").orElseThrow();
    assertTrue(v.message().endsWith("(and 2 more)."), v.message());
    assertEquals("schema: 5 violations (additionalProperties, type)", v.detail());
  }

  @Test
  void aSchemaThatAllowsAnArrayAcceptsOne() throws Exception {
    JsonOutputCheck check = format("""
        {"type": "json_schema", "json_schema": {"name": "list", "schema": {"type": "array", "items": {"type": "integer"}}}}""");
    assertEquals(Optional.empty(), check.check("[1, 2, 3]"));
    assertEquals("schema: 1 violation (type)", check.check("[1, \"2\"]").orElseThrow().detail());
  }

  @Test
  void malformedResponseFormatsAreRefusedNamingTheParameter() {
    assertEquals("response_format", refused("{\"type\": \"xml\"}").param());
    assertEquals("response_format", refused("{\"type\": \"json_schema\"}").param());
    assertEquals("response_format", refused("{\"type\": \"json_schema\", \"json_schema\": {\"name\": \"x\"}}").param());
    assertEquals("response_format", refused("\"json\"").param());
    assertEquals("response_format", refused("{}").param());
    assertTrue(refused("{\"type\": \"xml\"}").getMessage().contains("'text', 'json_object' and 'json_schema'"));
  }

  @Test
  void anInvalidSchemaIsRefusedWithWhatIsWrong() {
    InvalidResponseFormat e = refused("""
        {"type": "json_schema", "json_schema": {"name": "p", "schema": {"type": "objekt"}}}""");
    assertEquals("response_format.json_schema.schema", e.param());
    assertTrue(e.getMessage().startsWith("Invalid schema for response_format json_schema 'p': $.type: "), e.getMessage());

    for (String schema : List.of("{\"type\": \"object\", \"required\": \"name\"}", "{\"minLength\": -1}",
        "{\"$ref\": \"#/$defs/missing\"}", "{\"properties\": {\"a\": {\"pattern\": \"([\"}}}", "[1]",
        "{\"$schema\": \"https://example.com/my-dialect\"}")) {
      assertEquals("response_format.json_schema.schema",
          refused("{\"type\": \"json_schema\", \"json_schema\": {\"name\": \"p\", \"schema\": " + schema + "}}").param(), schema);
    }
  }

  @Test
  void aSchemaCannotMakeTheServerFetchAUrl() {
    InvalidResponseFormat e = refused("""
        {"type": "json_schema", "json_schema": {"name": "p", "schema": {"$ref": "http://127.0.0.1:9/evil.json"}}}""");
    assertEquals("response_format.json_schema.schema", e.param());
    assertTrue(e.getMessage().contains("not allowed to be loaded"), e.getMessage());
  }

  @Test
  void aSchemaOfAnEarlierDraftIsReadInItsOwnDialect() throws Exception {
    JsonOutputCheck check = format("""
        {"type": "json_schema", "json_schema": {"name": "pair", "schema": {"$schema": "http://json-schema.org/draft-07/schema#",
          "type": "array", "items": [{"type": "string"}, {"type": "integer"}]}}}""");
    assertEquals(Optional.empty(), check.check("[\"a\", 1]"));
    assertTrue(check.check("[1, \"a\"]").isPresent());
  }

  @Test
  void aStreamOfProseIsStoppedAtItsFirstPiece() throws Exception {
    JsonOutputCheck.Stream s = jsonObject().stream();
    assertTrue(s.accept("Sure! ").isPresent());
    assertTrue(s.accept("{\"a\": 1}").isPresent(), "a violation stays");
  }

  @Test
  void aStreamOfAnArrayIsStoppedAtItsFirstCharacter() throws Exception {
    assertEquals("root is a JSON array", jsonObject().stream().accept("[").orElseThrow().detail());
  }

  @Test
  void aStreamOfValidJsonPassesWhicheverWayItIsCut() throws Exception {
    String answer = "{\"name\": \"Ad\u00e9la \u2603\", \"age\": 36}";
    for (int size = 1; size <= answer.length(); size++) {
      JsonOutputCheck.Stream s = format(PERSON).stream();
      List<Optional<JsonOutputCheck.Violation>> seen = new ArrayList<>();
      for (int i = 0; i < answer.length(); i += size) {
        seen.add(s.accept(answer.substring(i, Math.min(answer.length(), i + size))));
      }
      seen.add(s.finish());
      assertTrue(seen.stream().allMatch(Optional::isEmpty), "pieces of " + size + ": " + seen);
    }
  }

  @Test
  void aStreamThatBreaksItsSchemaIsCaughtOnlyAtTheEnd() throws Exception {
    JsonOutputCheck.Stream s = format(PERSON).stream();
    assertTrue(s.accept("{\"name\": \"Ada\", ").isEmpty());
    assertTrue(s.accept("\"age\": \"thirty-six\"}").isEmpty(), "the schema is judged on the whole answer");
    assertEquals("schema: 1 violation (type)", s.finish().orElseThrow().detail());
  }

  @Test
  void aStreamCutShortIsIncomplete() throws Exception {
    JsonOutputCheck.Stream s = jsonObject().stream();
    assertTrue(s.accept("{\"a\": [1, 2").isEmpty());
    assertEquals("incomplete", s.finish().orElseThrow().detail());
  }

  @Test
  void theGuardLogsAViolationAndBlocksOrFlagsItAsThePolicySays() throws Exception {
    List<GuardDecision> logged = new ArrayList<>();
    GuardPolicy block = new GuardPolicy("v-1", GuardPolicy.Action.BLOCK, 0.5, InjectionDetector.Vectors.NEVER, PiiMode.OFF,
        PiiType.patterns(), PiiMode.OFF, List.of(), GuardPolicy.JsonMode.BLOCK, GuardPolicy.Passages.DROP,
        GuardPolicy.Grounding.OFF, 0.5);
    GuardPolicy flag = new GuardPolicy("v-2", GuardPolicy.Action.BLOCK, 0.5, InjectionDetector.Vectors.NEVER, PiiMode.OFF,
        PiiType.patterns(), PiiMode.OFF, List.of(), GuardPolicy.JsonMode.FLAG, GuardPolicy.Passages.DROP,
        GuardPolicy.Grounding.OFF, 0.5);
    GuardPolicy off = new GuardPolicy("v-3", GuardPolicy.Action.BLOCK, 0.5, InjectionDetector.Vectors.NEVER, PiiMode.OFF,
        PiiType.patterns(), PiiMode.OFF, List.of(), GuardPolicy.JsonMode.OFF, GuardPolicy.Passages.DROP,
        GuardPolicy.Grounding.OFF, 0.5);
    Guard guard = new Guard(InjectionDetector.bundled(Optional.empty()), block, Map.of("lenient", flag, "free", off),
        (id, d) -> logged.add(d));
    JsonOutputCheck.Violation v = jsonObject().check("Sure!").orElseThrow();

    InvalidJsonOutput e = assertThrows(InvalidJsonOutput.class, () -> guard.rejectJson("r1", "default", v));
    assertEquals(v.message(), e.getMessage());
    GuardDecision flagged = guard.rejectJson("r2", "lenient", v);
    assertEquals("flag", flagged.action());
    assertEquals(List.of(new GuardDecision("default", "json_output", "block", 1, v.detail(), "v-1"), flagged), logged);
    assertEquals("v-2", flagged.policyVersion());

    assertTrue(guard.checksJson("default"));
    assertFalse(guard.checksJson("free"));
    assertFalse(Guard.off().checksJson("default"), "a disabled guard checks nothing");
  }

  @Test
  void aFlaggedStreamIsLoggedOnceAndABlockedOneThrowsAtTheFirstPieceThatShowsIt() throws Exception {
    List<GuardDecision> logged = new ArrayList<>();
    GuardPolicy flag = new GuardPolicy("v-2", GuardPolicy.Action.BLOCK, 0.5, InjectionDetector.Vectors.NEVER, PiiMode.OFF,
        PiiType.patterns(), PiiMode.OFF, List.of(), GuardPolicy.JsonMode.FLAG, GuardPolicy.Passages.DROP,
        GuardPolicy.Grounding.OFF, 0.5);
    Guard guard = new Guard(InjectionDetector.bundled(Optional.empty()), GuardPolicy.defaults(), Map.of("lenient", flag),
        (id, d) -> logged.add(d));

    JsonStreamCheck flagged = guard.jsonStream("r1", "lenient", jsonObject());
    for (String piece : "Sure! Here is what you asked for.".split(" ")) {
      flagged.accept(0, piece + " ");
    }
    flagged.finish();
    assertEquals(1, logged.size(), logged.toString());
    assertEquals(logged, flagged.flags());

    JsonStreamCheck blocked = guard.jsonStream("r2", "default", jsonObject());
    blocked.accept(0, "{\"a\": ");
    blocked.accept(1, "{\"b\": 2}");
    assertThrows(InvalidJsonOutput.class, () -> blocked.accept(0, "oops"));

    JsonStreamCheck silent = guard.jsonStream("r3", "default", jsonObject());
    assertEquals("empty", assertThrows(InvalidJsonOutput.class, silent::finish).decision().detail(),
        "a stream with no content at all is not the JSON asked for");
  }
}
