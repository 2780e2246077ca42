package io.ragway.cli;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.ragway.index.Filter;
import io.ragway.index.Index;
import io.ragway.index.Reader;
import io.ragway.retrieve.Retrieved;
import io.ragway.retrieve.SearchMode;
import io.ragway.retrieve.SearchRequest;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

@Command(name = "search", mixinStandardHelpOptions = true,
    description = "Show the chunks that best match a query, with their sources and scores.")
final class SearchCommand implements Callable<Integer> {

  @Mixin CommonOptions common;
  @Spec picocli.CommandLine.Model.CommandSpec spec;

  @Parameters(arity = "1..*", paramLabel = "QUERY", description = "The query (several words may be given unquoted).")
  List<String> query;

  @Option(names = "--mode", paramLabel = "MODE", description = "bm25, dense or hybrid (default: retrieval.mode, hybrid).")
  String mode;

  @Option(names = {"-k", "--k"}, paramLabel = "N", description = "Number of results (default: retrieval.k, 5).")
  Integer k;

  @Option(names = "--source-prefix", paramLabel = "PATH", description = "Only sources whose path starts with PATH.")
  String sourcePrefix;

  @Option(names = "--tag", paramLabel = "TAG", description = "Only chunks with one of these tags (repeatable).")
  List<String> tags = new ArrayList<>();

  @Option(names = "--mmr", description = "Diversify results (maximal marginal relevance).")
  boolean mmr;

  @Option(names = "--json", description = "Print results as JSON.")
  boolean json;

  @Override
  public Integer call() throws Exception {
    String q = String.join(" ", query).strip();
    if (q.isEmpty()) {
      throw new UsageException("the query is empty");
    }
    try (Components c = common.components()) {
      SearchMode m = SearchMode.parse(mode != null ? mode : c.config().retrieval().mode());
      int n = k != null ? k : c.config().retrieval().k();
      Index index = c.index(true);
      long t0 = System.nanoTime();
      List<Retrieved> results = c.retriever(index).retrieve(new SearchRequest(q, m, n,
          new Filter(Reader.owner(c.config().tenant()), sourcePrefix, tags), mmr || c.config().retrieval().mmr()));
      double ms = (System.nanoTime() - t0) / 1e6;
      var out = spec.commandLine().getOut();
      if (json) {
        ObjectMapper mapper = new ObjectMapper();
        ObjectNode root = mapper.createObjectNode().put("query", q).put("mode", m.label()).put("ms", ms);
        ArrayNode arr = root.putArray("results");
        for (Retrieved r : results) {
          arr.addObject().put("rank", r.rank()).put("score", r.score()).put("id", r.chunk().id())
              .put("source", r.chunk().source()).put("title", r.chunk().title())
              .put("heading", r.chunk().headingPath()).put("chunk", r.chunk().ordinal())
              .put("start", r.chunk().start()).put("end", r.chunk().end()).put("text", r.chunk().text());
        }
        out.println(mapper.writeValueAsString(root));
        return Main.OK;
      }
      if (results.isEmpty()) {
        out.println("No matching chunks.");
      }
      for (Retrieved r : results) {
        out.printf("%d. %s%s  (chunk %d, score %.4f)%n   %s%n", r.rank(), r.chunk().source(),
            r.chunk().headingPath().isEmpty() ? "" : " > " + r.chunk().headingPath(), r.chunk().ordinal(), r.score(),
            snippet(r.chunk().text()));
      }
      out.printf("(%d results, %s, %.1f ms)%n", results.size(), m.label(), ms);
      return Main.OK;
    }
  }

  static String snippet(String text) {
    String flat = text.replaceAll("\\s+", " ").strip();
    return flat.length() <= 200 ? flat : flat.substring(0, 197) + "...";
  }
}
