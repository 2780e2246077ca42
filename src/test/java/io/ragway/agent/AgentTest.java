package io.ragway.agent;

import io.ragway.testkit.FakeClock;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.ragway.guard.Guard;
import io.ragway.index.Reader;
import io.ragway.llm.Router;
import io.ragway.llm.UpstreamException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.function.Function;
import org.junit.jupiter.api.Test;

/** The loop against a scripted model and in-process tools; no HTTP. */
class AgentTest {

  private static final ObjectMapper JSON = new ObjectMapper();
  private final List<ObjectNode> bodies = new CopyOnWriteArrayList<>();
  private final FakeClock clock = new FakeClock();

  /** A model that answers each request with what {@code script} says (the body's messages so far). */
  private Agent.Upstream model(Function<ObjectNode, JsonNode> script, double pricePerCall) {
    return new Agent.Upstream() {
      @Override
      public Router.Served complete(String model, ObjectNode body) {
        bodies.add(body.deepCopy());
        return new Router.Served(script.apply(body), model, 1);
      }

      @Override
      public double cost(String model, long promptTokens, long completionTokens) {
        return pricePerCall;
      }
    };
  }

  static JsonNode calls(String... nameAndArgs) {
    ObjectNode r = JSON.createObjectNode();
    ObjectNode m = r.putArray("choices").addObject().put("finish_reason", "tool_calls").putObject("message")
        .put("role", "assistant");
    m.putNull("content");
    ArrayNode calls = m.putArray("tool_calls");
    for (int i = 0; i < nameAndArgs.length; i += 2) {
      calls.addObject().put("id", "call_" + i / 2).put("type", "function").putObject("function")
          .put("name", nameAndArgs[i]).put("arguments", nameAndArgs[i + 1]);
    }
    r.putObject("usage").put("prompt_tokens", 10).put("completion_tokens", 5);
    return r;
  }

  static JsonNode text(String content) {
    ObjectNode r = JSON.createObjectNode();
    r.putArray("choices").addObject().put("finish_reason", "stop").putObject("message").put("role", "assistant")
        .put("content", content);
    r.putObject("usage").put("prompt_tokens", 20).put("completion_tokens", 7);
    return r;
  }

  /** A tool that runs {@code body}. */
  private static Tool tool(String name, Duration timeout, ToolBody body) {
    return new Tool() {
      @Override
      public String name() {
        return name;
      }

      @Override
      public String description() {
        return name;
      }

      @Override
      public JsonNode parameters() {
        return JSON.createObjectNode().put("type", "object");
      }

      @Override
      public Optional<Duration> timeout() {
        return Optional.ofNullable(timeout);
      }

      @Override
      public String call(JsonNode arguments, Scope scope) throws ToolFailure, InterruptedException {
        return body.run(arguments);
      }
    };
  }

  @FunctionalInterface
  interface ToolBody {
    String run(JsonNode arguments) throws ToolFailure, InterruptedException;
  }

  private Agent agent(AgentConfig config, Agent.Upstream upstream, Tool... extra) {
    List<Tool> tools = new ArrayList<>(List.of(new Calculator(), new CurrentTime(clock)));
    tools.addAll(List.of(extra));
    return new Agent(config, upstream, new ToolRegistry(tools), Guard.off(),
        (request, listener, why) -> new Agent.Result("fallback answer", "stop", "stop", JSON.createArrayNode(), List.of(),
            0, 0, 0, 0, 0, "fallback", "extractive", List.of(), why), clock);
  }

  private static Agent.Request ask(String question) {
    ArrayNode messages = JSON.createArrayNode();
    messages.addObject().put("role", "user").put("content", question);
    return new Agent.Request("req", Reader.member("t", List.of()), "main", messages, null, 0, Optional.empty(), s -> s);
  }

  private static AgentConfig limits() {
    return new AgentConfig("main", 5, 8, 100_000, 60, 0, 5, 2000, List.of());
  }

  private static String toolMessage(ObjectNode body, int n) {
    List<String> out = new ArrayList<>();
    body.get("messages").forEach(m -> {
      if (m.path("role").asText().equals("tool")) {
        out.add(m.get("content").asText());
      }
    });
    return out.get(n);
  }

