package io.ragway.cli;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.ragway.chat.Answer;
import io.ragway.chat.Citation;
import io.ragway.index.Filter;
import io.ragway.index.Index;
import io.ragway.ingest.IngestReport;
import io.ragway.retrieve.SearchMode;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

@Command(name = "ask", mixinStandardHelpOptions = true,
    description = {"Answer a question from the indexed documents, citing its sources as [n].",
        "With --docs, the folders are ingested (incrementally) first."})
final class AskCommand implements Callable<Integer> {

  @Mixin CommonOptions common;
  @Spec picocli.CommandLine.Model.CommandSpec spec;

  @Parameters(arity = "1..*", paramLabel = "QUESTION", description = "The question (several words may be given unquoted).")
  List<String> question;

  @Option(names = "--docs", paramLabel = "PATH", description = "Ingest these files or folders first (repeatable).")
  List<Path> docs = new ArrayList<>();

  @Option(names = "--mode", paramLabel = "MODE", description = "bm25, dense or hybrid (default: retrieval.mode, hybrid).")
  String mode;

  @Option(names = {"-k", "--k"}, paramLabel = "N", description = "Chunks given to the answerer (default: retrieval.k, 5).")
  Integer k;

  @Option(names = "--json", description = "Print the answer and citations as JSON.")
  boolean json;

  @Override
  public Integer call() throws Exception {
    String q = String.join(" ", question).strip();
    if (q.isEmpty()) {
      throw new UsageException("the question is empty");
    }
    try (Components c = common.components()) {
      SearchMode m = SearchMode.parse(mode != null ? mode : c.config().retrieval().mode());
      int n = k != null ? k : c.config().retrieval().k();
      Index index;
      if (docs.isEmpty()) {
        index = c.index(true);
      } else {
        index = c.index(false);
        try (Progress.Files progress = new Progress.Files(json)) {
          IngestReport report = c.ingestor(index, List.of()).ingest(docs, progress);
          if (!json) {
            IngestCommand.print(spec, report, false);
          }
        }
      }
      Answer answer = c.pipeline(index).ask(q, m, n, Filter.tenant(c.config().tenant()), c.config().retrieval().mmr());
      print(answer);
      return Main.OK;
    }
  }

  private void print(Answer answer) throws Exception {
    var out = spec.commandLine().getOut();
    if (json) {
      out.println(new ObjectMapper().writeValueAsString(answer));
      return;
    }
    out.println(answer.text());
    if (!answer.citations().isEmpty()) {
      out.println();
      out.println("Sources:");
      for (Citation c : answer.citations()) {
        out.printf("[%d] %s%s (chunk %d, chars %d-%d)%n", c.number(), c.source(),
            c.heading().isEmpty() ? "" : " > " + c.heading(), c.chunk(), c.start(), c.end());
      }
    }
  }
}
