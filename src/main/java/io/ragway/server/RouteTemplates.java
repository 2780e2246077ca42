package io.ragway.server;

import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;

/**
 * The route template a request path matches ({@code /v1/documents/doc_1f} matches
 * {@code /v1/documents/{id}}), so metrics label a bounded set of routes, never raw paths. Paths
 * that match no route are {@link #UNMATCHED}.
 */
final class RouteTemplates {

  static final String UNMATCHED = "unmatched";

  /** A template with parameters, split at its slashes. */
  private record Pattern(String template, String[] segments) {}

  private final Map<String, String> exact = new ConcurrentHashMap<>();
  private final List<Pattern> patterns = new CopyOnWriteArrayList<>();

  /** Adds a route as the server registers it: {@code {name}} is one path segment, {@code <name>} and {@code *} the rest. */
  void add(String template) {
    String t = withoutTrailingSlash(template);
    if (t.contains("{") || t.contains("<") || t.contains("*")) {
      if (patterns.stream().noneMatch(p -> p.template().equals(template))) {
        patterns.add(new Pattern(template, t.split("/", -1)));
      }
    } else {
      exact.put(t, template);
    }
  }

  /** The template {@code path} matches, or {@link #UNMATCHED}. */
  String match(String path) {
    String p = withoutTrailingSlash(path); // Javalin ignores a trailing slash too
    String found = exact.get(p);
    if (found != null) {
      return found;
    }
    for (Pattern pattern : patterns) {
      if (matches(pattern.segments(), p)) {
        return pattern.template();
      }
    }
    return UNMATCHED;
  }

  /** Walks the path segment by segment against the template, without splitting it. */
  private static boolean matches(String[] template, String path) {
    if (path.isEmpty() || path.charAt(0) != '/') {
      return false;
    }
    int pos = 1;
    for (int i = 1; i < template.length; i++) {
      String segment = template[i];
      if (segment.equals("*") || segment.startsWith("<")) {
        return true;
      }
      if (pos > path.length()) {
        return false;
      }
      int end = path.indexOf('/', pos);
      end = end < 0 ? path.length() : end;
      if (segment.startsWith("{")) {
        if (end == pos) {
          return false;
        }
      } else if (end - pos != segment.length() || !path.startsWith(segment, pos)) {
        return false;
      }
      pos = end + 1;
    }
    return pos == path.length() + 1;
  }

  private static String withoutTrailingSlash(String path) {
    return path.length() > 1 && path.endsWith("/") ? path.substring(0, path.length() - 1) : path;
  }
}