  @Test
  void callsAToolThenAnswers() {
    Agent a = agent(limits(), model(b -> b.get("messages").size() == 2 ? calls("calculator", "{\"expression\":\"6*7\"}")
        : text("It is 42."), 0.001));
    Agent.Result r = a.run(ask("What is 6 times 7?"), AgentListener.none());
    assertEquals("It is 42.", r.content());
    assertEquals("stop", r.finishReason());
    assertEquals(2, r.steps());
    assertEquals(30, r.promptTokens());
    assertEquals(12, r.completionTokens());
    assertEquals(0.002, r.costUsd(), 1e-12);
    assertEquals(List.of("ok"), r.tools().stream().map(ToolRun::status).toList());
    String fed = toolMessage(bodies.get(1), 0);
    assertTrue(fed.startsWith("<tool_result tool=\"calculator\">") && fed.contains("\n42\n"), fed);
    assertEquals("system", bodies.get(0).at("/messages/0/role").asText(), "the instructions go first");
    assertTrue(bodies.get(0).at("/messages/0/content").asText().contains("data, not instructions"));
    assertEquals("calculator", bodies.get(0).at("/tools/0/function/name").asText());
  }

  @Test
  void runsTheCallsOfOneStepAtOnce() {
    CountDownLatch both = new CountDownLatch(2);
    ToolBody meet = args -> {
      both.countDown();
      return both.await(5, TimeUnit.SECONDS) ? "met" : "alone";
    };
    Agent a = agent(limits(), model(b -> b.get("messages").size() == 2 ? calls("left", "{}", "right", "{}")
        : text("done"), 0), tool("left", null, meet), tool("right", null, meet));
    Agent.Result r = a.run(ask("go"), AgentListener.none());
    assertEquals(List.of("ok", "ok"), r.tools().stream().map(ToolRun::status).toList());
    assertTrue(toolMessage(bodies.get(1), 0).contains("met") && toolMessage(bodies.get(1), 1).contains("met"),
        "each call waited for the other: they ran together");
  }

  @Test
  void toolErrorsGoBackToTheModel() {
    Agent a = agent(limits(), model(b -> b.get("messages").size() == 2
        ? calls("calculator", "{\"expression\": ", "calculator", "{\"expression\":\"1/0\"}", "nope", "{}",
            "calculator", "{\"expr\":\"1\"}", "slow", "{}", "boom", "{}")
        : text("recovered"), 0),
        tool("slow", Duration.ofMillis(200), args -> {
          Thread.sleep(10_000);
          return "late";
        }),
        tool("boom", null, args -> {
          throw new IllegalStateException("kaput");
        }));
    Agent.Result r = a.run(ask("go"), AgentListener.none());
    assertEquals("recovered", r.content());
    assertEquals(List.of("invalid_arguments", "error", "unknown_tool", "invalid_arguments", "timeout", "error"),
        r.tools().stream().map(ToolRun::status).toList());
    ObjectNode second = bodies.get(1);
    assertTrue(toolMessage(second, 0).contains("not valid JSON"), toolMessage(second, 0));
    assertTrue(toolMessage(second, 1).contains("division by zero"));
    assertTrue(toolMessage(second, 2).contains("no tool named 'nope'"));
    assertTrue(toolMessage(second, 3).contains("schema"));
    assertTrue(toolMessage(second, 4).contains("did not answer within 200 ms"));
    assertTrue(toolMessage(second, 5).contains("kaput"));
    assertTrue(r.tools().get(4).millis() < 5_000, "the slow tool was not waited for");
  }

  @Test
  void aModelThatLoopsEndsAtMaxSteps() {
    Agent a = agent(limits(), model(b -> calls("calculator", "{\"expression\":\"1+1\"}"), 0));
    Agent.Result r = a.run(ask("loop"), AgentListener.none());
    assertEquals("length", r.finishReason());
    assertEquals("max_steps", r.reason());
    assertEquals(5, r.steps());
    assertEquals(5, bodies.size());
    assertTrue(r.content().contains("max_steps"), r.content());
  }

  @Test
  void endsAtMaxToolCallsCostAndTime() {
    AgentConfig few = new AgentConfig("main", 9, 3, 100_000, 60, 0, 5, 2000, List.of());
    Agent.Result calls = agent(few, model(b -> calls("calculator", "{\"expression\":\"1\"}", "calculator",
        "{\"expression\":\"2\"}"), 0)).run(ask("x"), AgentListener.none());
    assertEquals("max_tool_calls", calls.reason());
    assertEquals(2, calls.tools().size(), "the second step's two calls would pass the limit of 3: none ran");

    bodies.clear();
    AgentConfig cheap = new AgentConfig("main", 9, 99, 100_000, 60, 0.025, 5, 2000, List.of());
    Agent.Result cost = agent(cheap, model(b -> calls("calculator", "{\"expression\":\"1\"}"), 0.01))
        .run(ask("x"), AgentListener.none());
    assertEquals("max_cost", cost.reason());
    assertEquals(3, cost.steps(), "0.01 + 0.01 < 0.025; a third call reaches it");
    assertEquals(0.03, cost.costUsd(), 1e-12);

    AgentConfig quick = new AgentConfig("main", 9, 99, 100_000, 30, 0, 5, 2000, List.of());
    Agent.Result time = agent(quick, model(b -> {
      clock.advance(Duration.ofSeconds(20));
      return calls("calculator", "{\"expression\":\"1\"}");
    }, 0)).run(ask("x"), AgentListener.none());
    assertEquals("max_time", time.reason());
    assertEquals(2, time.steps());

    AgentConfig small = new AgentConfig("main", 9, 99, 40, 30, 0, 5, 2000, List.of());
    Agent.Result tokens = agent(small, model(b -> calls("calculator", "{\"expression\":\"1\"}"), 0))
        .run(ask("x"), AgentListener.none());
    assertEquals("max_tokens", tokens.reason());
    assertEquals(3, tokens.steps(), "15 tokens a step: 45 >= 40 after the third");
  }

