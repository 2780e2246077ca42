package io.ragway.guard;

import java.util.LinkedHashMap;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The placeholders of one request and the values they stand for. Lives only as long as the
 * request: nothing of it is stored.
 */
public final class Pseudonyms {

  private static final Pattern PLACEHOLDER = Pattern.compile("<([A-Z_]+)_(\\d+)>");

  private final Map<String, String> byValue = new LinkedHashMap<>();
  private final Map<String, String> byPlaceholder = new LinkedHashMap<>();

  /** The placeholder of {@code value}, the same each time the request mentions it. */
  String placeholder(PiiType type, String value) {
    return byValue.computeIfAbsent(type + "|" + value, k -> {
      long n = byPlaceholder.keySet().stream().filter(p -> p.startsWith("<" + type + "_")).count() + 1;
      String p = "<" + type + "_" + n + ">";
      byPlaceholder.put(p, value);
      return p;
    });
  }

  public boolean isEmpty() {
    return byPlaceholder.isEmpty();
  }

  /** {@code text} with every known placeholder put back to its value; unknown ones are left. */
  public String restore(String text) {
    if (byPlaceholder.isEmpty()) {
      return text;
    }
    Matcher m = PLACEHOLDER.matcher(text);
    return m.replaceAll(r -> Matcher.quoteReplacement(byPlaceholder.getOrDefault(r.group(), r.group())));
  }

  /**
   * How many characters at the end of a streamed text might be the start of a placeholder not yet
   * complete, so a stream holds them back until it knows.
   */
  static int pendingTail(CharSequence text) {
    int lt = -1;
    for (int i = text.length() - 1; i >= 0 && text.length() - i <= 40; i--) {
      char c = text.charAt(i);
      if (c == '<') {
        lt = i;
        break;
      }
      if (c == '>' || !(Character.isUpperCase(c) || Character.isDigit(c) || c == '_')) {
        return 0;
      }
    }
    return lt < 0 ? 0 : text.length() - lt;
  }
}
