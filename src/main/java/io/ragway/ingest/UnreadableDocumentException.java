package io.ragway.ingest;

/** A file cannot be ingested; the message is a short reason such as "encrypted PDF". */
public class UnreadableDocumentException extends Exception {

  public UnreadableDocumentException(String reason) {
    super(reason);
  }

  public UnreadableDocumentException(String reason, Throwable cause) {
    super(reason, cause);
  }
}
