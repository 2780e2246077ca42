package io.ragway.bench;

import java.io.BufferedInputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.util.Locale;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;

/**
 * The upstream of the gateway bench: a minimal OpenAI-compatible server on loopback that answers
 * {@code POST /v1/chat/completions} with one fixed, small, non-streaming {@code chat.completion}.
 *
 * <p>It has to cost next to nothing, since every path of the bench pays for it: HTTP/1.1 over
 * blocking sockets, one platform thread per keep-alive connection, the request head parsed just
 * enough to find the path and skip the body, and the whole response written in one call from
 * bytes prepared once. Anything else gets a 404; {@code Upgrade: h2c} is ignored, as HTTP/1.1
 * allows.
 */
final class FastUpstream implements AutoCloseable {

  /** What every completion answers. */
  static final String COMPLETION = """
      {"id":"chatcmpl-bench","object":"chat.completion","created":1700000000,"model":"bench-model",\
      "choices":[{"index":0,"message":{"role":"assistant","content":"OK","refusal":null},"logprobs":null,\
      "finish_reason":"stop"}],"usage":{"prompt_tokens":12,"completion_tokens":1,"total_tokens":13}}""";

  private static final byte[] OK = response("200 OK", COMPLETION);
  private static final byte[] NOT_FOUND = response("404 Not Found",
      "{\"error\":{\"message\":\"only POST /v1/chat/completions is served\",\"type\":\"invalid_request_error\"}}");
  private static final int MAX_HEAD = 16 * 1024;

  private final ServerSocket listener;
  private final Set<Socket> open = ConcurrentHashMap.newKeySet();
  private final AtomicLong accepted = new AtomicLong();
  private final Thread acceptor;

  private FastUpstream() throws IOException {
    listener = new ServerSocket(0, 1024, InetAddress.getLoopbackAddress());
    acceptor = Thread.ofPlatform().daemon().name("fast-upstream-accept").start(this::accept);
  }

  /** Starts listening on a free loopback port. */
  static FastUpstream start() throws IOException {
    return new FastUpstream();
  }

  int port() {
    return listener.getLocalPort();
  }

  /** Connections accepted so far: a client that keeps its connections alive opens few. */
  long connectionsAccepted() {
    return accepted.get();
  }

  /** The API root, as a model's {@code base_url}. */
  URI baseUrl() {
    return URI.create("http://127.0.0.1:" + port() + "/v1");
  }

