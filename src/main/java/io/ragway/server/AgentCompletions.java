package io.ragway.server;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.javalin.http.Context;
import io.ragway.agent.Agent;
import io.ragway.agent.AgentListener;
import io.ragway.agent.ToolRun;
import io.ragway.chat.Citation;
import io.ragway.guard.Guard;
import io.ragway.guard.Pseudonyms;
import io.ragway.llm.UpstreamException;
import io.ragway.telemetry.RequestTrace;
import io.ragway.telemetry.Telemetry;
import java.io.IOException;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * {@code model: "agent"}, or {@code agent: true} with any model: the request runs through the
 * {@link Agent}'s tool loop and the answer goes back as an OpenAI {@code chat.completion}, or as
 * chunks with the tools' progress first (chunks with an empty delta and a {@code ragway} object)
 * and the answer's text after. What ran is listed in {@code message.ragway_steps}; how the loop
 * ended, in {@code ragway.finish_reason} beside OpenAI's {@code finish_reason}.
 */
final class AgentCompletions {

  static final String MODEL = "agent";
  private static final Pattern PIECE = Pattern.compile("\\S+\\s*");

  /** What an agent reply used, for the limits, the ledger and the session. */
  record Sent(long promptTokens, long completionTokens, JsonNode message, String backend, int attempts, double costUsd,
      OutputStream stream) {}

  private final ObjectMapper json;
  private final CompletionEvents events;
  private final RagwayServer.Services services;
  private final Agent agent;

  AgentCompletions(ObjectMapper json, RagwayServer.Services services) {
    this.json = json;
    this.events = new CompletionEvents(json);
    this.services = services;
    this.agent = Agent.create(services.agent(), services.router(), services.retriever(), services.mode(), services.k(),
        services.index(), services.documents(), services.guard(), services.extractive(), Clock.systemUTC());
  }

  /** Whether a request asks for the agent; refuses an {@code agent} field that is not a boolean. */
  static boolean wanted(JsonNode body, String model) {
    JsonNode flag = body.get("agent");
    if (flag != null && !flag.isNull() && !flag.isBoolean()) {
      throw ApiException.invalid("agent", "Invalid type for 'agent': expected a boolean.");
    }
    boolean wanted = model.equals(MODEL) || flag != null && flag.asBoolean(false);
    JsonNode format = body.path("response_format");
    if (wanted && format.isObject() && !"text".equals(format.path("type").asText("text"))) {
      throw ApiException.invalid("response_format", "The agent answers in prose after its tools: response_format "
          + "'" + format.path("type").asText() + "' is not supported with model 'agent' or agent: true.");
    }
    return wanted;
  }

  /** The upstream model that plans with tools for a request to {@code model}; empty when the fallback answers. */
  String planner(String model) {
    return model.equals(MODEL) ? agent.config().model() : services.router().serves(model) ? model : "";
  }

