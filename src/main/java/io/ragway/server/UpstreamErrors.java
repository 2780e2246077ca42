package io.ragway.server;

import io.ragway.llm.UpstreamException;

/** Maps upstream failures to the status and OpenAI error a client should see. */
final class UpstreamErrors {

  private UpstreamErrors() {}

  static ApiException toApi(UpstreamException e) {
    String message = e.getMessage();
    return switch (e.status()) {
      case UpstreamException.TIMEOUT -> new ApiException(504, "upstream_error", "upstream_timeout", null, message);
      case UpstreamException.UNREACHABLE -> new ApiException(503, "upstream_error", "upstream_unavailable", null, message);
      case UpstreamException.OVERLOADED -> new ApiException(503, "server_error", "overloaded", null, message);
      case 429 -> new ApiException(429, "rate_limit_error", "rate_limit_exceeded", null, message);
      default -> e.status() >= 500
          ? new ApiException(502, "upstream_error", "upstream_error", null, message)
          : new ApiException(e.status(), "invalid_request_error", null, null, message);
    };
  }
}
