package io.ragway.replay;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.ragway.eval.TextMetrics;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.OptionalDouble;
import java.util.Set;
import java.util.TreeSet;

/**
 * What changed between a recorded answer ({@code then}) and its replay ({@code now}): chunks added,
 * dropped and moved, in the final retrieval and in each step; citations added and dropped; whether
 * the answers are identical, and their token F1; guard decisions, latency per stage and the index
 * generation on both sides.
 *
 * @param with {@code recorded} or {@code current}: whose settings the replay ran with
 * @param retrieved the final retrieval's changes
 * @param steps each retrieval step's changes (bm25, dense, fused, reranked, mmr), for steps either side ran
 * @param sameAnswer whether the answers are identical; empty when the recorded answer was not kept
 * @param tokenF1 the token F1 of the new answer against the recorded one (SQuAD's), when it was kept
 * @param notes what the reader should know (settings not recorded, a reranker missing now...)
 */
public record ReplayDiff(String id, String tenant, String with, Side then, Side now, ChunkDiff retrieved,
    Map<String, ChunkDiff> steps, List<String> citationsAdded, List<String> citationsDropped,
    Optional<Boolean> sameAnswer, OptionalDouble tokenF1, List<String> notes) {

  public ReplayDiff {
    Objects.requireNonNull(id, "id");
    Objects.requireNonNull(then, "then");
    Objects.requireNonNull(now, "now");
    Objects.requireNonNull(retrieved, "retrieved");
    steps = Collections.unmodifiableMap(new LinkedHashMap<>(steps));
    citationsAdded = List.copyOf(citationsAdded);
    citationsDropped = List.copyOf(citationsDropped);
    Objects.requireNonNull(sameAnswer, "sameAnswer");
    Objects.requireNonNull(tokenF1, "tokenF1");
    notes = List.copyOf(notes);
  }

  /**
   * A chunk in a ranking.
   *
   * @param textHash {@link io.ragway.retrieve.Retrieval#textHash} of its text; empty when not known
   */
  public record Ranked(String id, double score, int rank, String textHash) {
    public Ranked {
      Objects.requireNonNull(id, "id");
      textHash = textHash == null ? "" : textHash;
    }

    public Ranked(String id, double score, int rank) {
      this(id, score, rank, "");
    }
  }

  /** A chunk ranked on both sides, at another rank now. */
  public record Move(String id, int from, int to) {}

  /**
   * How one ranking changed.
   *
   * @param kept how many chunks are on both sides
   * @param edited the ids of chunks on both sides whose text changed (a document re-ingested), best first
   */
  public record ChunkDiff(List<Ranked> added, List<Ranked> dropped, List<Move> moved, int kept, List<String> edited) {
    public ChunkDiff {
      added = List.copyOf(added);
      dropped = List.copyOf(dropped);
      moved = List.copyOf(moved);
      edited = List.copyOf(edited);
    }

    public boolean unchanged() {
      return added.isEmpty() && dropped.isEmpty() && moved.isEmpty() && edited.isEmpty();
    }

    /** The changes from {@code then} to {@code now}, each best first. */
    public static ChunkDiff of(List<Ranked> then, List<Ranked> now) {
      Map<String, Ranked> before = new HashMap<>();
      then.forEach(r -> before.putIfAbsent(r.id(), r));
      Map<String, Ranked> after = new HashMap<>();
      now.forEach(r -> after.putIfAbsent(r.id(), r));
      List<Ranked> added = now.stream().filter(r -> !before.containsKey(r.id())).toList();
      List<Ranked> dropped = then.stream().filter(r -> !after.containsKey(r.id())).toList();
      List<Move> moved = new ArrayList<>();
      List<String> edited = new ArrayList<>();
      int kept = 0;
      for (Ranked r : now) {
        Ranked b = before.get(r.id());
        if (b != null && after.get(r.id()) == r) {
          kept++;
          if (b.rank() != r.rank()) {
            moved.add(new Move(r.id(), b.rank(), r.rank()));
          }
          if (!b.textHash().isEmpty() && !r.textHash().isEmpty() && !b.textHash().equals(r.textHash())) {
            edited.add(r.id());
          }
        }
      }
      return new ChunkDiff(added, dropped, moved, kept, edited);
    }
  }

  /**
   * The retrieval settings one side ran with.
   *
   * @param recorded false when the record kept no settings (an older record, a cached answer)
   */
  public record Settings(String mode, int k, boolean mmr, int candidates, int rrfK, double mmrLambda, boolean rerank,
      int rerankTopN, boolean recorded) {
    String describe() {
      return recorded ? String.format(Locale.ROOT, "%s k=%d%s%s", mode, k, mmr ? " mmr=" + mmrLambda : "",
          rerank ? " rerank(top " + rerankTopN + ")" : "") : "not recorded";
    }
  }

  /**
   * One side of a replay: the record, or the run again.
   *
   * @param writer what wrote the answer: {@code extractive}, an upstream model, or {@code cache}
   * @param promptVersion the prompt version the writer was given; empty for the extractive answerer
   * @param settings empty for an upstream model's answer (nothing was retrieved)
   * @param retrieved the chunks retrieval returned, best first; empty when none were (or none recorded)
   * @param steps each retrieval step's best chunks
   * @param cited the ids of the chunks the answer cites
   * @param answer the answer; empty when it was not kept
   * @param guard the guard's decisions, {@code check=action}
   * @param stages milliseconds per stage
   */
  public record Side(String writer, String promptVersion, String upstreamModel, String systemFingerprint,
      Optional<Settings> settings, long indexGeneration, String embeddingModel, String guardPolicy, List<Ranked> retrieved,
      Map<String, List<Ranked>> steps, List<String> cited, Optional<String> answer, List<String> guard,
      Map<String, Double> stages, double latencyMs) {
    public Side {
      Objects.requireNonNull(writer, "writer");
      Objects.requireNonNull(promptVersion, "promptVersion");
      Objects.requireNonNull(upstreamModel, "upstreamModel");
      Objects.requireNonNull(systemFingerprint, "systemFingerprint");
      Objects.requireNonNull(settings, "settings");
      Objects.requireNonNull(embeddingModel, "embeddingModel");
      Objects.requireNonNull(guardPolicy, "guardPolicy");
      retrieved = List.copyOf(retrieved);
      Map<String, List<Ranked>> s = new LinkedHashMap<>();
      steps.forEach((k, v) -> s.put(k, List.copyOf(v)));
      steps = Collections.unmodifiableMap(s);
      cited = List.copyOf(cited);
      Objects.requireNonNull(answer, "answer");
      guard = List.copyOf(guard);
      stages = Collections.unmodifiableMap(new LinkedHashMap<>(stages));
    }
  }

  /** Compares {@code then} with {@code now}. */
  public static ReplayDiff compare(String id, String tenant, String with, Side then, Side now, List<String> notes) {
    Set<String> names = new LinkedHashSet<>(then.steps().keySet());
    names.addAll(now.steps().keySet());
    Map<String, ChunkDiff> steps = new LinkedHashMap<>();
    for (String n : names) {
      steps.put(n, ChunkDiff.of(then.steps().getOrDefault(n, List.of()), now.steps().getOrDefault(n, List.of())));
    }
    List<String> citedAdded = now.cited().stream().filter(c -> !then.cited().contains(c)).distinct().toList();
    List<String> citedDropped = then.cited().stream().filter(c -> !now.cited().contains(c)).distinct().toList();
    Optional<Boolean> same = Optional.empty();
    OptionalDouble f1 = OptionalDouble.empty();
    List<String> all = new ArrayList<>(notes);
    if (then.answer().isPresent() && now.answer().isPresent()) {
      same = Optional.of(then.answer().get().equals(now.answer().get()));
      f1 = OptionalDouble.of(TextMetrics.f1(now.answer().get(), then.answer().get()));
    } else if (then.answer().isEmpty()) {
      all.add("the recorded answer was not kept (records.content): answers are not compared");
    }
    if (!then.upstreamModel().isEmpty() && !then.systemFingerprint().isEmpty()
        && !then.systemFingerprint().equals(now.systemFingerprint())) {
      all.add("the upstream's system_fingerprint changed (" + then.systemFingerprint() + " -> "
          + (now.systemFingerprint().isEmpty() ? "none" : now.systemFingerprint()) + "): its backend changed, expect other answers");
    }
    return new ReplayDiff(id, tenant, with, then, now, ChunkDiff.of(then.retrieved(), now.retrieved()), steps, citedAdded,
        citedDropped, same, f1, all);
  }

  /** Whether nothing that replay compares changed (answer, retrieval, citations). */
  public boolean reproduced() {
    return sameAnswer.orElse(true) && retrieved.unchanged() && steps.values().stream().allMatch(ChunkDiff::unchanged)
        && citationsAdded.isEmpty() && citationsDropped.isEmpty();
  }

  // ---- output ----

  /** The diff as one JSON object whose keys do not change from one replay to the next. */
  public ObjectNode toJson(ObjectMapper json) {
    ObjectNode out = json.createObjectNode().put("object", "replay").put("id", id).put("tenant", tenant).put("with", with)
        .put("reproduced", reproduced());
    ObjectNode answer = out.putObject("answer");
    if (sameAnswer.isPresent()) {
      answer.put("identical", sameAnswer.get());
    } else {
      answer.putNull("identical");
    }
    if (tokenF1.isPresent()) {
      answer.put("token_f1", round(tokenF1.getAsDouble()));
    } else {
      answer.putNull("token_f1");
    }
    if (then.answer().isPresent()) {
      answer.put("then", then.answer().get());
    } else {
      answer.putNull("then");
    }
    answer.put("now", now.answer().orElse(""));
    out.set("retrieved", chunkDiff(json, retrieved));
    ObjectNode steps = out.putObject("steps");
    this.steps.forEach((n, d) -> steps.set(n, chunkDiff(json, d)));
    ObjectNode citations = out.putObject("citations");
    strings(citations.putArray("then"), then.cited());
    strings(citations.putArray("now"), now.cited());
    strings(citations.putArray("added"), citationsAdded);
    strings(citations.putArray("dropped"), citationsDropped);
    ObjectNode guard = out.putObject("guard");
    guard.put("policy_then", then.guardPolicy()).put("policy_now", now.guardPolicy());
    strings(guard.putArray("then"), then.guard());
    strings(guard.putArray("now"), now.guard());
    ObjectNode latency = out.putObject("latency_ms");
    latency.putObject("total").put("then", round(then.latencyMs())).put("now", round(now.latencyMs()));
    ObjectNode stages = latency.putObject("stages");
    for (String s : stageNames()) {
      ObjectNode st = stages.putObject(s);
      put(st, "then", then.stages().get(s));
      put(st, "now", now.stages().get(s));
    }
    out.set("then", side(json, then));
    out.set("now", side(json, now));
    strings(out.putArray("notes"), notes);
    return out;
  }

  private static ObjectNode side(ObjectMapper json, Side s) {
    ObjectNode o = json.createObjectNode().put("writer", s.writer()).put("prompt_version", s.promptVersion())
        .put("upstream_model", s.upstreamModel()).put("system_fingerprint", s.systemFingerprint())
        .put("index_generation", s.indexGeneration()).put("embedding_model", s.embeddingModel());
    if (s.settings().isPresent() && s.settings().get().recorded()) {
      Settings t = s.settings().get();
      o.putObject("retrieval").put("mode", t.mode()).put("k", t.k()).put("mmr", t.mmr()).put("candidates", t.candidates())
          .put("rrf_k", t.rrfK()).put("mmr_lambda", t.mmrLambda()).put("rerank", t.rerank()).put("rerank_top_n", t.rerankTopN());
    } else {
      o.putNull("retrieval");
    }
    ranked(o.putArray("retrieved"), s.retrieved());
    return o;
  }

  private static ObjectNode chunkDiff(ObjectMapper json, ChunkDiff d) {
    ObjectNode o = json.createObjectNode().put("unchanged", d.unchanged()).put("kept", d.kept());
    ranked(o.putArray("added"), d.added());
    ranked(o.putArray("dropped"), d.dropped());
    ArrayNode moved = o.putArray("moved");
    d.moved().forEach(m -> moved.addObject().put("id", m.id()).put("from", m.from()).put("to", m.to()));
    strings(o.putArray("edited"), d.edited());
    return o;
  }

  private static void ranked(ArrayNode a, List<Ranked> list) {
    list.forEach(r -> a.addObject().put("id", r.id()).put("score", round(r.score())).put("rank", r.rank()));
  }

  private static void strings(ArrayNode a, List<String> list) {
    list.forEach(a::add);
  }

  private static void put(ObjectNode o, String key, Double v) {
    if (v == null) {
      o.putNull(key);
    } else {
      o.put(key, round(v));
    }
  }

  private static double round(double v) {
    return Math.round(v * 10_000) / 10_000.0;
  }

  private Set<String> stageNames() {
    Set<String> names = new TreeSet<>(then.stages().keySet());
    names.addAll(now.stages().keySet());
    return names;
  }

  /** A compact diff for people. */
  public String text() {
    StringBuilder b = new StringBuilder();
    b.append("replay ").append(id).append(" (tenant ").append(tenant).append(", with ").append(with).append(" settings)\n");
    b.append("  writer:     ").append(change(describe(then), describe(now))).append('\n');
    b.append("  retrieval:  ").append(change(then.settings().map(Settings::describe).orElse("none"),
        now.settings().map(Settings::describe).orElse("none"))).append('\n');
    b.append("  index:      generation ").append(change(Long.toString(then.indexGeneration()),
        Long.toString(now.indexGeneration()))).append(", embedding ").append(change(then.embeddingModel(), now.embeddingModel()))
        .append('\n');
    if (!then.upstreamModel().isEmpty() || !now.upstreamModel().isEmpty()) {
      b.append("  upstream:   ").append(change(then.upstreamModel() + " " + then.systemFingerprint(),
          now.upstreamModel() + " " + now.systemFingerprint())).append('\n');
    }
    if (sameAnswer.isEmpty()) {
      b.append("answer: not compared (the recorded answer was not kept)\n");
    } else if (sameAnswer.get()) {
      b.append("answer: identical\n");
    } else {
      b.append(String.format(Locale.ROOT, "answer: changed (token F1 %.2f)%n", tokenF1.orElse(0)));
      b.append("  then: ").append(oneLine(then.answer().orElse(""))).append('\n');
      b.append("  now:  ").append(oneLine(now.answer().orElse(""))).append('\n');
    }
    b.append(String.format(Locale.ROOT, "retrieved: %d then, %d now: %s%n", then.retrieved().size(), now.retrieved().size(),
        summary(retrieved)));
    lines(b, retrieved, "  ");
    steps.forEach((name, d) -> {
      if (!d.unchanged()) {
        b.append("  step ").append(name).append(": ").append(summary(d)).append('\n');
        lines(b, d, "    ");
      }
    });
    b.append("citations: ").append(citationsAdded.isEmpty() && citationsDropped.isEmpty() ? "same"
        : "added " + citationsAdded + ", dropped " + citationsDropped).append(" (now ").append(now.cited()).append(")\n");
    b.append("guard: policy ").append(change(then.guardPolicy(), now.guardPolicy())).append(", decisions ")
        .append(change(then.guard().toString(), now.guard().toString())).append('\n');
    b.append(String.format(Locale.ROOT, "latency ms: total %.1f -> %.1f", then.latencyMs(), now.latencyMs()));
    for (String s : stageNames()) {
      b.append("; ").append(s).append(' ').append(ms(then.stages().get(s))).append(" -> ").append(ms(now.stages().get(s)));
    }
    b.append('\n');
    notes.forEach(n -> b.append("note: ").append(n).append('\n'));
    return b.toString();
  }

  private static String describe(Side s) {
    return s.writer() + (s.promptVersion().isEmpty() ? "" : " (prompt " + s.promptVersion() + ")");
  }

  private static String change(String then, String now) {
    return then.equals(now) ? then + " (same)" : then + " -> " + now;
  }

  private static String ms(Double v) {
    return v == null ? "-" : String.format(Locale.ROOT, "%.1f", v);
  }

  private static String summary(ChunkDiff d) {
    return d.unchanged() ? "same chunks, same ranks"
        : d.added().size() + " added, " + d.dropped().size() + " dropped, " + d.moved().size() + " moved"
            + (d.edited().isEmpty() ? "" : ", " + d.edited().size() + " with a changed text");
  }

  private static void lines(StringBuilder b, ChunkDiff d, String indent) {
    d.added().forEach(r -> b.append(indent).append(String.format(Locale.ROOT, "+ %s at %d (score %.4f)%n", r.id(), r.rank(),
        r.score())));
    d.dropped().forEach(r -> b.append(indent).append(String.format(Locale.ROOT, "- %s was at %d (score %.4f)%n", r.id(),
        r.rank(), r.score())));
    d.moved().forEach(m -> b.append(indent).append(String.format(Locale.ROOT, "~ %s %d -> %d%n", m.id(), m.from(), m.to())));
    d.edited().forEach(id -> b.append(indent).append("* ").append(id).append(" text changed\n"));
  }

  private static String oneLine(String s) {
    String t = s.replaceAll("\\s+", " ").strip();
    return t.length() > 200 ? t.substring(0, 200) + "..." : t;
  }
}
