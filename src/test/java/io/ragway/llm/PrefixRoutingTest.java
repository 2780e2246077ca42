package io.ragway.llm;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.ragway.config.ConfigException;
import io.ragway.config.ConfigLoader;
import io.ragway.config.RagwayConfig;
import io.ragway.testkit.FakeOpenAi;
import io.ragway.testkit.FakeOpenAi.Fault;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** The prefix strategy inside the router: real deployments, their circuit breakers, and its configuration. */
class PrefixRoutingTest {

  private static final ObjectMapper JSON = new ObjectMapper();
  private static final String SYSTEM = "Answer from the passages and cite them. ".repeat(5);

  private FakeOpenAi a;
  private FakeOpenAi b;

  @BeforeEach
  void start() throws Exception {
    a = new FakeOpenAi("a");
    b = new FakeOpenAi("b");
  }

  @AfterEach
  void stop() {
    a.close();
    b.close();
  }

  private Router router() {
    RoutingPolicy routing = new RoutingPolicy(RoutingPolicy.Strategy.PREFIX, 50, 4, 4, Duration.ofSeconds(30),
        Duration.ofMillis(200), Duration.ZERO, new RoutingPolicy.Prefix(64, 1000, 4));
    List<UpstreamConfig> deployments = List.of(a, b).stream().map(s -> new UpstreamConfig("m", s.baseUrl(), "", "up", 0,
        0, 0, List.of(), Duration.ofSeconds(2), Duration.ofSeconds(3), Duration.ofSeconds(5))).toList();
    return new Router(deployments, routing, new RetryPolicy(3, Duration.ZERO, Duration.ZERO, Duration.ZERO),
        new Random(5), d -> { }, Clock.systemUTC());
  }

  private static ObjectNode conversation(int session, int turns) {
    ObjectNode body = JSON.createObjectNode().put("model", "m");
    var messages = body.putArray("messages");
    messages.addObject().put("role", "system").put("content", SYSTEM);
    for (int t = 1; t <= turns; t++) {
      messages.addObject().put("role", "user").put("content", ("Passages of session " + session + ", turn " + t
          + ", retrieved for the question. ").repeat(6) + "Question?");
      if (t < turns) {
        messages.addObject().put("role", "assistant").put("content", "An answer.");
      }
    }
    return body;
  }

  private static String who(Router.Served s) {
    return s.response().get("choices").get(0).get("message").get("content").asText().split(" ")[0];
  }

  @Test
  void everyTurnOfAConversationGoesToTheSameDeployment() {
    Router r = router();
    for (int session = 0; session < 16; session++) {
      String first = who(r.complete("m", conversation(session, 1)));
      for (int turns = 2; turns <= 4; turns++) {
        assertEquals(first, who(r.complete("m", conversation(session, turns))), "session " + session);
      }
    }
    assertTrue(a.requests().size() > 0 && b.requests().size() > 0, "16 conversations on the ring use both (all on one: odds 2^-15)");
  }

  @Test
  void anOpenCircuitSendsTheConversationToTheOtherDeployment() {
    Router r = router();
    ObjectNode body = conversation(1, 1);
    String home = who(r.complete("m", body));
    FakeOpenAi homeServer = home.equals("a") ? a : b;
    for (int i = 0; i < 4; i++) {
      homeServer.next(Fault.status(503));
      assertNotEquals(home, who(r.complete("m", body)), "a failed attempt is retried on the other deployment");
    }
    assertTrue(r.health().stream().anyMatch(h -> h.circuit().equals("open")), r.health().toString());
    int before = homeServer.requests().size();
    Router.Served s = r.complete("m", conversation(1, 2));
    assertNotEquals(home, who(s));
    assertEquals(1, s.attempts(), "the open circuit is skipped, not tried");
    assertEquals(before, homeServer.requests().size());
  }

