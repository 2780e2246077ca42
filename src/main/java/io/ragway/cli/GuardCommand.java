package io.ragway.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.ragway.config.JsonMappers;
import io.ragway.embed.EmbeddingModel;
import io.ragway.embed.EmbeddingModels;
import io.ragway.eval.InjectionEvaluation;
import io.ragway.eval.LatencyStats;
import io.ragway.eval.PiiEvaluation;
import io.ragway.guard.InjectionDetector;
import io.ragway.guard.LabelledText;
import io.ragway.guard.NamedEntities;
import io.ragway.guard.PiiDetector;
import io.ragway.guard.PiiSpan;
import io.ragway.guard.PiiType;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.io.PrintWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.Callable;
import java.util.function.Function;
import java.util.stream.Collectors;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

@Command(name = "guard", mixinStandardHelpOptions = true,
    description = {"The guardrails' detectors: train the injection model, measure it and the PII detector, check a text."},
    subcommands = {GuardCommand.Train.class, GuardCommand.Eval.class, GuardCommand.EvalPii.class, GuardCommand.Check.class,
        VersionsCommands.Policies.class})
final class GuardCommand implements Runnable {

  static final String DEFAULT_TRAIN = "../shared/data/prompt-injection/train.jsonl";
  static final String BENIGN_RESOURCE = "/io/ragway/guard/benign-questions.txt";

  @Spec picocli.CommandLine.Model.CommandSpec spec;

  @Override
  public void run() {
    spec.commandLine().usage(spec.commandLine().getOut());
  }

  /** Options naming the model to check with. */
  static final class ModelOptions {
    @Option(names = "--model", paramLabel = "FILE", description = "An injection model written by 'guard train' (default: the one in the jar).")
    Path model;

    @Option(names = "--vectors", defaultValue = "never", paramLabel = "WHEN",
        description = "When the model's vector half (the local embedding model) is asked: always, unsure (when the rules "
            + "and n-grams are not sure) or never (default: ${DEFAULT-VALUE}, the policy default).")
    String vectors;

    InjectionDetector detector(Optional<EmbeddingModel> embedder) throws IOException {
      InjectionDetector d = model == null ? InjectionDetector.bundled(embedder) : InjectionDetector.load(model, embedder);
      return d.withVectors(when());
    }

    Optional<EmbeddingModel> embedder() {
      return when() == InjectionDetector.Vectors.NEVER ? Optional.empty() : Optional.of(EmbeddingModels.bgeSmallEnV15());
    }

    private InjectionDetector.Vectors when() {
      try {
        return InjectionDetector.Vectors.valueOf(vectors.toUpperCase(java.util.Locale.ROOT));
      } catch (IllegalArgumentException e) {
        throw new UsageException("--vectors must be always, unsure or never, not '" + vectors + "'");
      }
    }
  }

  @Command(name = "train", mixinStandardHelpOptions = true,
      description = {"Train the injection model: logistic regression over hashed word and character n-grams, and",
          "over the local embedding model's vectors, on labelled rows {\"text\", \"label\"} (1 = attack) plus the",
          "benign questions that ship with ragway. The same rows give the same weights."})
  static final class Train implements Callable<Integer> {
    @Spec picocli.CommandLine.Model.CommandSpec spec;

    @Option(names = "--dataset", paramLabel = "FILE", defaultValue = DEFAULT_TRAIN,
        description = "Training rows, JSON lines (default: ${DEFAULT-VALUE}).")
    List<Path> datasets;

    @Option(names = "--benign", paramLabel = "FILE",
        description = "More benign texts, one per line (default: the NQ-open questions in the jar; 'none' for none).")
    String benign;

    @Option(names = "--out", paramLabel = "FILE", defaultValue = "src/main/resources/io/ragway/guard/injection-model.bin.gz",
        description = "Where to write the model (default: ${DEFAULT-VALUE}, the one the next build bundles).")
    Path out;

    @Option(names = "--no-vectors", description = "Train only the n-gram half.")
    boolean noVectors;

