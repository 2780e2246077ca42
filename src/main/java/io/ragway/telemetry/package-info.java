/**
 * Metrics for {@code GET /metrics}, in Prometheus's text format.
 *
 * <p>{@link io.ragway.telemetry.Telemetry} is what the rest of ragway calls: the server when a
 * request ends, the chat completion path when an answer is done (tokens, cost, cache outcome) and
 * while a stream arrives (time to first token, inter-token gaps). The packages it watches do not
 * know it: the guard's decision log is wrapped by {@code counting}, the router reports to a
 * {@link io.ragway.llm.Router.Listener}, and gauges read the router's health and the document
 * store's progress when Prometheus scrapes. {@code Telemetry.off()} does nothing, for benchmarks
 * and {@code telemetry.metrics: false}.
 */
package io.ragway.telemetry;