  @Test
  void readsItsSettingsFromTheGatewaySection() {
    RagwayConfig c = ConfigLoader.parse("gateway:\n  strategy: prefix\n  prefix:\n    block_chars: 128\n"
        + "    overload_slack: 2\n", "test.yaml", Map.<String, String>of()::get);
    RoutingPolicy p = c.gateway().toRoutingPolicy();
    assertEquals(RoutingPolicy.Strategy.PREFIX, p.strategy());
    assertEquals(new RoutingPolicy.Prefix(128, RoutingPolicy.Prefix.defaults().maxEntries(), 2), p.prefix());
    assertEquals(RoutingPolicy.Strategy.ROUND_ROBIN, ConfigLoader.parse("gateway: {strategy: round-robin}", "t",
        Map.<String, String>of()::get).gateway().toRoutingPolicy().strategy());
    ConfigException e = assertThrows(ConfigException.class, () -> ConfigLoader.parse(
        "gateway:\n  prefix: {block_chars: 4}\n", "test.yaml", Map.<String, String>of()::get));
    assertTrue(e.getMessage().contains("block_chars"), e.getMessage());
    e = assertThrows(ConfigException.class, () -> ConfigLoader.parse("gateway: {strategy: sticky}", "test.yaml",
        Map.<String, String>of()::get));
    assertTrue(e.getMessage().contains("prefix"), e.getMessage());
  }

  @Test
  void aModelCanHaveItsOwnStrategy() {
    String models = "models:\n  - {name: llama, base_url: 'http://10.0.0.1:8000/v1'}\n"
        + "  - {name: llama, base_url: 'http://10.0.0.2:8000/v1'}\n  - {name: gpt, base_url: 'https://api.openai.com/v1'}\n";
    RoutingPolicy p = ConfigLoader.parse(models + "gateway:\n  strategy: priority\n  strategies: {llama: prefix}\n",
        "test.yaml", Map.<String, String>of()::get).gateway().toRoutingPolicy();
    assertEquals(RoutingPolicy.Strategy.PREFIX, p.strategy("llama"));
    assertEquals(RoutingPolicy.Strategy.PRIORITY, p.strategy("gpt"));
    ConfigException e = assertThrows(ConfigException.class, () -> ConfigLoader.parse(models
        + "gateway: {strategies: {mistral: prefix}}\n", "test.yaml", Map.<String, String>of()::get));
    assertTrue(e.getMessage().contains("mistral"), e.getMessage());
    e = assertThrows(ConfigException.class, () -> ConfigLoader.parse(models
        + "gateway: {strategies: {llama: sticky}}\n", "test.yaml", Map.<String, String>of()::get));
    assertTrue(e.getMessage().contains("sticky"), e.getMessage());

    // in the router: only the overridden model routes by prefix
    RoutingPolicy mixed = new RoutingPolicy(RoutingPolicy.Strategy.PRIORITY, 50, 4, 4, Duration.ofSeconds(30),
        Duration.ofMillis(200), Duration.ZERO, new RoutingPolicy.Prefix(64, 1000, 4),
        Map.of("m", RoutingPolicy.Strategy.PREFIX));
    List<UpstreamConfig> deployments = List.of(a, b).stream().map(s -> new UpstreamConfig("m", s.baseUrl(), "", "up", 0,
        0, 0, List.of(), Duration.ofSeconds(2), Duration.ofSeconds(3), Duration.ofSeconds(5))).toList();
    Router r = new Router(deployments, mixed, new RetryPolicy(3, Duration.ZERO, Duration.ZERO, Duration.ZERO),
        new Random(5), d -> { }, Clock.systemUTC());
    for (int session = 0; session < 16; session++) {
      r.complete("m", conversation(session, 1));
    }
    assertTrue(a.requests().size() > 0 && b.requests().size() > 0, "prefix, not priority, spreads conversations");
    assertThrows(IllegalArgumentException.class, () -> new Router(deployments, new RoutingPolicy(
        RoutingPolicy.Strategy.PRIORITY, 50, 4, 4, Duration.ofSeconds(30), Duration.ofMillis(200), Duration.ZERO,
        RoutingPolicy.Prefix.defaults(), Map.of("other", RoutingPolicy.Strategy.PREFIX)), new RetryPolicy(3,
        Duration.ZERO, Duration.ZERO, Duration.ZERO), new Random(5), d -> { }, Clock.systemUTC()));
  }
}
