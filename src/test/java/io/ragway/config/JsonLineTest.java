package io.ragway.config;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.nio.charset.StandardCharsets;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class JsonLineTest {

  private static final ObjectMapper JSON = new ObjectMapper();

  @Test
  void everyKindOfFieldReadsBackWithJackson() throws Exception {
    StringBuilder controls = new StringBuilder();
    for (char c = 0; c < 0x20; c++) {
      controls.append(c);
    }
    String awkward = "q\" b\\ " + controls + " é 漢字 😀 \u2028 </script>";
    Map<String, Double> stages = new LinkedHashMap<>();
    stages.put("auth", 0.012);
    stages.put("we\"ird", 1e-7);
    byte[] bytes = new JsonLine().text("a", awkward).text("nul", null).textOrNull("none", null).textOrNull("some", "x")
        .number("long", Long.MIN_VALUE).number("double", 0.000125).number("nan", Double.NaN)
        .number("inf", Double.POSITIVE_INFINITY).bool("yes", true).numbers("stages", stages)
        .texts("list", List.of("p=allow", awkward)).texts("empty", List.of()).end("\n");
    String text = new String(bytes, StandardCharsets.UTF_8);
    assertTrue(text.endsWith("}\n"), text);
    assertEquals(1, text.split("\n", -1).length - 1, "one line: " + text);
    JsonNode n = JSON.readTree(bytes);
    assertEquals(awkward, n.get("a").asText());
    assertEquals("", n.get("nul").asText());
    assertTrue(n.get("none").isNull());
    assertEquals("x", n.get("some").asText());
    assertEquals(Long.MIN_VALUE, n.get("long").asLong());
    assertEquals(0.000125, n.get("double").asDouble());
    assertTrue(n.get("nan").isNull());
    assertTrue(n.get("inf").isNull());
    assertTrue(n.get("yes").asBoolean());
    assertEquals(1e-7, n.get("stages").get("we\"ird").asDouble());
    assertEquals(awkward, n.get("list").get(1).asText());
    assertEquals(0, n.get("empty").size());
  }

  @Test
  void anEmptyObjectIsValid() throws Exception {
    assertEquals(0, JSON.readTree(new JsonLine().end("")).size());
  }
}
