package io.ragway.eval;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.ragway.config.JsonMappers;
import io.ragway.eval.AnswerEvaluation.Result;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * The outcome of an answer evaluation: each metric's mean over the rows that have it, how many
 * abstained, how long answers took, and the judge's failures.
 *
 * @param config what was run (data set, model, judge, ...), as shown in the summary
 */
public record AnswerReport(Map<String, String> config, AnswerDataset.Reading reading, List<Result> results) {

  private static final ObjectMapper JSON = JsonMappers.create();

  public AnswerReport {
    config = java.util.Collections.unmodifiableMap(new LinkedHashMap<>(config));
    results = List.copyOf(results);
  }

  /** Each metric's mean over the rows that have it, in {@link AnswerEvaluation#METRICS} order. */
  public Map<String, Double> means() {
    Map<String, Double> out = new LinkedHashMap<>();
    for (String m : AnswerEvaluation.METRICS) {
      results.stream().filter(r -> r.scores().containsKey(m)).mapToDouble(r -> r.scores().get(m)).average()
          .ifPresent(v -> out.put(m, v));
    }
    return out;
  }

  /** How many rows have each metric. */
  public Map<String, Integer> counts() {
    Map<String, Integer> out = new LinkedHashMap<>();
    for (String m : AnswerEvaluation.METRICS) {
      out.put(m, (int) results.stream().filter(r -> r.scores().containsKey(m)).count());
    }
    return out;
  }

  public int abstentions() {
    return (int) results.stream().filter(Result::abstained).count();
  }

  public double abstentionRate() {
    return results.isEmpty() ? 0 : (double) abstentions() / results.size();
  }

  /** Time to write each generated answer (retrieval included). */
  public LatencyStats latency() {
    return LatencyStats.ofNanos(results.stream().filter(r -> r.latencyMs().isPresent())
        .mapToLong(r -> Math.round(r.latencyMs().getAsDouble() * 1e6)).toArray());
  }

  /** Judge failures by metric, then by kind (parse, upstream). */
  public Map<String, Map<String, Integer>> judgeFailures() {
    Map<String, Map<String, Integer>> out = new TreeMap<>();
    results.forEach(r -> r.failures().forEach(f -> out.computeIfAbsent(f.metric(), k -> new TreeMap<>())
        .merge(f.kind(), 1, Integer::sum)));
    return out;
  }

  /** The summary {@code eval answers --json} prints and {@code eval compare} reads. */
  public ObjectNode summaryJson() {
    ObjectNode root = JSON.createObjectNode().put("kind", "answers");
    ObjectNode c = root.putObject("config");
    config.forEach(c::put);
    ObjectNode rd = root.putObject("reading");
    rd.put("recorded", reading.recorded()).put("regenerated", reading.regenerated())
        .put("answer_as_reference", reading.answerAsReference());
    root.put("questions", results.size());
    ObjectNode m = root.putObject("metrics");
    means().forEach((k, v) -> m.put(k, round(v)));
    ObjectNode n = root.putObject("counts");
    counts().forEach(n::put);
    root.put("abstentions", abstentions()).put("abstention_rate", round(abstentionRate()));
    LatencyStats l = latency();
    root.putObject("latency_ms").put("answers", l.count()).put("mean", round(l.meanMs())).put("p50", round(l.p50Ms()))
        .put("p99", round(l.p99Ms())).put("max", round(l.maxMs()));
    ObjectNode jf = root.putObject("judge_failures");
    judgeFailures().forEach((metric, kinds) -> {
      ObjectNode k = jf.putObject(metric);
      kinds.forEach(k::put);
    });
    return root;
  }

  /** The summary and every row's answer, contexts and scores: what {@code --out} writes. */
  public ObjectNode resultsJson() {
    ObjectNode root = JSON.createObjectNode();
    root.set("summary", summaryJson());
    var list = root.putArray("results");
    for (Result r : results) {
      ObjectNode q = list.addObject().put("id", r.row().id()).put("line", r.row().line()).put("question", r.row().question())
          .put("reading", r.row().kind().name().toLowerCase(java.util.Locale.ROOT)).put("answer", r.answer())
          .put("reference", r.row().reference()).put("abstained", r.abstained());
      if (r.latencyMs().isPresent()) {
        q.put("latency_ms", round(r.latencyMs().getAsDouble()));
      }
      var ctx = q.putArray("contexts");
      r.contexts().forEach(ctx::add);
      ObjectNode s = q.putObject("scores");
      AnswerEvaluation.METRICS.stream().filter(r.scores()::containsKey).forEach(k -> s.put(k, round(r.scores().get(k))));
      if (!r.failures().isEmpty()) {
        var f = q.putArray("judge_failures");
        r.failures().forEach(x -> f.addObject().put("metric", x.metric()).put("kind", x.kind()).put("message", x.message()));
      }
    }
    return root;
  }

  static double round(double v) {
    return Math.round(v * 10000) / 10000.0;
  }
}
