package io.ragway.server;

import io.javalin.http.Context;
import jakarta.servlet.http.HttpServletResponse;
import java.io.IOException;
import java.nio.charset.StandardCharsets;

/**
 * A chat completion's JSON answer, held until the request's usage is recorded and then written
 * straight to the response with its length. The client has the whole answer as soon as it is
 * written (Jetty ends a response whose declared length is reached), not after Javalin's
 * end-of-request work (copying a result stream, metrics, the request's span), and an answer
 * whose usage could not be recorded is never sent: the error replaces it. Answers this small
 * are not compressed.
 */
final class JsonReply {

  private static final String BODY = "ragway.reply";
  private static final org.slf4j.Logger LOG = org.slf4j.LoggerFactory.getLogger(JsonReply.class);

  private JsonReply() {}

  /** Holds {@code json} as this request's answer. */
  static void hold(Context ctx, String json) {
    ctx.attribute(BODY, json.getBytes(StandardCharsets.UTF_8));
  }

  /**
   * Writes the held answer, if there is one. A client that has gone away meanwhile is not an
   * error of the server's: its usage is recorded (as it would be had it left a moment later), and
   * the failed write is logged at debug level.
   */
  static void send(Context ctx) {
    byte[] body = ctx.attribute(BODY);
    if (body == null) {
      return;
    }
    ctx.attribute(BODY, null);
    HttpServletResponse res = ctx.res();
    res.setContentType("application/json");
    res.setContentLength(body.length);
    try {
      res.getOutputStream().write(body);
      res.getOutputStream().flush();
    } catch (IOException e) {
      LOG.debug("the client left before its answer was written: {}", e.getMessage());
    }
  }
}