    @Override
    public Integer call() throws Exception {
      List<LabelledText> rows = new ArrayList<>();
      for (Path d : datasets) {
        rows.addAll(readLabelled(d));
      }
      List<String> extra = benignTexts(benign);
      extra.forEach(t -> rows.add(new LabelledText(t, 0)));
      long attacks = rows.stream().filter(r -> r.label() == 1).count();
      Files.createDirectories(out.toAbsolutePath().getParent());
      Path tmp = out.resolveSibling(out.getFileName() + ".tmp");
      long t0 = System.nanoTime();
      try (EmbeddingModel e = noVectors ? null : EmbeddingModels.bgeSmallEnV15();
           OutputStream o = Files.newOutputStream(tmp)) {
        InjectionDetector.train(rows, Optional.ofNullable(e), o);
      }
      Files.move(tmp, out, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
      spec.commandLine().getOut().printf("trained on %d rows (%d attacks, %d benign, %d of them ragway's benign questions)"
          + " in %.1f s%s; wrote %s (%,d bytes)%n", rows.size(), attacks, rows.size() - attacks, extra.size(),
          (System.nanoTime() - t0) / 1e9, noVectors ? ", n-grams only" : "", out, Files.size(out));
      return 0;
    }
  }

  @Command(name = "eval", mixinStandardHelpOptions = true,
      description = {"Measure the injection detector on labelled rows {\"text\", \"label\"} (1 = attack): precision,",
          "recall, F1, false-positive rate and the time of one check (p50/p99, timed on a second pass over the rows",
          "after an untimed one). A data set of benign texts only",
          "(a file of {\"text\"} rows or plain lines, with --benign) gives the false-positive rate alone."})
  static final class Eval implements Callable<Integer> {
    @Spec picocli.CommandLine.Model.CommandSpec spec;
    @picocli.CommandLine.Mixin ModelOptions model;

    @Option(names = "--dataset", required = true, paramLabel = "FILE", description = "JSON lines {\"text\", \"label\"}.")
    Path dataset;

    @Option(names = "--benign", description = "Every row is benign: read the text of each line ({\"text\"}, {\"question\"} or plain).")
    boolean benignOnly;

    @Option(names = "--threshold", defaultValue = "0.5", description = "Score at which a text counts as an attack (default: ${DEFAULT-VALUE}, the policy default).")
    double threshold;

    @Option(names = "--json", description = "Print one JSON object.")
    boolean json;

    @Option(names = "--show-errors", description = "Also print each missed attack and each false positive with its score.")
    boolean showErrors;

    @Option(names = "--passages", description = {"Score each text as a retrieved passage is scored (the rules alone),",
        "not as a user message."})
    boolean passages;

    @Override
    public Integer call() throws Exception {
      List<LabelledText> rows = benignOnly ? benignRows(dataset) : readLabelled(dataset);
      try (EmbeddingModel e = passages ? null : model.embedder().orElse(null)) {
        InjectionDetector detector = model.detector(Optional.ofNullable(e));
        Function<String, InjectionDetector.Detection> check = passages ? detector::scanPassage : detector::scan;
        // one untimed pass first: the JIT compiles the rules and the model, and the embedding's native
        // code loads, as in a server that has been running; the timed pass is the second
        rows.forEach(row -> check.apply(row.text()));
        InjectionEvaluation r = InjectionEvaluation.run(check, rows, threshold);
        PrintWriter out = spec.commandLine().getOut();
        if (showErrors) {
          for (LabelledText row : rows) {
            InjectionDetector.Detection d = check.apply(row.text());
            if ((d.score() >= threshold) != (row.label() == 1)) {
              out.printf("%s %.3f %s: %s%n", row.label() == 1 ? "missed" : "false positive", d.score(), d.reason(),
                  row.text().replaceAll("\\s+", " "));
            }
          }
        }
        if (json) {
          Map<String, Object> o = new LinkedHashMap<>();
          o.put("dataset", dataset.toString());
          o.put("detector", passages ? "rules (passages)" : detector.toString());
          o.put("threshold", r.threshold());
          o.put("rows", r.rows());
          o.put("attacks", r.attacks());
          o.put("true_positives", r.truePositives());
          o.put("false_positives", r.falsePositives());
          o.put("precision", round(r.precision()));
          o.put("recall", round(r.recall()));
          o.put("f1", round(r.f1()));
          o.put("false_positive_rate", round(r.falsePositiveRate()));
          o.put("latency_ms", latency(r.latency()));
          out.println(JSON.writeValueAsString(o));
        } else {
          out.printf("%s: %d rows (%d attacks), threshold %.2f, %s%n", dataset, r.rows(), r.attacks(), r.threshold(),
              passages ? "rules alone (as retrieved passages are scored)" : detector);
          out.printf("precision %.3f  recall %.3f  F1 %.3f  false-positive rate %.4f (%d of %d benign)%n", r.precision(),
              r.recall(), r.f1(), r.falsePositiveRate(), r.falsePositives(), r.rows() - r.attacks());
          out.printf("check latency p50 %.2f ms  p99 %.2f ms  max %.2f ms%n", r.latency().p50Ms(), r.latency().p99Ms(),
              r.latency().maxMs());
        }
      }
      return 0;
    }
  }

