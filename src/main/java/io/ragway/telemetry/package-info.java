/**
 * Metrics for {@code GET /metrics} in Prometheus's text format, OpenTelemetry traces, and the
 * JSON-lines request log.
 *
 * <p>{@link io.ragway.telemetry.Telemetry} is what the rest of ragway calls: the server when a
 * request ends, the chat completion path when an answer is done (tokens, cost, cache outcome) and
 * while a stream arrives (time to first token, inter-token gaps). The packages it watches do not
 * know it: the guard's decision log is wrapped by {@code counting}, the router reports to a
 * {@link io.ragway.llm.Router.Listener}, and gauges read the router's health and the document
 * store's progress when Prometheus scrapes. {@code Telemetry.off()} does nothing, for benchmarks
 * and {@code telemetry.metrics: false}.
 *
 * <p>{@link io.ragway.telemetry.Tracing} starts a {@link io.ragway.telemetry.RequestTrace} for each
 * request: the server span, the timings and spans of its {@link io.ragway.telemetry.Stages}, and
 * its line in the {@link io.ragway.telemetry.RequestLog}. The trace travels in OpenTelemetry's
 * context, so retrieval and the RAG pipeline time their stages with {@code Stages.current()}
 * without new parameters, and upstream HTTP clients put the W3C {@code traceparent} of the current
 * context on their requests.
 */
package io.ragway.telemetry;
