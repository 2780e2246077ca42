package io.ragway.eval;

import io.ragway.guard.PiiDetector;
import io.ragway.guard.PiiSpan;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;

/**
 * Per-entity precision and recall of the PII detector against labelled spans. A found span counts
 * when its type and both offsets equal a labelled span's (exact match, the strictest reading);
 * overlap recall also counts a labelled span any found span of its type overlaps, which is what
 * redaction needs. Labelled types the detector does not look for are listed with
 * {@code detected = false}.
 *
 * @param entities one entry per entity type seen in the labels or in the detector's output
 */
public record PiiEvaluation(int texts, List<Entity> entities, LatencyStats latency) {

  /** A labelled text: its spans' types are names as the data set writes them. */
  public record Row(String text, List<Gold> spans) {}

  public record Gold(String type, int start, int end) {}

  /**
   * @param detected whether ragway's detector looks for this type at all
   * @param labelled spans of this type in the data
   * @param found spans of this type the detector returned
   * @param correct found spans that equal a labelled one
   * @param overlapRecall the share of labelled spans that a found span of the same type overlaps
   */
  public record Entity(String type, boolean detected, int labelled, int found, int correct, double precision,
      double recall, double overlapRecall) {}

  public static PiiEvaluation run(PiiDetector detector, List<Row> rows) {
    Map<String, int[]> counts = new TreeMap<>(); // labelled, found, correct, overlapped
    long[] nanos = new long[rows.size()];
    for (int i = 0; i < rows.size(); i++) {
      Row row = rows.get(i);
      long t0 = System.nanoTime();
      List<PiiSpan> spans = detector.find(row.text());
      nanos[i] = System.nanoTime() - t0;
      Set<String> gold = new HashSet<>();
      for (Gold g : row.spans()) {
        int[] c = counts.computeIfAbsent(g.type(), k -> new int[4]);
        c[0]++;
        gold.add(g.type() + "|" + g.start() + "|" + g.end());
        if (spans.stream().anyMatch(s -> s.type().name().equals(g.type()) && s.start() < g.end() && s.end() > g.start())) {
          c[3]++;
        }
      }
      for (PiiSpan s : spans) {
        int[] c = counts.computeIfAbsent(s.type().name(), k -> new int[4]);
        c[1]++;
        if (gold.contains(s.type().name() + "|" + s.start() + "|" + s.end())) {
          c[2]++;
        }
      }
    }
    List<Entity> entities = new ArrayList<>();
    counts.forEach((type, c) -> entities.add(new Entity(type, looksFor(detector, type), c[0], c[1], c[2],
        c[1] == 0 ? 0 : (double) c[2] / c[1], c[0] == 0 ? 0 : (double) c[2] / c[0],
        c[0] == 0 ? 0 : (double) c[3] / c[0])));
    return new PiiEvaluation(rows.size(), entities, LatencyStats.ofNanos(nanos));
  }

  private static boolean looksFor(PiiDetector detector, String type) {
    return detector.types().stream().anyMatch(t -> t.name().equals(type));
  }
}
