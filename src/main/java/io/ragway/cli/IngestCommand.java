package io.ragway.cli;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.ragway.index.Index;
import io.ragway.ingest.IngestReport;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

@Command(name = "ingest", mixinStandardHelpOptions = true,
    description = {"Add files and folders (txt, md, html, pdf, docx) to the index, incrementally:",
        "unchanged files are skipped, changed ones replaced, deleted ones removed.",
        "Unreadable files are reported and skipped; the rest is ingested.",
        "Files are public within the tenant unless given ACL groups (--groups); without --groups or --public,",
        "files already indexed keep the groups they have."})
final class IngestCommand implements Callable<Integer> {

  @Mixin CommonOptions common;
  @Spec picocli.CommandLine.Model.CommandSpec spec;

  @Parameters(arity = "1..*", paramLabel = "PATH", description = "Files or folders to ingest.")
  List<Path> paths;

  @Option(names = "--tag", paramLabel = "TAG", description = "Label every chunk with TAG (repeatable), for search filters.")
  List<String> tags = new ArrayList<>();

  @Option(names = "--groups", split = ",", paramLabel = "GROUP",
      description = "ACL groups that may read the files (comma-separated or repeated); API keys of other groups do not see them.")
  List<String> groups = new ArrayList<>();

  @Option(names = "--public", description = "Make the files readable by every key of the tenant (no ACL groups).")
  boolean everyone;

  @Option(names = "--json", description = "Print the report as JSON.")
  boolean json;

  @Override
  public Integer call() throws Exception {
    List<String> named = groups.stream().map(String::strip).filter(g -> !g.isEmpty()).toList();
    if (everyone && !named.isEmpty()) {
      throw new UsageException("--public and --groups contradict each other; give one");
    }
    if (!groups.isEmpty() && named.isEmpty()) {
      throw new UsageException("--groups names no group; use --public to make the files readable by the whole tenant");
    }
    Optional<List<String>> acl = everyone ? Optional.of(List.of()) : named.isEmpty() ? Optional.empty() : Optional.of(named);
    try (Components c = common.components(); Progress.Files progress = new Progress.Files(json)) {
      Index index = c.index(false);
      IngestReport report = c.ingestor(index, tags, acl).ingest(paths, progress);
      print(spec, report, json);
      return Main.OK;
    }
  }

  static void print(picocli.CommandLine.Model.CommandSpec spec, IngestReport report, boolean json) throws Exception {
    var out = spec.commandLine().getOut();
    if (json) {
      out.println(new ObjectMapper().writeValueAsString(report));
      return;
    }
    var err = spec.commandLine().getErr();
    for (IngestReport.Problem p : report.skipped()) {
      err.println("skipped " + p.path() + ": " + p.reason());
    }
    for (IngestReport.Problem p : report.duplicates()) {
      err.println("duplicate " + p.path() + ": " + p.reason());
    }
    err.println("ingest: " + report.summary());
    err.flush();
  }
}
