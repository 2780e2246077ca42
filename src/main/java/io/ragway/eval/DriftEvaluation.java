package io.ragway.eval;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.ragway.config.JsonMappers;
import io.ragway.embed.EmbeddingModel;
import io.ragway.feedback.FeedbackExport;
import io.ragway.store.AnswerRecords;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.io.Writer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Clock;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.Function;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The evaluation a drift alert starts ({@code drift.on_fire.eval}): the answers of an evaluation set
 * (a file, or a fresh export of the rated answers) are written again by the serving pipeline and
 * scored as {@code ragway eval answers} scores them, on a background thread; the report goes to a
 * folder of the data directory. One run at a time: an alert during a run starts none.
 */
public final class DriftEvaluation {

  private static final Logger LOG = LoggerFactory.getLogger("io.ragway.eval");
  private static final DateTimeFormatter STAMP = DateTimeFormatter.ofPattern("yyyyMMdd'T'HHmmss'Z'").withZone(ZoneOffset.UTC);

  /** Where a run's files went. */
  public record Run(Path dataset, Path results, Path report, ObjectNode summary) {}

  private final ObjectMapper json = JsonMappers.create();
  private final Path dir;
  private final Function<Instant, Path> dataset;
  private final AnswerEvaluation.Generator generator;
  private final Function<String, List<String>> retrieve;
  private final EmbeddingModel embedder;
  private final Judge judge;
  private final int limit;
  private final Clock clock;
  private final AtomicBoolean running = new AtomicBoolean();

  /**
   * @param dir where reports are written (created when missing)
   * @param dataset the evaluation set to use for a run starting at the given time
   * @param limit the most rows evaluated per run, 0 for all
   */
  public DriftEvaluation(Path dir, Function<Instant, Path> dataset, AnswerEvaluation.Generator generator,
      Function<String, List<String>> retrieve, EmbeddingModel embedder, Judge judge, int limit, Clock clock) {
    this.dir = dir;
    this.dataset = dataset;
    this.generator = generator;
    this.retrieve = retrieve;
    this.embedder = embedder;
    this.judge = judge;
    this.limit = limit;
    this.clock = clock;
  }

  /** An evaluation set from a file, whatever the time. */
  public static Function<Instant, Path> file(Path file) {
    return at -> file;
  }

  /**
   * The latest export: every tenant's rated answers with a correction, exported as
   * {@code ragway feedback export --format eval} does, to {@code dir/drift-<time>.dataset.jsonl}.
   */
  public static Function<Instant, Path> latestExport(AnswerRecords answers, Path dir) {
    return at -> {
      try {
        Files.createDirectories(dir);
        Path out = dir.resolve("drift-" + STAMP.format(at) + ".dataset.jsonl");
        Path tmp = Files.createTempFile(dir, ".export-", ".jsonl");
        List<AnswerRecords.Rated> rated = new ArrayList<>();
        for (String tenant : answers.ratedTenants()) {
          rated.addAll(answers.rated(tenant, Instant.EPOCH));
        }
        FeedbackExport.Summary summary;
        try (Writer w = Files.newBufferedWriter(tmp)) {
          summary = FeedbackExport.write(rated, new FeedbackExport.Options(FeedbackExport.Format.EVAL, 1,
              FeedbackExport.DEFAULT_MAX_TOKENS, Optional.empty()), w);
        }
        if (summary.written() == 0) {
          Files.deleteIfExists(tmp);
          throw new IllegalStateException("no rated answer with a correction to evaluate (docs/feedback.md)");
        }
        return Files.move(tmp, out, StandardCopyOption.REPLACE_EXISTING);
      } catch (IOException e) {
        throw new UncheckedIOException(e);
      }
    };
  }

  /**
   * Starts a run for the drift of {@code model} on a virtual thread, unless one is running.
   *
   * @return the run's outcome, or empty when a run was already going
   */
  public Optional<CompletableFuture<Run>> start(String model, String kind) {
    if (!running.compareAndSet(false, true)) {
      LOG.info("{}", json.createObjectNode().put("event", "drift_eval_skipped").put("model", model)
          .put("reason", "an evaluation is already running"));
      return Optional.empty();
    }
    CompletableFuture<Run> done = new CompletableFuture<>();
    Thread.ofVirtual().name("ragway-drift-eval").start(() -> {
      Run run = null;
      Exception failed = null;
      try {
        run = run(model, kind);
        LOG.warn("{}", json.createObjectNode().put("event", "drift_eval").put("model", model).put("kind", kind)
            .put("dataset", run.dataset().toString()).put("results", run.results().toString())
            .put("report", run.report().toString()).set("summary", run.summary()));
      } catch (IOException | RuntimeException e) {
        failed = e;
        LOG.warn("{}", json.createObjectNode().put("event", "drift_eval_failed").put("model", model)
            .put("error", String.valueOf(e.getMessage())));
      } finally {
        running.set(false); // before the outcome is known to anyone waiting for it
      }
      if (failed == null) {
        done.complete(run);
      } else {
        done.completeExceptionally(failed);
      }
    });
    return Optional.of(done);
  }

  private Run run(String model, String kind) throws IOException {
    Instant at = clock.instant();
    Path data = dataset.apply(at);
    AnswerDataset set = AnswerDataset.read(data, true, limit);
    Map<String, String> shown = new LinkedHashMap<>();
    shown.put("dataset", data.toString());
    shown.put("rows", Integer.toString(set.rows().size()));
    shown.put("reading", set.reading().describe());
    shown.put("trigger", "drift of " + model + " (" + kind + ") at " + at);
    shown.put("judge", judge.name());
    shown.put("embedding_model", embedder.id());
    List<AnswerEvaluation.Result> results = new AnswerEvaluation(generator, retrieve, embedder, judge, System::nanoTime)
        .run(set.rows(), i -> {});
    AnswerReport report = new AnswerReport(shown, set.reading(), results);
    Files.createDirectories(dir);
    String stem = "drift-" + model.replaceAll("[^A-Za-z0-9._-]", "_") + "-" + STAMP.format(at);
    Path resultsFile = dir.resolve(stem + ".json");
    Path html = dir.resolve(stem + ".html");
    Files.writeString(resultsFile, json.writerWithDefaultPrettyPrinter().writeValueAsString(report.resultsJson()));
    Files.writeString(html, HtmlReport.render(report));
    return new Run(data, resultsFile, html, report.summaryJson());
  }

  /** The kind of alert and model a drift event names, for {@link #start}. */
  public Optional<CompletableFuture<Run>> start(com.fasterxml.jackson.databind.JsonNode driftEvent) {
    return start(driftEvent.path("model").asText("unknown"), driftEvent.path("kind").asText("drift"));
  }

  /** Whether a run is going. */
  public boolean running() {
    return running.get();
  }
}