  /**
   * Runs the loop and replies; null when a stream failed midway and has ended with an error event.
   *
   * @param request the request as it goes on: guarded, with the session's history
   */
  Sent reply(Context ctx, ObjectNode request, String model, long maxTokens, String requestId, Caller caller,
      Pseudonyms pseudonyms, Telemetry.Generation generation) throws IOException {
    String planner = planner(model);
    boolean stream = request.path("stream").asBoolean(false);
    boolean includeUsage = request.path("stream_options").path("include_usage").asBoolean(false);
    JsonNode temperature = request.get("temperature");
    Agent.Request run = new Agent.Request(requestId, caller.reader(), planner, (ArrayNode) request.get("messages"),
        clientTools(request.get("tools")), maxTokens,
        temperature != null && temperature.isNumber() ? Optional.of(temperature.asDouble()) : Optional.empty(),
        pseudonyms::restore);
    String id = "chatcmpl-" + requestId;
    long created = System.currentTimeMillis() / 1000;
    Progress progress = stream ? new Progress(ctx, id, created, model) : null;
    Agent.Result result;
    try (TracedSteps traced = new TracedSteps(RequestTrace.current())) {
      AgentListener logged = AgentListener.both(AgentListener.logging(requestId), traced);
      result = agent.run(run, progress == null ? logged : AgentListener.both(progress, logged));
    } catch (IllegalArgumentException e) {
      throw ApiException.invalid("tools", e.getMessage());
    } catch (UpstreamException e) {
      if (progress == null || progress.out == null) {
        throw e;
      }
      error(progress.out, UpstreamErrors.toApi(e));
      return null;
    } catch (UncheckedIOException e) {
      throw e.getCause(); // the client went away while progress was sent
    }
    String content = result.content();
    String finish = result.finishReason();
    if (services.guard().checksOutput(caller.tenant(), pseudonyms)) {
      Guard.Output o = services.guard().checkOutput(requestId, caller.tenant(), content, pseudonyms);
      content = o.text();
      finish = o.withheld() ? "content_filter" : finish;
    }
    ctx.header("x-ragway-agent", result.path());
    ObjectNode usage = json.createObjectNode().put("prompt_tokens", result.promptTokens())
        .put("completion_tokens", result.completionTokens())
        .put("total_tokens", result.promptTokens() + result.completionTokens());
    ObjectNode message = json.createObjectNode().put("role", "assistant").put("content", content);
    if (!result.clientToolCalls().isEmpty()) {
      message.set("tool_calls", result.clientToolCalls());
    }
    String backend = result.path().equals("fallback") ? "extractive" : result.servedBy();
    if (!stream) {
      ObjectNode out = json.createObjectNode().put("id", id).put("object", "chat.completion").put("created", created)
          .put("model", model);
      ObjectNode choice = out.putArray("choices").addObject().put("index", 0);
      ObjectNode m = choice.putObject("message");
      m.setAll(message);
      m.putNull("refusal");
      if (!result.citations().isEmpty()) {
        m.set("citations", events.citations(result.citations()));
      }
      m.set("ragway_steps", steps(result.tools()));
      choice.putNull("logprobs");
      choice.put("finish_reason", finish);
      out.set("usage", usage);
      out.set("ragway", summary(result));
      JsonReply.hold(ctx, json.writeValueAsString(out));
      return new Sent(result.promptTokens(), result.completionTokens(), message, backend, result.upstreamCalls(),
          result.costUsd(), null);
    }
    OutputStream out = progress.open();
    Matcher pieces = PIECE.matcher(content);
    while (pieces.find()) {
      generation.token();
      events.send(out, events.chunk(id, created, model, json.createObjectNode().put("content", pieces.group()), null));
    }
    if (!result.clientToolCalls().isEmpty()) {
      ArrayNode calls = json.createArrayNode();
      for (int i = 0; i < result.clientToolCalls().size(); i++) {
        calls.add(((ObjectNode) result.clientToolCalls().get(i).deepCopy()).put("index", i));
      }
      ObjectNode delta = json.createObjectNode();
      delta.set("tool_calls", calls);
      events.send(out, events.chunk(id, created, model, delta, null));
    }
    ObjectNode last = json.createObjectNode().put("content", "");
    if (!result.citations().isEmpty()) {
      last.set("citations", events.citations(result.citations()));
    }
    last.set("ragway_steps", steps(result.tools()));
    events.send(out, events.chunk(id, created, model, last, null));
    ObjectNode end = events.chunk(id, created, model, json.createObjectNode(), finish);
    end.set("ragway", summary(result));
    events.send(out, end);
    if (includeUsage) {
      ObjectNode u = json.createObjectNode().put("id", id).put("object", "chat.completion.chunk").put("created", created)
          .put("model", model);
      u.putArray("choices");
      u.set("usage", usage);
      events.send(out, u);
    }
    return new Sent(result.promptTokens(), result.completionTokens(), message, backend, result.upstreamCalls(),
        result.costUsd(), out);
  }

