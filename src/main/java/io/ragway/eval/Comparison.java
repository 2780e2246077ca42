package io.ragway.eval;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/**
 * Two evaluation summaries side by side, each metric gated by the drop it may take: the CI gate
 * for a prompt, model, chunking or retrieval change. Every metric compared is one where higher is
 * better; names are lower case.
 *
 * @param rows one per metric in either summary, base order first
 * @param notes differences in what was measured (other data set sizes), for people to read
 */
public record Comparison(List<Row> rows, List<String> notes) {

  private static final ObjectMapper JSON = new ObjectMapper();

  public Comparison {
    rows = List.copyOf(rows);
    notes = List.copyOf(notes);
  }

  /**
   * The drop a metric may take: {@code value} absolute (0.02 is two points of a 0-1 score) or,
   * when {@code relative}, a fraction of the base value.
   */
  public record MaxDrop(double value, boolean relative) {
    public MaxDrop {
      if (!(value >= 0) || Double.isInfinite(value)) {
        throw new IllegalArgumentException("a maximum drop must be a number >= 0, not " + value);
      }
    }

    /** Reads "0.02" (absolute) or "5%" (relative). */
    public static MaxDrop parse(String text) {
      String t = text.strip();
      try {
        return t.endsWith("%") ? new MaxDrop(Double.parseDouble(t.substring(0, t.length() - 1)) / 100, true)
            : new MaxDrop(Double.parseDouble(t), false);
      } catch (NumberFormatException e) {
        throw new IllegalArgumentException("a maximum drop must be a number like 0.02 or 5%, not '" + text + "'");
      }
    }

    @Override
    public String toString() {
      return relative ? String.format(Locale.ROOT, "%.4g%%", value * 100) : String.format(Locale.ROOT, "%.4f", value);
    }
  }

  /**
   * One metric.
   *
   * @param maxDrop the gate, if one was set for it
   * @param pass false when it dropped more than allowed, or a gated metric is missing from the new run
   */
  public record Row(String metric, Optional<Double> base, Optional<Double> next, Optional<MaxDrop> maxDrop, boolean pass) {
    public Optional<Double> delta() {
      return base.isPresent() && next.isPresent() ? Optional.of(next.get() - base.get()) : Optional.empty();
    }
  }

  /** A summary file's metrics, and how many questions it covered (0 when it does not say). */
  public record Summary(Map<String, Double> metrics, int questions) {}

  public boolean passed() {
    return rows.stream().allMatch(Row::pass);
  }

  /**
   * Compares {@code next} with {@code base}.
   *
   * @param maxDrops by metric name: a full name, a name that every mode's metric ends with
   *     ({@code ndcg@10} gates {@code hybrid.ndcg@10}), or {@code *} for every metric not named
   * @throws IllegalArgumentException when a name matches no metric of either summary
   */
  public static Comparison of(Summary base, Summary next, Map<String, MaxDrop> maxDrops) {
    Set<String> names = new LinkedHashSet<>(base.metrics().keySet());
    names.addAll(next.metrics().keySet());
    for (String key : maxDrops.keySet()) {
      if (!key.equals("*") && names.stream().noneMatch(n -> matches(key, n))) {
        throw new IllegalArgumentException("unknown metric '" + key + "' in --max-drop (the summaries have: "
            + String.join(", ", names) + ")");
      }
    }
    List<Row> rows = new ArrayList<>();
    for (String n : names) {
      Optional<MaxDrop> gate = gateFor(n, maxDrops);
      Optional<Double> b = Optional.ofNullable(base.metrics().get(n));
      Optional<Double> x = Optional.ofNullable(next.metrics().get(n));
      boolean pass = true;
      if (gate.isPresent() && b.isPresent()) {
        if (x.isEmpty()) {
          pass = false;
        } else {
          double allowed = gate.get().relative() ? gate.get().value() * Math.abs(b.get()) : gate.get().value();
          pass = b.get() - x.get() <= allowed + 1e-9;
        }
      }
      rows.add(new Row(n, b, x, gate, pass));
    }
    List<String> notes = new ArrayList<>();
    if (base.questions() > 0 && next.questions() > 0 && base.questions() != next.questions()) {
      notes.add("the runs cover different numbers of questions (" + base.questions() + " and " + next.questions()
          + "): are they the same data set?");
    }
    return new Comparison(rows, notes);
  }

  private static Optional<MaxDrop> gateFor(String metric, Map<String, MaxDrop> maxDrops) {
    if (maxDrops.containsKey(metric)) {
      return Optional.of(maxDrops.get(metric));
    }
    return maxDrops.entrySet().stream().filter(e -> !e.getKey().equals("*") && matches(e.getKey(), metric))
        .map(Map.Entry::getValue).findFirst().or(() -> Optional.ofNullable(maxDrops.get("*")));
  }

  private static boolean matches(String key, String metric) {
    return metric.equals(key) || metric.endsWith("." + key);
  }

  /**
   * Reads a summary: the JSON of {@code eval answers --json} (or its {@code --out} file), or the
   * JSON lines of {@code eval retrieval --json} (several modes' metrics are named
   * {@code mode.metric}).
   *
   * @throws IllegalArgumentException when the file is neither
   */
  public static Summary read(Path file) throws IOException {
    if (!Files.isRegularFile(file)) {
      throw new IllegalArgumentException("cannot read " + file + ": no such file");
    }
    List<JsonNode> lines = new ArrayList<>();
    String text = Files.readString(file);
    try {
      var parser = JSON.getFactory().createParser(text);
      var it = JSON.readValues(parser, JsonNode.class);
      while (it.hasNext()) {
        lines.add(it.next());
      }
    } catch (IOException | RuntimeException e) {
      throw new IllegalArgumentException(file + " is not JSON (expected the output of 'eval answers --json' or 'eval retrieval --json')");
    }
    if (lines.size() == 1 && lines.get(0).has("summary")) {
      lines = List.of(lines.get(0).get("summary"));
    }
    if (lines.size() == 1 && lines.get(0).path("metrics").isObject()) {
      Map<String, Double> m = new LinkedHashMap<>();
      lines.get(0).get("metrics").properties().forEach(e -> {
        if (e.getValue().isNumber()) {
          m.put(e.getKey().toLowerCase(Locale.ROOT), e.getValue().asDouble());
        }
      });
      return new Summary(m, lines.get(0).path("questions").asInt(0));
    }
    if (!lines.isEmpty() && lines.stream().allMatch(l -> l.isObject() && l.has("mode"))) {
      Map<String, Double> m = new LinkedHashMap<>();
      for (JsonNode l : lines) {
        String prefix = lines.size() == 1 ? "" : l.get("mode").asText().toLowerCase(Locale.ROOT) + ".";
        l.properties().forEach(e -> {
          if (e.getKey().contains("@") && e.getValue().isNumber()) {
            m.put(prefix + e.getKey().toLowerCase(Locale.ROOT), e.getValue().asDouble());
          }
        });
      }
      return new Summary(m, lines.get(0).path("queries").asInt(0));
    }
    throw new IllegalArgumentException(file + " is not a summary of 'eval answers --json' or 'eval retrieval --json'");
  }
}
