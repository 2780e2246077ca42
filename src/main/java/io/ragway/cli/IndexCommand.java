package io.ragway.cli;

import io.ragway.config.RagwayConfig;
import io.ragway.embed.EmbeddingModel;
import io.ragway.index.Index;
import io.ragway.index.Indexes;
import io.ragway.index.SolrConfig;
import io.ragway.index.SolrMigration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

@Command(name = "index", mixinStandardHelpOptions = true, description = "Manage where the index lives.",
    subcommands = {IndexCommand.Migrate.class})
final class IndexCommand implements Runnable {

  @Spec picocli.CommandLine.Model.CommandSpec spec;

  @Override
  public void run() {
    spec.commandLine().usage(spec.commandLine().getOut());
  }

  @Command(name = "migrate", mixinStandardHelpOptions = true,
      description = {"Copy the embedded index into a SolrCloud collection with its stored vectors (nothing is embedded again).",
          "Chunks keep their ids, so running it again overwrites instead of duplicating."})
  static final class Migrate implements Callable<Integer> {
    @Mixin CommonOptions common;
    @Spec picocli.CommandLine.Model.CommandSpec spec;

    @Option(names = "--to", required = true, paramLabel = "BACKEND", description = "Where to copy to: solr.")
    String to;

    @Option(names = "--collection", paramLabel = "NAME", description = "Collection (default: index.solr.collection).")
    String collection;

    @Option(names = "--solr-url", paramLabel = "URL", description = "A Solr node's base URL (repeatable; default: index.solr.urls).")
    List<String> solrUrls = new ArrayList<>();

    @Option(names = "--batch", defaultValue = "500", paramLabel = "N", description = "Chunks per request (default: ${DEFAULT-VALUE}).")
    int batch;

    @Option(names = "--json", description = "Print the result as JSON.")
    boolean json;

    @Override
    public Integer call() {
      if (!"solr".equals(to)) {
        throw new UsageException("--to must be 'solr' (the embedded index is the source), got '" + to + "'");
      }
      if (batch < 1) {
        throw new UsageException("--batch must be >= 1");
      }
      RagwayConfig config = common.load();
      SolrConfig solr = solrConfig(config.index().solr(), solrUrls, collection);
      try (Components c = new Components(config)) {
        EmbeddingModel e = c.embedder();
        try (Index from = Indexes.openLuceneReadOnly(c.indexDir(), e.id(), e.dimension(), config.index().toIndexConfig());
            Index target = Indexes.openSolr(solr, e.id(), e.dimension(), config.index().toIndexConfig())) {
          SolrMigration.Result r;
          try (Progress p = Progress.start("migrate", from.size(), json)) {
            r = SolrMigration.copy(from, target, batch, p::stepTo);
          }
          var out = spec.commandLine().getOut();
          if (json) {
            out.printf("{\"chunks\":%d,\"sources\":%d,\"replaced\":%d,\"collection\":\"%s\",\"size\":%d}%n",
                r.chunks(), r.sources(), r.replaced(), solr.collection(), target.size());
          } else {
            out.printf("copied %d chunks of %d sources into Solr collection '%s' (%d chunks there now%s)%n", r.chunks(),
                r.sources(), solr.collection(), target.size(),
                r.replaced() > 0 ? "; " + r.replaced() + " changed sources replaced" : "");
          }
        }
      }
      return Main.OK;
    }
  }

  /** The configured SolrCloud, with the command line's URLs and collection in place of the configured ones. */
  static SolrConfig solrConfig(RagwayConfig.Solr configured, List<String> urls, String collection) {
    List<String> u = urls.isEmpty() ? configured.urls() : urls;
    if (u.isEmpty()) {
      throw new UsageException("no Solr to copy to: set index.solr.urls in ragway.yaml or give --solr-url URL");
    }
    try {
      return new SolrConfig(u, collection != null ? collection : configured.collection(), configured.shards(),
          configured.replicas());
    } catch (IllegalArgumentException e) {
      throw new UsageException(e.getMessage());
    }
  }
}
