package io.ragway.agent;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.ragway.config.ConfigException;
import io.ragway.config.ConfigLoader;
import io.ragway.config.RagwayConfig;
import java.time.Clock;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class ToolRegistryTest {

  private static final ObjectMapper JSON = new ObjectMapper();
  private final ToolRegistry registry = new ToolRegistry(List.of(new Calculator(),
      new CurrentTime(Clock.fixed(Instant.parse("2026-03-01T12:00:00Z"), ZoneOffset.UTC))));

  private String invalid(String tool, String args) {
    return assertThrows(ToolRegistry.InvalidArguments.class, () -> registry.arguments(tool, args)).getMessage();
  }

  @Test
  void listsToolsAsOpenAiFunctions() {
    JsonNode defs = registry.definitions();
    assertEquals("function", defs.get(0).get("type").asText());
    assertEquals("calculator", defs.get(0).at("/function/name").asText());
    assertEquals("object", defs.get(0).at("/function/parameters/type").asText());
    assertEquals("current_time", defs.get(1).at("/function/name").asText());
  }

  @Test
  void checksArgumentsAgainstTheSchema() throws Exception {
    assertEquals("2*3", registry.arguments("calculator", "{\"expression\":\"2*3\"}").get("expression").asText());
    assertTrue(invalid("calculator", "{\"expression\": 5}").contains("do not fit"), "a number for a string");
    assertTrue(invalid("calculator", "{}").contains("expression"), "a required argument missing");
    assertTrue(invalid("calculator", "{\"expression\":\"1\",\"extra\":1}").contains("extra"));
    assertTrue(invalid("calculator", "{\"expression\": \"1\"").contains("not valid JSON"));
    assertTrue(invalid("calculator", "[1]").contains("must be a JSON object"));
    assertTrue(invalid("calculator", "{\"expression\":\"1\"} trailing").contains("not valid JSON"));
    assertEquals(0, registry.arguments("current_time", "").size(), "no arguments is an empty object");
  }

  @Test
  void refusesTwoToolsOfOneName() {
    assertThrows(IllegalArgumentException.class, () -> new ToolRegistry(List.of(new Calculator(), new Calculator())));
  }

  @Test
  void calculatorAndClockAnswer() throws Exception {
    Tool.Scope scope = new Tool.Scope("r", io.ragway.index.Reader.member("t", List.of()), s -> s);
    assertEquals("6", new Calculator().call(JSON.readTree("{\"expression\":\"2*3\"}"), scope));
    ToolFailure f = assertThrows(ToolFailure.class, () -> new Calculator().call(JSON.readTree("{\"expression\":\"1/0\"}"), scope));
    assertTrue(f.getMessage().contains("division by zero"));
    Clock clock = Clock.fixed(Instant.parse("2026-03-01T12:00:00Z"), ZoneOffset.UTC);
    assertTrue(new CurrentTime(clock).call(JSON.readTree("{\"timezone\":\"Europe/Paris\"}"), scope)
        .startsWith("2026-03-01T13:00:00+01:00 (SUNDAY"));
    assertThrows(ToolFailure.class, () -> new CurrentTime(clock).call(JSON.readTree("{\"timezone\":\"Mars/Base\"}"), scope));
  }

  private static String configError(String yaml) {
    return assertThrows(ConfigException.class, () -> ConfigLoader.parse(yaml, "ragway.yaml", Map.<String, String>of()::get))
        .getMessage();
  }

  @Test
  void loadsToolsFromConfigWithEnvHeaders() {
    RagwayConfig c = ConfigLoader.parse("""
        models: [{name: main, base_url: "http://127.0.0.1:1/v1"}]
        agent:
          model: main
          max_steps: 4
          tools:
            - name: weather
              description: The weather in a city
              url: http://127.0.0.1:9/weather
              method: get
              headers: {Authorization: "Bearer ${TOKEN}"}
              parameters: {type: object, properties: {city: {type: string}}, required: [city]}
        """, "ragway.yaml", Map.of("TOKEN", "s3cret")::get);
    assertEquals("main", c.agent().model());
    assertEquals(4, c.agent().maxSteps());
    assertEquals(16, c.agent().maxToolCalls(), "unset keys keep their defaults");
    AgentConfig.Tool t = c.agent().tools().get(0);
    assertEquals("GET", t.method());
    assertEquals("Bearer s3cret", t.headers().get("Authorization"));
    assertEquals("city", t.parameters().at("/required/0").asText());
  }

  @Test
  void refusesBadToolsAtLoad() {
    String tool = "agent: {tools: [{name: %s, url: \"http://127.0.0.1:9/x\", parameters: %s}]}";
    assertTrue(configError(tool.formatted("calculator", "{type: object}")).contains("built-in"));
    assertTrue(configError("agent: {tools: [{name: a, url: \"http://h/x\"}, {name: a, url: \"http://h/y\"}]}")
        .contains("two tools are named 'a'"));
    assertTrue(configError(tool.formatted("t", "{type: object, properties: {n: {type: 7}}}")).contains("not a valid JSON Schema"));
    assertTrue(configError(tool.formatted("t", "{type: string}")).contains("\"type\": \"object\""));
    assertTrue(configError("agent: {tools: [{name: t, url: \"ftp://h/x\"}]}").contains("http or https"));
    assertTrue(configError("agent: {tools: [{name: \"bad name\", url: \"http://h/x\"}]}").contains("tool name"));
    assertTrue(configError("agent: {model: nope}").contains("agent.model 'nope'"));
    assertTrue(configError("agent: {max_steps: 0}").contains("max_steps"));
  }
}
