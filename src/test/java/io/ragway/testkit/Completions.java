package io.ragway.testkit;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.ServerSocket;

/** What a client reads from a chat completion, JSON or SSE, and a free port to serve one on. */
public final class Completions {

  private static final ObjectMapper JSON = new ObjectMapper();

  private Completions() {}

  /** Whether a response body is a stream ({@code data:} events). */
  public static boolean isStream(String body) {
    return body.startsWith("data:");
  }

  /** Whether a stream ended with {@code [DONE]}, as a complete one does. */
  public static boolean streamDone(String body) {
    return body.endsWith("data: [DONE]\n\n");
  }

  /** The {@code usage} a client was told: the JSON body's, or a stream's last usage chunk; null when there is none. */
  public static JsonNode usage(String body) {
    try {
      if (!isStream(body)) {
        return JSON.readTree(body).get("usage");
      }
      JsonNode usage = null;
      for (String line : body.split("\n")) {
        if (line.startsWith("data: {")) {
          JsonNode event = JSON.readTree(line.substring(6));
          if (event.has("usage")) {
            usage = event.get("usage");
          }
        }
      }
      return usage;
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /** The text a stream's deltas carried, in order. */
  public static String content(String sse) {
    try {
      StringBuilder text = new StringBuilder();
      for (String line : sse.split("\n")) {
        if (line.startsWith("data: {")) {
          JsonNode delta = JSON.readTree(line.substring(6)).at("/choices/0/delta/content");
          if (delta.isTextual()) {
            text.append(delta.asText());
          }
        }
      }
      return text.toString();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /** A loopback port that was free a moment ago. */
  public static int freePort() throws IOException {
    try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
      return s.getLocalPort();
    }
  }
}
