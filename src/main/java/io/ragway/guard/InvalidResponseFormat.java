package io.ragway.guard;

/** A request's {@code response_format} that cannot be honoured; the server answers 400 naming {@link #param}. */
public final class InvalidResponseFormat extends RuntimeException {

  private final String param;

  InvalidResponseFormat(String param, String message) {
    super(message);
    this.param = param;
  }

  /** The request field at fault, as OpenAI names it ({@code response_format.json_schema.schema}). */
  public String param() {
    return param;
  }
}