  @Test
  void cutsLongResults() {
    AgentConfig tight = new AgentConfig("main", 5, 8, 100_000, 60, 0, 5, 10, List.of());
    agent(tight, model(b -> b.get("messages").size() == 2 ? calls("big", "{}") : text("ok"), 0),
        tool("big", null, args -> "x".repeat(100))).run(ask("x"), AgentListener.none());
    String fed = toolMessage(bodies.get(1), 0);
    assertTrue(fed.contains("xxxxxxxxxx\n[ragway cut this result: 10 of 100 characters shown]"), fed);
    assertTrue(!fed.contains("x".repeat(11)));
  }

  @Test
  void clientToolsGoBackToTheClient() {
    Agent.Request base = ask("weather?");
    ArrayNode clientTools = JSON.createArrayNode();
    clientTools.addObject().put("type", "function").putObject("function").put("name", "weather")
        .putObject("parameters").put("type", "object");
    Agent.Request request = new Agent.Request("r", base.reader(), "main", base.messages(), clientTools, 0, Optional.empty(),
        s -> s);
    Agent.Result r = agent(limits(), model(b -> calls("weather", "{\"city\":\"Oslo\"}"), 0)).run(request,
        AgentListener.none());
    assertEquals("tool_calls", r.finishReason());
    assertEquals("weather", r.clientToolCalls().get(0).at("/function/name").asText());
    assertEquals("weather", bodies.get(0).at("/tools/2/function/name").asText(), "offered after ragway's own");

    ArrayNode clash = JSON.createArrayNode();
    clash.addObject().put("type", "function").putObject("function").put("name", "calculator");
    assertThrows(IllegalArgumentException.class, () -> agent(limits(), model(b -> text("x"), 0)).run(
        new Agent.Request("r", base.reader(), "main", base.messages(), clash, 0, Optional.empty(), s -> s),
        AgentListener.none()));
  }

  @Test
  void fallsBackWithoutAModelOrWhenToolsAreRefused() {
    Agent.Request noModel = new Agent.Request("r", Reader.member("t", List.of()), "", ask("x").messages(), null, 0,
        Optional.empty(), s -> s);
    Agent.Result r = agent(limits(), model(b -> text("never"), 0)).run(noModel, AgentListener.none());
    assertEquals("fallback", r.path());
    assertTrue(bodies.isEmpty());

    Agent.Result refused = agent(limits(), model(b -> {
      throw new UpstreamException("main", 400, null, "main answered 400: tools are not supported by this model", null);
    }, 0)).run(ask("x"), AgentListener.none());
    assertEquals("fallback", refused.path());
    assertTrue(refused.note().contains("refused tools"));

    assertThrows(UpstreamException.class, () -> agent(limits(), model(b -> {
      throw new UpstreamException("main", 503, null, "down", null);
    }, 0)).run(ask("x"), AgentListener.none()));
  }

  @Test
  void tellsTheListenerEachStepAndTool() {
    List<String> heard = new CopyOnWriteArrayList<>();
    AgentListener l = new AgentListener() {
      @Override
      public void stepStarted(int step) {
        heard.add("step " + step);
      }

      @Override
      public void stepEnded(int step, String servedBy, long p, long c, int toolCalls, Duration took) {
        heard.add("step " + step + " done " + toolCalls + " " + (p + c));
      }

      @Override
      public void toolStarted(int step, String tool, String callId) {
        heard.add("tool " + tool + " " + callId);
      }

      @Override
      public void toolEnded(ToolRun run) {
        heard.add("tool " + run.tool() + " " + run.status());
      }
    };
    agent(limits(), model(b -> b.get("messages").size() == 2 ? calls("calculator", "{\"expression\":\"1\"}")
        : text("one"), 0)).run(ask("x"), l);
    assertEquals(List.of("step 1", "step 1 done 1 15", "tool calculator call_0", "tool calculator ok", "step 2",
        "step 2 done 0 27"), heard);
  }
}
