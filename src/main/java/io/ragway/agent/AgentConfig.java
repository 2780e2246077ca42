package io.ragway.agent;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import java.net.URI;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.regex.Pattern;

/**
 * The {@code agent} section of {@code ragway.yaml}: the upstream model that plans with tools, the
 * loop's limits, and the HTTP tools users declare. Every tool is checked here, at load: a bad
 * schema, a duplicate name or one that shadows a built-in tool is a configuration error.
 *
 * @param model the upstream model that runs {@code model: "agent"}; empty: answer without one
 *     (search and the extractive answerer)
 * @param maxSteps model calls in one request
 * @param maxToolCalls tool calls in one request, all steps together
 * @param maxTokens prompt and completion tokens of all steps together
 * @param maxSeconds wall time of the whole loop
 * @param maxCostUsd cost of all steps at the models' prices; 0 for no limit
 * @param toolTimeoutSeconds how long a tool may run unless it sets its own
 * @param maxResultChars a tool result's characters the model sees; the rest is cut
 */
public record AgentConfig(String model, int maxSteps, int maxToolCalls, long maxTokens, int maxSeconds, double maxCostUsd,
    int toolTimeoutSeconds, int maxResultChars, List<Tool> tools) {

  /** The names of the built-in tools, which user tools may not take. */
  public static final Set<String> BUILTINS = Set.of("search_documents", "calculator", "fetch_document", "current_time");
  private static final Pattern NAME = Pattern.compile("[A-Za-z0-9_-]{1,64}");

  public AgentConfig {
    model = model == null ? "" : model.strip();
    positive("max_steps", maxSteps);
    positive("max_tool_calls", maxToolCalls);
    positive("max_tokens", maxTokens);
    positive("max_seconds", maxSeconds);
    positive("tool_timeout_seconds", toolTimeoutSeconds);
    positive("max_result_chars", maxResultChars);
    if (!(maxCostUsd >= 0)) {
      throw new IllegalArgumentException("agent.max_cost_usd must be >= 0 (0: no limit), got " + maxCostUsd);
    }
    tools = tools == null ? List.of() : List.copyOf(tools);
    Set<String> seen = new HashSet<>();
    for (Tool t : tools) {
      if (BUILTINS.contains(t.name())) {
        throw new IllegalArgumentException("agent.tools: '" + t.name() + "' is the name of a built-in tool; choose another");
      }
      if (!seen.add(t.name())) {
        throw new IllegalArgumentException("agent.tools: two tools are named '" + t.name() + "'");
      }
    }
  }

  private static void positive(String key, long value) {
    if (value < 1) {
      throw new IllegalArgumentException("agent." + key + " must be >= 1, got " + value);
    }
  }

  /** No model (the search fallback answers), no user tools, the default limits. */
  public static AgentConfig defaults() {
    return new AgentConfig("", 8, 16, 50_000, 120, 0, 10, 8000, List.of());
  }

  /** This configuration with another model; the rest unchanged. */
  public AgentConfig withModel(String other) {
    return new AgentConfig(other, maxSteps, maxToolCalls, maxTokens, maxSeconds, maxCostUsd, toolTimeoutSeconds,
        maxResultChars, tools);
  }

  /** This configuration with other limits on steps, tool calls, tokens, seconds and cost. */
  public AgentConfig withLimits(int steps, int toolCalls, long tokens, int seconds, double costUsd) {
    return new AgentConfig(model, steps, toolCalls, tokens, seconds, costUsd, toolTimeoutSeconds, maxResultChars, tools);
  }

  /**
   * A tool served by an HTTP endpoint: ragway sends the model's arguments (checked against
   * {@code parameters}) as a JSON body ({@code POST}) or as query parameters ({@code GET}), and
   * gives the model the response body.
   *
   * @param headers sent with every call (values may use {@code ${ENV}}, filled in at load)
   * @param parameters the JSON Schema of the arguments, as OpenAI's function {@code parameters}
   * @param timeoutSeconds 0: the agent's {@code tool_timeout_seconds}
   */
  public record Tool(String name, String description, String url, String method, Map<String, String> headers,
      JsonNode parameters, Integer timeoutSeconds) {

    public Tool {
      if (name == null || !NAME.matcher(name).matches()) {
        throw new IllegalArgumentException("agent.tools: a tool name must be 1-64 letters, digits, '_' or '-', got '"
            + name + "'");
      }
      description = description == null ? "" : description.strip();
      if (url == null || url.isBlank()) {
        throw new IllegalArgumentException("agent.tools." + name + ": 'url' is required");
      }
      URI uri;
      try {
        uri = URI.create(url.strip());
      } catch (IllegalArgumentException e) {
        throw new IllegalArgumentException("agent.tools." + name + ": 'url' is not a URL: " + url);
      }
      if (!"http".equals(uri.getScheme()) && !"https".equals(uri.getScheme()) || uri.getHost() == null) {
        throw new IllegalArgumentException("agent.tools." + name + ": 'url' must be an http or https URL, got " + url);
      }
      url = url.strip();
      method = method == null || method.isBlank() ? "POST" : method.strip().toUpperCase(Locale.ROOT);
      if (!method.equals("POST") && !method.equals("GET")) {
        throw new IllegalArgumentException("agent.tools." + name + ": 'method' must be POST or GET, got " + method);
      }
      headers = headers == null ? Map.of() : Map.copyOf(headers);
      parameters = parameters == null || parameters.isNull()
          ? JsonNodeFactory.instance.objectNode().put("type", "object") : parameters;
      String bad = ToolSchema.problem(parameters);
      if (bad != null) {
        throw new IllegalArgumentException("agent.tools." + name + ".parameters: " + bad);
      }
      timeoutSeconds = timeoutSeconds == null ? 0 : timeoutSeconds;
      if (timeoutSeconds < 0) {
        throw new IllegalArgumentException("agent.tools." + name + ": timeout_seconds must be >= 0");
      }
    }
  }
}
