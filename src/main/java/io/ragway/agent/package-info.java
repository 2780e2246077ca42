/**
 * Tools that ragway runs for a model: {@link io.ragway.agent.Agent} is the tool-calling loop
 * behind {@code model: "agent"}, {@link io.ragway.agent.AgentConfig} its {@code agent} section of
 * {@code ragway.yaml}, {@link io.ragway.agent.AgentListener} what tracing and logs attach to.
 *
 * <p>The tools are package-private: the built-in {@code search_documents}
 * ({@code DocumentSearch}), {@code fetch_document} ({@code DocumentFetch}), {@code calculator}
 * ({@code Calculator} over the {@code Arithmetic} parser) and {@code current_time}
 * ({@code CurrentTime}), and the user's {@code HttpTool}s, all in a {@code ToolRegistry} that
 * checks each call's arguments against the tool's JSON Schema ({@code ToolSchema}). The limits of
 * one request live in a {@code Budget}, which reads time from a {@link java.time.Clock}.
 *
 * <p>Two rules hold everywhere: a tool never fails a request (its error goes back to the model as
 * its result), and a tool result is data (cut, scanned by the guard, fenced) before a model sees
 * it. docs/agents.md is the user's guide.
 */
package io.ragway.agent;
