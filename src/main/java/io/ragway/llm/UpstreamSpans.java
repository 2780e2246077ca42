package io.ragway.llm;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.opentelemetry.api.common.AttributeKey;
import io.opentelemetry.api.trace.Span;
import io.opentelemetry.api.trace.SpanKind;
import io.opentelemetry.api.trace.StatusCode;
import io.opentelemetry.api.trace.Tracer;
import io.opentelemetry.api.trace.propagation.W3CTraceContextPropagator;
import io.opentelemetry.context.Context;
import io.ragway.config.JsonMappers;
import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import org.apache.hc.core5.http.HttpHost;
import org.apache.hc.core5.http.HttpRequest;

/**
 * The CLIENT span of one upstream call, with OpenTelemetry's GenAI attributes
 * ({@code chat <model>}: operation, provider, request and response model, max tokens, temperature,
 * response id, finish reasons, token usage), and the W3C trace context its HTTP request carries.
 */
final class UpstreamSpans {

  private static final ObjectMapper JSON = JsonMappers.create();
  static final AttributeKey<String> OPERATION = AttributeKey.stringKey("gen_ai.operation.name");
  static final AttributeKey<String> PROVIDER = AttributeKey.stringKey("gen_ai.provider.name");
  static final AttributeKey<String> REQUEST_MODEL = AttributeKey.stringKey("gen_ai.request.model");
  static final AttributeKey<String> RESPONSE_MODEL = AttributeKey.stringKey("gen_ai.response.model");
  static final AttributeKey<Long> MAX_TOKENS = AttributeKey.longKey("gen_ai.request.max_tokens");
  static final AttributeKey<Double> TEMPERATURE = AttributeKey.doubleKey("gen_ai.request.temperature");
  static final AttributeKey<String> RESPONSE_ID = AttributeKey.stringKey("gen_ai.response.id");
  static final AttributeKey<List<String>> FINISH_REASONS = AttributeKey.stringArrayKey("gen_ai.response.finish_reasons");
  static final AttributeKey<Long> INPUT_TOKENS = AttributeKey.longKey("gen_ai.usage.input_tokens");
  static final AttributeKey<Long> OUTPUT_TOKENS = AttributeKey.longKey("gen_ai.usage.output_tokens");
  static final AttributeKey<String> SERVER_ADDRESS = AttributeKey.stringKey("server.address");
  static final AttributeKey<Long> SERVER_PORT = AttributeKey.longKey("server.port");
  static final AttributeKey<String> ERROR_TYPE = AttributeKey.stringKey("error.type");

  private UpstreamSpans() {}

  /**
   * Starts the span of a call to {@code model} at {@code host}. The provider is {@code openai} for
   * OpenAI's own API, else the protocol's name ({@code openai_compatible}: vLLM, TGI, Ollama...).
   */
  static Span start(Tracer tracer, String model, HttpHost host, ObjectNode body) {
    var builder = tracer.spanBuilder("chat " + model).setSpanKind(SpanKind.CLIENT)
        .setAttribute(OPERATION, "chat")
        .setAttribute(PROVIDER, host.getHostName().endsWith("openai.com") ? "openai" : "openai_compatible")
        .setAttribute(REQUEST_MODEL, model)
        .setAttribute(SERVER_ADDRESS, host.getHostName())
        .setAttribute(SERVER_PORT, (long) host.getPort());
    JsonNode max = body.has("max_completion_tokens") ? body.get("max_completion_tokens") : body.get("max_tokens");
    if (max != null && max.isIntegralNumber()) {
      builder.setAttribute(MAX_TOKENS, max.asLong());
    }
    if (body.path("temperature").isNumber()) {
      builder.setAttribute(TEMPERATURE, body.get("temperature").asDouble());
    }
    return builder.startSpan();
  }

  /** Puts the current context's {@code traceparent} and {@code tracestate} on {@code request}. */
  static void inject(HttpRequest request) {
    W3CTraceContextPropagator.getInstance().inject(Context.current(), request, (r, k, v) -> r.setHeader(k, v));
  }

  /** The response's id, model, finish reasons and usage. */
  static void response(Span span, JsonNode response) {
    if (!span.isRecording()) {
      return;
    }
    if (response.path("id").isTextual()) {
      span.setAttribute(RESPONSE_ID, response.get("id").asText());
    }
    if (response.path("model").isTextual()) {
      span.setAttribute(RESPONSE_MODEL, response.get("model").asText());
    }
    List<String> reasons = new ArrayList<>();
    response.path("choices").forEach(c -> {
      if (c.path("finish_reason").isTextual()) {
        reasons.add(c.get("finish_reason").asText());
      }
    });
    if (!reasons.isEmpty()) {
      span.setAttribute(FINISH_REASONS, reasons);
    }
    JsonNode usage = response.path("usage");
    if (usage.path("prompt_tokens").isIntegralNumber()) {
      span.setAttribute(INPUT_TOKENS, usage.get("prompt_tokens").asLong());
    }
    if (usage.path("completion_tokens").isIntegralNumber()) {
      span.setAttribute(OUTPUT_TOKENS, usage.get("completion_tokens").asLong());
    }
  }

  /**
   * One streamed event: only the first (the id and model) and those that can carry a finish reason
   * or usage are parsed, so a long answer's content events cost a substring search each.
   */
  static void event(Span span, String data, boolean first) {
    if (first || data.contains("\"finish_reason\":\"") || data.contains("\"usage\":{")) {
      try {
        response(span, JSON.readTree(data));
      } catch (IOException e) {
        // not JSON: nothing to note
      }
    }
  }

  /** A failed call: error status, and {@code error.type} the upstream's HTTP status or failure kind. */
  static void failed(Span span, UpstreamException e) {
    span.setStatus(StatusCode.ERROR, e.getMessage());
    span.setAttribute(ERROR_TYPE, switch (e.status()) {
      case UpstreamException.TIMEOUT -> "timeout";
      case UpstreamException.UNREACHABLE -> "unreachable";
      case UpstreamException.OVERLOADED -> "overloaded";
      default -> Integer.toString(e.status());
    });
  }
}
