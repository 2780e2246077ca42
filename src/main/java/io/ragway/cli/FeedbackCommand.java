package io.ragway.cli;

import io.ragway.feedback.FeedbackExport;
import io.ragway.index.Index;
import io.ragway.store.AnswerRecords;
import java.io.IOException;
import java.io.Writer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Clock;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.Callable;
import java.util.function.UnaryOperator;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

@Command(name = "feedback", mixinStandardHelpOptions = true,
    description = "Answer feedback in the records database (docs/feedback.md).",
    subcommands = {FeedbackCommand.Export.class})
final class FeedbackCommand implements Runnable {

  @Spec picocli.CommandLine.Model.CommandSpec spec;

  @Override
  public void run() {
    spec.commandLine().usage(spec.commandLine().getOut());
  }

  @Command(name = "export", mixinStandardHelpOptions = true,
      description = {"Write one tenant's rated answers to a JSONL file (docs/feedback.md):",
          "  eval         answers with a correction, as ground_truth, for 'ragway eval answers'",
          "  openai-chat  OpenAI chat fine-tuning rows from well-rated answers",
          "  dpo          OpenAI preference rows: the correction preferred over the answer",
          "Only answers whose question and answer were kept (records.content) are exported.",
          "Ratings on one scale: up = 5, down = 1."})
  static final class Export implements Callable<Integer> {

    @Option(names = "--data", paramLabel = "DIR",
        description = "Data directory holding the records database (default: data_dir from ragway.yaml, else ./ragway-data).")
    Path data;

    @Option(names = "--config", paramLabel = "FILE", defaultValue = "ragway.yaml",
        description = "Configuration file; every key is optional (default: ${DEFAULT-VALUE}, if it exists).")
    Path config;

    @Option(names = "--tenant", paramLabel = "NAME",
        description = "The tenant to export (default: the only tenant with rated answers; required when there are several).")
    String tenant;

    @Spec picocli.CommandLine.Model.CommandSpec spec;

    @Option(names = "--format", required = true, paramLabel = "F", description = "eval, openai-chat or dpo.")
    String format;

    @Option(names = "--since", paramLabel = "AGE",
        description = "Only answers given since: 90m, 24h, 7d, 4w, or an ISO time (default: all).")
    String since;

    @Option(names = "--min-rating", paramLabel = "N",
        description = "Lowest rating of an answer's latest feedback, 1 to 5 (default: 4 for openai-chat, else 1).")
    Integer minRating;

    @Option(names = "--max-tokens", paramLabel = "N", defaultValue = "" + FeedbackExport.DEFAULT_MAX_TOKENS,
        description = "Largest example in tokens, for openai-chat and dpo (default: ${DEFAULT-VALUE}).")
    int maxTokens;

    @Option(names = "--system", paramLabel = "TEXT", description = "A system message to put first in openai-chat and dpo rows.")
    String system;

    @Parameters(index = "0", paramLabel = "OUT.jsonl", description = "The file to write (replaced).")
    Path out;

    @Override
    public Integer call() throws IOException {
      FeedbackExport.Options options;
      try {
        FeedbackExport.Format f = FeedbackExport.Format.parse(format);
        options = new FeedbackExport.Options(f, minRating != null ? minRating : f.defaultMinRating(), maxTokens,
            Optional.ofNullable(system));
      } catch (IllegalArgumentException e) {
        throw new UsageException(e.getMessage());
      }
      Instant from = since == null ? Instant.EPOCH : UsageCommand.parseSince(since, Instant.now());
      Path dir = out.toAbsolutePath().getParent();
      if (Files.isDirectory(out) || dir == null || !Files.isDirectory(dir) || !Files.isWritable(dir)) {
        throw new UsageException("cannot write " + out + ": " + (Files.isDirectory(out) ? "it is a folder"
            : "its folder does not exist or is not writable"));
      }
      // read only: no retention purge, no content kept by this process
      AnswerRecords.Config readOnly = new AnswerRecords.Config(false, Map.of(), 0);
      String who;
      FeedbackExport.Summary summary;
      CommonOptions common = new CommonOptions();
      common.data = data;
      common.config = config;
      try (Components c = common.components();
          AnswerRecords records = AnswerRecords.sql(c.database(), readOnly, UnaryOperator.identity(), Clock.systemUTC(), 1)) {
        try {
          who = FeedbackExport.tenant(records, Optional.ofNullable(tenant));
        } catch (IllegalArgumentException e) {
          throw new UsageException(e.getMessage());
        }
        List<AnswerRecords.Rated> rated = records.rated(who, from);
        // eval rows get their contexts from the index, by the chunk ids their records keep
        Optional<Index> index = options.format() == FeedbackExport.Format.EVAL && !rated.isEmpty()
            && Files.isDirectory(c.indexDir()) ? Optional.of(c.index(true)) : Optional.empty();
        // written beside OUT, then moved: a failed export leaves the previous file as it was
        Path tmp = Files.createTempFile(dir, ".export-", ".jsonl");
        try {
          try (Writer w = Files.newBufferedWriter(tmp, StandardCharsets.UTF_8)) {
            summary = FeedbackExport.write(rated, options, index, w);
          }
          Files.move(tmp, out, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
        } finally {
          Files.deleteIfExists(tmp);
        }
      }
      var p = spec.commandLine().getOut();
      p.printf("tenant %s, since %s, format %s: %d rows written to %s, %d skipped%n", who,
          since == null ? "the start" : from, format, summary.written(), out, summary.skippedTotal());
      summary.skipped().forEach((why, n) -> p.printf("  skipped %d: %s%n", n, why));
      summary.partial().forEach((why, n) -> p.printf("  contexts left out %d times: %s%n", n, why));
      p.flush();
      return Main.OK;
    }
  }
}