  /** The client's {@code tools}: an array of functions, offered to the model but run by the client. */
  private ArrayNode clientTools(JsonNode tools) {
    if (tools == null || tools.isNull()) {
      return json.createArrayNode();
    }
    if (!tools.isArray()) {
      throw ApiException.invalid("tools", "Invalid type for 'tools': expected an array.");
    }
    for (int i = 0; i < tools.size(); i++) {
      if (!tools.get(i).path("function").path("name").isTextual()) {
        throw ApiException.invalid("tools[" + i + "]", "Missing required parameter: 'tools[" + i + "].function.name'.");
      }
    }
    return (ArrayNode) tools;
  }

  private ObjectNode summary(Agent.Result r) {
    ObjectNode s = json.createObjectNode().put("path", r.path()).put("finish_reason", r.reason())
        .put("served_by", r.servedBy()).put("steps", r.steps()).put("tool_calls", r.tools().size())
        .put("upstream_calls", r.upstreamCalls()).put("cost_usd", r.costUsd());
    if (!r.note().isEmpty()) {
      s.put("note", r.note());
    }
    return s;
  }

  private ArrayNode steps(List<ToolRun> runs) {
    ArrayNode out = json.createArrayNode();
    for (ToolRun r : runs) {
      ObjectNode o = out.addObject().put("step", r.step()).put("tool", r.tool()).put("call_id", r.callId())
          .put("status", r.status()).put("ms", r.millis()).put("result_chars", r.resultChars());
      if (!r.error().isEmpty()) {
        o.put("error", r.error());
      }
    }
    return out;
  }

  private void error(OutputStream out, ApiException e) throws IOException {
    ObjectNode error = json.createObjectNode();
    error.putObject("error").put("message", e.getMessage()).put("type", e.type()).put("code", e.code());
    events.send(out, error);
  }

  /**
   * Streams the loop's progress: each step and tool as a chunk with an empty delta and a
   * {@code ragway} object, which OpenAI's SDKs pass over. The stream opens at the first event, so
   * a model that fails before any is still an HTTP error.
   */
  private final class Progress implements AgentListener {
    private final Context ctx;
    private final String id;
    private final long created;
    private final String model;
    private OutputStream out;

    Progress(Context ctx, String id, long created, String model) {
      this.ctx = ctx;
      this.id = id;
      this.created = created;
      this.model = model;
    }

    OutputStream open() throws IOException {
      if (out == null) {
        ctx.status(200).contentType("text/event-stream").header("Cache-Control", "no-cache");
        out = ctx.res().getOutputStream();
        events.send(out, events.chunk(id, created, model, json.createObjectNode().put("role", "assistant").put("content", ""), null));
      }
      return out;
    }

    private void event(ObjectNode ragway) {
      try {
        ObjectNode c = events.chunk(id, created, model, json.createObjectNode(), null);
        c.set("ragway", ragway);
        events.send(open(), c);
      } catch (IOException e) {
        throw new UncheckedIOException(e);
      }
    }

    @Override
    public void stepStarted(int step) {
      event(json.createObjectNode().put("type", "step").put("step", step).put("status", "started"));
    }

    @Override
    public void stepEnded(int step, String servedBy, long promptTokens, long completionTokens, int toolCalls,
        Duration took) {
      event(json.createObjectNode().put("type", "step").put("step", step).put("status", "done").put("model", servedBy)
          .put("tool_calls", toolCalls).put("prompt_tokens", promptTokens).put("completion_tokens", completionTokens)
          .put("ms", took.toMillis()));
    }

    @Override
    public void toolStarted(int step, String tool, String callId) {
      event(json.createObjectNode().put("type", "tool").put("step", step).put("tool", tool).put("call_id", callId)
          .put("status", "started"));
    }

    @Override
    public void toolEnded(ToolRun run) {
      ObjectNode e = json.createObjectNode().put("type", "tool").put("step", run.step()).put("tool", run.tool())
          .put("call_id", run.callId()).put("status", run.status()).put("ms", run.millis());
      if (!run.error().isEmpty()) {
        e.put("error", run.error());
      }
      event(e);
    }
  }
}
