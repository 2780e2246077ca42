package io.ragway.guard;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.EnumSet;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.condition.DisabledIf;
import org.junit.jupiter.api.condition.EnabledIf;

/**
 * Person names and locations: found by the named-entity model in a build with the ner profile
 * ({@code RAGWAY_NER=on ./test}, as CI runs it), refused with a clear message in one without.
 */
class NamedEntitiesTest {

  static boolean hasModel() {
    return NamedEntities.available();
  }

  private static List<String> found(String text, Set<PiiType> types) {
    return PiiDetector.of(types).find(text).stream().map(s -> s.type() + "=" + s.value()).toList();
  }

  @Test
  @EnabledIf("hasModel")
  void findsPeopleAndPlacesAtTheirOffsets() {
    String text = "Contact Dr. Ahmed Khan in Paris, France, or ask Maria Garcia.";
    assertEquals(List.of("PERSON=Ahmed Khan", "LOCATION=Paris", "LOCATION=France", "PERSON=Maria Garcia"),
        found(text, EnumSet.allOf(PiiType.class)));
    for (PiiSpan s : PiiDetector.all().find(text)) {
      assertEquals(s.value(), text.substring(s.start(), s.end()));
    }
  }

  @Test
  @EnabledIf("hasModel")
  void looksOnlyForTheTypesAskedAndLetsPatternsClaimTheirCharactersFirst() {
    assertEquals(List.of("PERSON=John Smith"), found("John Smith lives in Berlin.", EnumSet.of(PiiType.PERSON)));
    assertEquals(List.of("LOCATION=Berlin"), found("John Smith lives in Berlin.", EnumSet.of(PiiType.LOCATION)));
    List<String> both = found("Write to john.smith@example.com, John.", EnumSet.allOf(PiiType.class));
    assertTrue(both.contains("EMAIL_ADDRESS=john.smith@example.com"), both.toString());
    assertFalse(both.stream().anyMatch(s -> s.contains("john.smith") && !s.startsWith("EMAIL")), both.toString());
    assertEquals(List.of(), found("The results were significant at p < 0.05.", EnumSet.allOf(PiiType.class)));
  }

  @Test
  @EnabledIf("hasModel")
  void redactsNamesThroughTheGuardsPolicy() {
    GuardPolicy policy = new GuardPolicy("names-1", GuardPolicy.Action.BLOCK, 0.5, InjectionDetector.Vectors.NEVER,
        PiiMode.REDACT, EnumSet.of(PiiType.PERSON, PiiType.LOCATION), PiiMode.OFF, List.of(),
        GuardPolicy.JsonMode.BLOCK, GuardPolicy.Passages.DROP, GuardPolicy.Grounding.OFF, 0.5);
    assertEquals("Book a table for [PERSON] in [LOCATION].",
        PiiRedactor.apply("Book a table for Jane Austen in London.",
            PiiDetector.of(policy.piiTypes()).find("Book a table for Jane Austen in London."), PiiMode.REDACT,
            new Pseudonyms()));
  }

  @Test
  @DisabledIf("hasModel")
  void aBuildWithoutTheModelSaysHowToGetIt() {
    assertEquals(PiiType.patterns(), PiiType.available());
    IllegalStateException e = assertThrows(IllegalStateException.class, () -> PiiDetector.of(EnumSet.of(PiiType.PERSON)));
    assertTrue(e.getMessage().contains("RAGWAY_NER=on"), e.getMessage());
    IllegalArgumentException p = assertThrows(IllegalArgumentException.class, () -> new GuardPolicy("names-1",
        GuardPolicy.Action.BLOCK, 0.5, InjectionDetector.Vectors.NEVER, PiiMode.REDACT, EnumSet.of(PiiType.LOCATION),
        PiiMode.OFF, List.of(), GuardPolicy.JsonMode.BLOCK, GuardPolicy.Passages.DROP, GuardPolicy.Grounding.OFF, 0.5));
    assertTrue(p.getMessage().contains("ner profile"), p.getMessage());
  }

  @Test
  void aClassPathWithoutTheModelHasNoNames() {
    assertFalse(NamedEntities.available(new java.net.URLClassLoader(new java.net.URL[0], null)));
    assertTrue(NamedEntities.MISSING.contains("RAGWAY_NER=on") && NamedEntities.MISSING.contains("GPL-3.0"));
  }

  @Test
  void aPolicyThatLooksForNoPiiMayNameAnyType() {
    GuardPolicy off = new GuardPolicy("names-1", GuardPolicy.Action.BLOCK, 0.5, InjectionDetector.Vectors.NEVER,
        PiiMode.OFF, EnumSet.allOf(PiiType.class), PiiMode.OFF, List.of(), GuardPolicy.JsonMode.BLOCK,
        GuardPolicy.Passages.DROP, GuardPolicy.Grounding.OFF, 0.5);
    assertEquals(EnumSet.allOf(PiiType.class), off.piiTypes());
    assertEquals(PiiType.patterns(), GuardPolicy.defaults().piiTypes());
  }
}
