package io.ragway.cli;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.ragway.chat.PromptTemplates;
import io.ragway.config.JsonMappers;
import io.ragway.config.RagwayConfig;
import io.ragway.embed.EmbeddingModel;
import io.ragway.guard.Guard;
import io.ragway.guard.InjectionDetector;
import io.ragway.index.Index;
import io.ragway.llm.ChatModel;
import io.ragway.llm.ChatModels;
import io.ragway.llm.Router;
import io.ragway.replay.NotReplayable;
import io.ragway.replay.Replay;
import io.ragway.replay.ReplayDiff;
import io.ragway.retrieve.RetrieveConfig;
import io.ragway.retrieve.Retriever;
import io.ragway.retrieve.Retrievers;
import io.ragway.store.AnswerRecords;
import io.ragway.telemetry.Tracing;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.Callable;
import java.util.function.UnaryOperator;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

@Command(name = "replay", mixinStandardHelpOptions = true,
    description = {"Run a recorded answer again and show what changed (docs/feedback.md, \"Replay\"):",
        "retrieved chunks (added, dropped, moved), citations, the answer, guard decisions,",
        "latency per stage and the index generation. Needs the answer's question, kept only",
        "when records.content is on for its tenant."})
final class ReplayCommand implements Callable<Integer> {

  @Mixin CommonOptions common;
  @Spec picocli.CommandLine.Model.CommandSpec spec;

  @Parameters(index = "0", paramLabel = "ID", description = "The answer's id: its chatcmpl-... or its x-request-id.")
  String id;

  @Option(names = "--with", paramLabel = "SETTINGS", defaultValue = "recorded",
      description = "recorded: the answer's own retrieval settings, writer and prompt version; current: ragway.yaml's "
          + "(default: ${DEFAULT-VALUE}).")
  String with;

  @Option(names = "--json", description = "Print the diff as one JSON object.")
  boolean json;

  @Override
  public Integer call() throws IOException {
    Replay.With w;
    try {
      w = Replay.With.parse(with);
    } catch (IllegalArgumentException e) {
      throw new UsageException(e.getMessage());
    }
    if (id.isBlank() || id.length() > 100) {
      throw new UsageException("an answer id is 1 to 100 characters, got " + id.length());
    }
    // read only: no retention purge, no content kept by this process
    AnswerRecords.Config readOnly = new AnswerRecords.Config(false, Map.of(), 0);
    ReplayDiff diff;
    try (Components c = common.components();
        AnswerRecords records = AnswerRecords.sql(c.database(), readOnly, UnaryOperator.identity(), Clock.systemUTC(), 1)) {
      String tenant = c.config().tenant();
      AnswerRecords.Answer record = records.find(tenant, id).orElseThrow(() -> new UsageException("no answer '" + id
          + "' of tenant " + tenant + " in the records of " + c.config().dataPath() + " (name another tenant with --tenant)"));
      if (!Files.isDirectory(c.indexDir())) {
        throw new UsageException("no index in " + c.config().dataPath() + ": replay searches the documents again");
      }
      try {
        diff = new Replay(new ConfiguredParts(c, c.index(true))).run(record, w);
      } catch (NotReplayable e) {
        throw new UsageException(e.getMessage());
      }
    }
    var out = spec.commandLine().getOut();
    if (json) {
      ObjectMapper m = JsonMappers.create();
      out.println(m.writerWithDefaultPrettyPrinter().writeValueAsString(diff.toJson(m)));
    } else {
      out.print(diff.text());
    }
    out.flush();
    return Main.OK;
  }

  /** The parts of ragway.yaml a replay answers with; the guard notes its decisions on the replay's trace only. */
  private static final class ConfiguredParts implements Replay.Parts {
    private final Components c;
    private final Index index;
    private Guard guard;

    ConfiguredParts(Components c, Index index) {
      this.c = c;
      this.index = index;
    }

    @Override
    public Index index() {
      return index;
    }

    @Override
    public String embeddingModel() {
      return c.embedder().id();
    }

    @Override
    public Retriever retriever(RetrieveConfig settings, boolean rerank) {
      return Retrievers.fusion(index, c.embedder(), settings, rerank ? c.reranker() : Optional.empty());
    }

    @Override
    public boolean reranks() {
      return c.config().retrieval().reranker().enabled();
    }

    @Override
    public RetrieveConfig retrieval() {
      return c.config().retrieval().toRetrieveConfig();
    }

    @Override
    public ChatModel writer(String writer, String promptVersion) {
      if (writer.equals("extractive")) {
        return c.extractive();
      }
      if (!c.router().serves(writer)) {
        throw new NotReplayable("the answer was written by '" + writer + "', which ragway.yaml's models do not have");
      }
      PromptTemplates templates = c.config().prompts().templates();
      String v = promptVersion.isEmpty() ? PromptTemplates.BUILT_IN : promptVersion;
      return ChatModels.generating(c.router(), writer, templates.get(v).orElseThrow(() -> new NotReplayable(
          "prompt version '" + v + "' is not in ragway.yaml's prompts: replay it with --with current")).system());
    }

    @Override
    public String writer() {
      return c.config().generator().isEmpty() ? "extractive" : c.config().generator();
    }

    @Override
    public String promptVersion() {
      return c.promptVersion("");
    }

    @Override
    public synchronized Guard guard() {
      if (guard == null) {
        RagwayConfig.Guard g = c.config().guard();
        if (!g.enabled()) {
          guard = Guard.off();
        } else {
          Optional<EmbeddingModel> local = c.config().embedding().provider().equals("openai") ? Optional.empty()
              : Optional.of(c.embedder());
          InjectionDetector detector;
          try {
            detector = g.model().isEmpty() ? InjectionDetector.bundled(local) : InjectionDetector.load(Path.of(g.model()), local);
          } catch (IOException e) {
            throw new UsageException("cannot read the injection model " + g.model() + ": " + e.getMessage());
          }
          // the replay's decisions are shown, not logged: the decision log holds what requests met
          guard = new Guard(detector, g.defaultPolicy(), g.tenantPolicies(), Tracing.noting(Guard.DecisionLog.none()));
        }
      }
      return guard;
    }

    @Override
    public Router router() {
      return c.router();
    }
  }
}
