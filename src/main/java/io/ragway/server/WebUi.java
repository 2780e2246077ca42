package io.ragway.server;

import io.javalin.config.JavalinConfig;
import io.javalin.http.staticfiles.Location;

/**
 * The web UI: plain HTML, CSS and JavaScript from the classpath folder {@code ragway-ui},
 * served at {@code /}. Javalin tries static files only when no route matches, so {@code /v1/*},
 * {@code /metrics}, {@code /healthz} and {@code /readyz} keep winning, and a path that is neither
 * still gets the OpenAI-shaped 404.
 */
final class WebUi {

  // a name no Java package can have, so no other classpath folder (test classes!) shadows it
  static final String CLASSPATH_FOLDER = "/ragway-ui";

  private WebUi() {}

  static void serve(JavalinConfig config) {
    config.staticFiles.add(s -> {
      s.hostedPath = "/";
      s.directory = CLASSPATH_FOLDER;
      s.location = Location.CLASSPATH;
      // the pages are small and change with the jar; revalidate rather than cache for a year
      s.headers = java.util.Map.of("Cache-Control", "no-cache", "X-Content-Type-Options", "nosniff");
    });
  }
}
