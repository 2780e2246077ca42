package io.ragway.embed;

/** Texts could not be embedded: the model failed to load or run, or a remote endpoint failed. */
public class EmbeddingException extends RuntimeException {

  public EmbeddingException(String message) {
    super(message);
  }

  public EmbeddingException(String message, Throwable cause) {
    super(message, cause);
  }
}
