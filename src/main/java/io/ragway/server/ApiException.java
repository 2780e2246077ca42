package io.ragway.server;

/**
 * A request that fails with an OpenAI-shaped error: {@code {"error": {"message", "type", "param",
 * "code"}}} and an HTTP status.
 */
public final class ApiException extends RuntimeException {

  private final int status;
  private final String type;
  private final String code;
  private final String param;

  public ApiException(int status, String type, String code, String param, String message) {
    super(message);
    this.status = status;
    this.type = type;
    this.code = code;
    this.param = param;
  }

  static ApiException invalid(String param, String message) {
    return new ApiException(400, "invalid_request_error", null, param, message);
  }

  static ApiException modelNotFound(String model) {
    return new ApiException(404, "invalid_request_error", "model_not_found", "model",
        "The model '" + model + "' does not exist. GET /v1/models lists the models this server offers.");
  }

  public int status() {
    return status;
  }

  public String type() {
    return type;
  }

  public String code() {
    return code;
  }

  public String param() {
    return param;
  }
}