  @Command(name = "eval-pii", mixinStandardHelpOptions = true,
      description = {"Measure the PII detector on labelled spans: rows {\"text\", \"spans\": [{\"start\", \"end\",",
          "\"type\"}]} with Presidio's entity names (GPE is read as LOCATION). Per-entity precision and",
          "recall, exact span match."})
  static final class EvalPii implements Callable<Integer> {
    @Spec picocli.CommandLine.Model.CommandSpec spec;

    @Option(names = "--dataset", required = true, paramLabel = "FILE", description = "JSON lines with text and spans.")
    Path dataset;

    @Option(names = "--json", description = "Print one JSON object.")
    boolean json;

    @Option(names = "--types", split = ",", paramLabel = "TYPE",
        description = "Types to look for (default: every type this build can find; PERSON and LOCATION need the "
            + "ner build).")
    List<String> types;

    @Override
    public Integer call() throws Exception {
      Set<PiiType> wanted;
      try {
        wanted = types == null || types.isEmpty() ? PiiType.available()
            : types.stream().map(PiiType::parse).collect(Collectors.toCollection(() -> EnumSet.noneOf(PiiType.class)));
        if (NamedEntities.needed(wanted) && !NamedEntities.available()) {
          throw new IllegalArgumentException(NamedEntities.MISSING);
        }
      } catch (IllegalArgumentException e) {
        throw new UsageException(e.getMessage());
      }
      List<PiiEvaluation.Row> rows = new ArrayList<>();
      forEachJsonLine(dataset, (line, row) -> {
        List<PiiEvaluation.Gold> gold = new ArrayList<>();
        for (JsonNode s : row.path("spans")) {
          if (!s.path("start").isInt() || !s.path("end").isInt() || !s.path("type").isTextual()) {
            throw new UsageException(dataset + ":" + line + ": each span needs integer start and end and a type");
          }
          String type = s.get("type").asText();
          gold.add(new PiiEvaluation.Gold(type.equals("GPE") ? PiiType.LOCATION.name() : type, s.get("start").asInt(),
              s.get("end").asInt()));
        }
        rows.add(new PiiEvaluation.Row(text(row, dataset, line), gold));
      });
      PiiDetector detector = PiiDetector.of(wanted);
      detector.find("warm up: write to Jane Doe in Paris at jane@example.com");
      PiiEvaluation r = PiiEvaluation.run(detector, rows);
      PrintWriter out = spec.commandLine().getOut();
      if (json) {
        Map<String, Object> o = new LinkedHashMap<>();
        o.put("dataset", dataset.toString());
        o.put("texts", r.texts());
        List<Map<String, Object>> entities = new ArrayList<>();
        for (PiiEvaluation.Entity e : r.entities()) {
          Map<String, Object> m = new LinkedHashMap<>();
          m.put("type", e.type());
          m.put("detected", e.detected());
          m.put("labelled", e.labelled());
          m.put("found", e.found());
          m.put("correct", e.correct());
          m.put("precision", round(e.precision()));
          m.put("recall", round(e.recall()));
          m.put("overlap_recall", round(e.overlapRecall()));
          entities.add(m);
        }
        o.put("entities", entities);
        o.put("latency_ms", latency(r.latency()));
        out.println(JSON.writeValueAsString(o));
      } else {
        out.printf("%s: %d texts; exact span match%n", dataset, r.texts());
        out.printf("%-18s %9s %6s %8s %10s %7s %8s%n", "entity", "labelled", "found", "correct", "precision", "recall",
            "overlap");
        for (PiiEvaluation.Entity e : r.entities()) {
          if (e.detected()) {
            out.printf("%-18s %9d %6d %8d %10.3f %7.3f %8.3f%n", e.type(), e.labelled(), e.found(), e.correct(),
                e.precision(), e.recall(), e.overlapRecall());
          } else {
            out.printf("%-18s %9d %6s %8s %10s %7s %8s  (not looked for)%n", e.type(), e.labelled(), "-", "-", "-", "-",
                "-");
          }
        }
        out.printf("latency per text p50 %.3f ms  p99 %.3f ms%n", r.latency().p50Ms(), r.latency().p99Ms());
      }
      return 0;
    }
  }

  @Command(name = "check", mixinStandardHelpOptions = true,
      description = "Score one text for injection and list the PII in it.")
  static final class Check implements Callable<Integer> {
    @Spec picocli.CommandLine.Model.CommandSpec spec;
    @picocli.CommandLine.Mixin ModelOptions model;

    @Parameters(arity = "1", paramLabel = "TEXT")
    String text;

