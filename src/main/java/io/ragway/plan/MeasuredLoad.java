package io.ragway.plan;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.HashMap;
import java.util.Map;
import java.util.Set;
import java.util.function.Predicate;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The load a running ragway serves, read from two scrapes of its {@code /metrics} a window apart:
 * answered chat completions per second and their mean prompt and output tokens. Answers from the
 * cache and the built-in extractive answerer are left out: they use no model.
 */
public final class MeasuredLoad {

  private static final Pattern SAMPLE = Pattern.compile("^([a-zA-Z_:][a-zA-Z0-9_:]*)(?:\\{(.*)})?\\s+(\\S+)");
  private static final Pattern LABEL = Pattern.compile("([a-zA-Z_][a-zA-Z0-9_]*)=\"((?:[^\"\\\\]|\\\\.)*)\"");
  private static final Set<String> NOT_A_MODEL = Set.of("cache", "extractive", "none", "");

  private MeasuredLoad() {}

  /** Sums the samples of {@code name} whose labels pass {@code filter} in a Prometheus text exposition. */
  static double sum(String exposition, String name, Predicate<Map<String, String>> filter) {
    double total = 0;
    for (String line : exposition.split("\n")) {
      if (line.startsWith("#")) {
        continue;
      }
      Matcher m = SAMPLE.matcher(line);
      if (!m.find() || !m.group(1).equals(name)) {
        continue;
      }
      Map<String, String> labels = new HashMap<>();
      if (m.group(2) != null) {
        Matcher l = LABEL.matcher(m.group(2));
        while (l.find()) {
          labels.put(l.group(1), l.group(2));
        }
      }
      if (filter.test(labels)) {
        total += Double.parseDouble(m.group(3));
      }
    }
    return total;
  }

  /**
   * The load between two scrapes {@code seconds} apart, for {@code model} or every model when empty.
   *
   * @throws IllegalArgumentException when no model answered a chat completion in between
   */
  public static CapacityPlanner.Load between(String before, String after, double seconds, String model) {
    Predicate<Map<String, String>> served = l -> !NOT_A_MODEL.contains(l.getOrDefault("backend", ""))
        && (model.isEmpty() || model.equals(l.get("model")));
    Predicate<Map<String, String>> answered = l -> served.test(l) && "200".equals(l.get("status"))
        && "/v1/chat/completions".equals(l.get("route"));
    double requests = sum(after, "ragway_requests_total", answered) - sum(before, "ragway_requests_total", answered);
    if (requests <= 0) {
      throw new IllegalArgumentException("no chat completion answered by a model" + (model.isEmpty() ? "" : " '" + model + "'")
          + " in the " + seconds + " s window; send traffic, widen --window, or give --rps and token counts instead");
    }
    double input = delta(before, after, served, "input");
    double output = delta(before, after, served, "output");
    return new CapacityPlanner.Load(requests / seconds, input / requests, Math.max(output / requests, 1e-9));
  }

  private static double delta(String before, String after, Predicate<Map<String, String>> served, String direction) {
    Predicate<Map<String, String>> f = l -> served.test(l) && direction.equals(l.get("direction"));
    return sum(after, "ragway_tokens_total", f) - sum(before, "ragway_tokens_total", f);
  }

  /**
   * Scrapes {@code url} twice, {@code window} apart.
   *
   * @param token the bearer token of {@code telemetry.metrics_token}, or empty
   */
  public static CapacityPlanner.Load measure(URI url, String token, Duration window, String model)
      throws IOException, InterruptedException {
    HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
    long t0 = System.nanoTime();
    String before = scrape(http, url, token);
    Thread.sleep(window.toMillis());
    String after = scrape(http, url, token);
    return between(before, after, (System.nanoTime() - t0) / 1e9, model);
  }

  private static String scrape(HttpClient http, URI url, String token) throws IOException, InterruptedException {
    HttpRequest.Builder b = HttpRequest.newBuilder(url).timeout(Duration.ofSeconds(10)).GET();
    if (!token.isEmpty()) {
      b.header("Authorization", "Bearer " + token);
    }
    HttpResponse<String> r;
    try {
      r = http.send(b.build(), HttpResponse.BodyHandlers.ofString());
    } catch (IOException e) {
      throw new IOException("could not scrape " + url + ": "
          + (e.getMessage() == null ? e.getClass().getSimpleName() : e.getMessage()), e);
    }
    if (r.statusCode() != 200) {
      throw new IOException(url + " answered " + r.statusCode() + (r.statusCode() == 401 || r.statusCode() == 403
          ? " (give the metrics token with --metrics-token)" : ""));
    }
    return r.body();
  }
}