  @Override
  public void close() {
    try {
      listener.close();
    } catch (IOException ignored) {
      // closing is all we wanted
    }
    for (Socket s : open) {
      closeQuietly(s);
    }
    try {
      acceptor.join(2000);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }

  private void accept() {
    int n = 0;
    while (!listener.isClosed()) {
      Socket s;
      try {
        s = listener.accept();
      } catch (IOException e) {
        return; // closed
      }
      open.add(s);
      accepted.incrementAndGet();
      Thread.ofPlatform().daemon().name("fast-upstream-" + n++).start(() -> serve(s));
    }
  }

  private void serve(Socket socket) {
    try (socket) {
      socket.setTcpNoDelay(true);
      InputStream in = new BufferedInputStream(socket.getInputStream(), 8192);
      OutputStream out = socket.getOutputStream();
      byte[] head = new byte[MAX_HEAD];
      while (true) {
        int length = readHead(in, head);
        if (length < 0) {
          return; // the client closed the connection between requests
        }
        Request r = Request.parse(new String(head, 0, length, StandardCharsets.ISO_8859_1));
        if (r.chunked()) {
          skipChunked(in);
        } else {
          skip(in, r.contentLength());
        }
        out.write(r.method().equals("POST") && r.path().equals("/v1/chat/completions") ? OK : NOT_FOUND);
        out.flush();
        if (r.close()) {
          return;
        }
      }
    } catch (IOException | RuntimeException e) {
      // a broken or malformed connection ends here; the bench client reports failed requests
    } finally {
      open.remove(socket);
    }
  }

  /** What the server needs from a request head. */
  private record Request(String method, String path, long contentLength, boolean chunked, boolean close) {
    static Request parse(String head) {
      int lineEnd = head.indexOf("\r\n");
      String[] line = (lineEnd < 0 ? head : head.substring(0, lineEnd)).split(" ");
      if (line.length != 3) {
        throw new IllegalArgumentException("bad request line");
      }
      long length = 0;
      boolean chunked = false;
      boolean close = line[2].equals("HTTP/1.0");
      int at = lineEnd + 2;
      while (lineEnd >= 0 && at < head.length()) {
        int end = head.indexOf("\r\n", at);
        String header = head.substring(at, end < 0 ? head.length() : end);
        at = end < 0 ? head.length() : end + 2;
        int colon = header.indexOf(':');
        if (colon <= 0) {
          continue;
        }
        String name = header.substring(0, colon).strip().toLowerCase(Locale.ROOT);
        String value = header.substring(colon + 1).strip().toLowerCase(Locale.ROOT);
        switch (name) {
          case "content-length" -> length = Long.parseLong(value);
          case "transfer-encoding" -> chunked = value.contains("chunked");
          case "connection" -> close = value.contains("close") || (close && !value.contains("keep-alive"));
          default -> { }
        }
      }
      return new Request(line[0], line[1], length, chunked, close);
    }
  }

  /** Reads up to and including the blank line ending a request head; -1 at a clean end of stream. */
  private static int readHead(InputStream in, byte[] buf) throws IOException {
    int n = 0;
    while (true) {
      int b = in.read();
      if (b < 0) {
        if (n == 0) {
          return -1;
        }
        throw new EOFException("connection closed inside a request head");
      }
      if (n == buf.length) {
        throw new IOException("request head over " + buf.length + " bytes");
      }
      buf[n++] = (byte) b;
      if (n >= 4 && b == '\n' && buf[n - 2] == '\r' && buf[n - 3] == '\n' && buf[n - 4] == '\r') {
        return n - 4;
      }
    }
  }

  private static void skip(InputStream in, long n) throws IOException {
    while (n > 0) {
      long skipped = in.skip(n);
      if (skipped <= 0) {
        if (in.read() < 0) {
          throw new EOFException("connection closed inside a request body");
        }
        skipped = 1;
      }
      n -= skipped;
    }
  }

  private static void skipChunked(InputStream in) throws IOException {
    while (true) {
      String size = line(in);
      int semicolon = size.indexOf(';');
      long n = Long.parseLong((semicolon < 0 ? size : size.substring(0, semicolon)).strip(), 16);
      if (n == 0) {
        while (!line(in).isEmpty()) {
          // trailers
        }
        return;
      }
      skip(in, n);
      line(in);
    }
  }

  private static String line(InputStream in) throws IOException {
    StringBuilder b = new StringBuilder();
    int c;
    while ((c = in.read()) != '\n') {
      if (c < 0) {
        throw new EOFException("connection closed inside a chunked body");
      }
      if (c != '\r') {
        b.append((char) c);
      }
    }
    return b.toString();
  }

  private static byte[] response(String status, String body) {
    byte[] b = body.getBytes(StandardCharsets.UTF_8);
    String head = "HTTP/1.1 " + status + "\r\nContent-Type: application/json\r\nContent-Length: " + b.length + "\r\n\r\n";
    byte[] h = head.getBytes(StandardCharsets.ISO_8859_1);
    byte[] out = new byte[h.length + b.length];
    System.arraycopy(h, 0, out, 0, h.length);
    System.arraycopy(b, 0, out, h.length, b.length);
    return out;
  }

  private static void closeQuietly(Socket s) {
    try {
      s.close();
    } catch (IOException ignored) {
      // closing is all we wanted
    }
  }
}