    @Override
    public Integer call() throws Exception {
      try (EmbeddingModel e = model.embedder().orElse(null)) {
        InjectionDetector.Detection d = model.detector(Optional.ofNullable(e)).scan(text);
        PrintWriter out = spec.commandLine().getOut();
        out.printf("injection score %.3f (model %.3f%s)%n", d.score(), d.model(),
            d.rule().map(r -> ", rule " + r + ": \"" + d.match().orElse("") + "\"").orElse(""));
        for (PiiSpan s : PiiDetector.all().find(text)) {
          out.printf("%s [%d, %d): %s%n", s.type(), s.start(), s.end(), s.value());
        }
      }
      return 0;
    }
  }

  // ---- reading data sets ----

  private static final ObjectMapper JSON = JsonMappers.create();

  private interface RowConsumer {
    void accept(int line, JsonNode row);
  }

  private static void forEachJsonLine(Path file, RowConsumer consumer) throws IOException {
    if (!Files.isRegularFile(file)) {
      throw new UsageException("no such file: " + file);
    }
    try (BufferedReader r = Files.newBufferedReader(file, StandardCharsets.UTF_8)) {
      String s;
      int line = 0;
      while ((s = r.readLine()) != null) {
        line++;
        if (s.isBlank()) {
          continue;
        }
        JsonNode row;
        try {
          row = JSON.readTree(s);
        } catch (com.fasterxml.jackson.core.JsonProcessingException e) {
          throw new UsageException(file + ":" + line + ": not a JSON object: " + e.getOriginalMessage());
        }
        if (!row.isObject()) {
          throw new UsageException(file + ":" + line + ": not a JSON object");
        }
        consumer.accept(line, row);
      }
    }
  }

  private static String text(JsonNode row, Path file, int line) {
    JsonNode t = row.has("text") ? row.get("text") : row.get("question");
    if (t == null || !t.isTextual()) {
      throw new UsageException(file + ":" + line + ": needs a \"text\" string");
    }
    return t.asText();
  }

  static List<LabelledText> readLabelled(Path file) throws IOException {
    if (!Files.isRegularFile(file)) {
      throw new UsageException("no such file: " + file + (file.toString().equals(DEFAULT_TRAIN)
          ? " (run from the project folder next to shared/, or pass --dataset FILE)" : ""));
    }
    List<LabelledText> rows = new ArrayList<>();
    forEachJsonLine(file, (line, row) -> {
      JsonNode label = row.get("label");
      if (label == null || !label.canConvertToInt() || (label.asInt() != 0 && label.asInt() != 1)) {
        throw new UsageException(file + ":" + line + ": needs \"label\" 0 (benign) or 1 (attack)");
      }
      rows.add(new LabelledText(text(row, file, line), label.asInt()));
    });
    return rows;
  }

  private static List<LabelledText> benignRows(Path file) throws IOException {
    List<LabelledText> rows = new ArrayList<>();
    if (!Files.isRegularFile(file)) {
      throw new UsageException("no such file: " + file);
    }
    int line = 0;
    for (String s : Files.readAllLines(file, StandardCharsets.UTF_8)) {
      line++;
      if (s.isBlank()) {
        continue;
      }
      if (s.startsWith("{")) {
        JsonNode row = JSON.readTree(s);
        rows.add(new LabelledText(text(row, file, line), 0));
      } else {
        rows.add(new LabelledText(s, 0));
      }
    }
    return rows;
  }

  private static List<String> benignTexts(String source) throws IOException {
    if ("none".equals(source)) {
      return List.of();
    }
    List<String> lines;
    if (source == null) {
      try (InputStream in = GuardCommand.class.getResourceAsStream(BENIGN_RESOURCE)) {
        if (in == null) {
          throw new IllegalStateException(BENIGN_RESOURCE + " is not in the jar");
        }
        lines = new BufferedReader(new InputStreamReader(in, StandardCharsets.UTF_8)).lines().toList();
      }
    } else {
      Path p = Path.of(source);
      if (!Files.isRegularFile(p)) {
        throw new UsageException("no such file: " + p);
      }
      lines = Files.readAllLines(p, StandardCharsets.UTF_8);
    }
    return lines.stream().filter(l -> !l.isBlank() && !l.startsWith("#")).map(String::strip).toList();
  }

  private static double round(double v) {
    return Math.round(v * 10000) / 10000.0;
  }

  private static Map<String, Object> latency(LatencyStats l) {
    Map<String, Object> m = new LinkedHashMap<>();
    m.put("p50", round(l.p50Ms()));
    m.put("p99", round(l.p99Ms()));
    m.put("max", round(l.maxMs()));
    return m;
  }
}
