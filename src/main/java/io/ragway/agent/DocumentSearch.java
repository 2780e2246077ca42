package io.ragway.agent;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.ragway.config.JsonMappers;
import io.ragway.guard.Guard;
import io.ragway.index.Filter;
import io.ragway.retrieve.Retrieved;
import io.ragway.retrieve.Retriever;
import io.ragway.retrieve.SearchMode;
import io.ragway.retrieve.SearchRequest;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.List;

/**
 * {@code search_documents}: hybrid search over the documents the caller may read (its tenant's
 * public ones and those of its groups, never another tenant's); passages the guard reads as
 * injections are dropped, as for {@code model: "rag"}.
 */
final class DocumentSearch implements Tool {

  static final String NAME = "search_documents";
  private static final ObjectMapper JSON = JsonMappers.create();
  private static final int MAX_K = 20;

  private final Retriever retriever;
  private final SearchMode mode;
  private final int k;
  private final Guard guard;
  private final JsonNode parameters;

  DocumentSearch(Retriever retriever, SearchMode mode, int k, Guard guard) {
    this.retriever = retriever;
    this.mode = mode;
    this.k = Math.max(1, Math.min(MAX_K, k));
    this.guard = guard;
    ObjectNode p = JSON.createObjectNode().put("type", "object").put("additionalProperties", false);
    ObjectNode props = p.putObject("properties");
    props.putObject("query").put("type", "string").put("minLength", 1).put("description", "what to look for");
    props.putObject("k").put("type", "integer").put("minimum", 1).put("maximum", MAX_K)
        .put("description", "how many passages (default " + this.k + ")");
    p.putArray("required").add("query");
    this.parameters = p;
  }

  @Override
  public String name() {
    return NAME;
  }

  @Override
  public String description() {
    return "Searches the user's documents and returns the best passages, each with its id (for fetch_document), "
        + "source and text.";
  }

  @Override
  public JsonNode parameters() {
    return parameters;
  }

  @Override
  public String call(JsonNode arguments, Scope scope) throws ToolFailure {
    String query = scope.restore().apply(arguments.get("query").asText()).strip();
    if (query.isEmpty()) {
      throw new ToolFailure("the query is empty");
    }
    int n = arguments.path("k").asInt(k);
    List<Retrieved> found = retriever.retrieve(new SearchRequest(query, mode, n, Filter.of(scope.reader()), false));
    ArrayNode out = JSON.createArrayNode();
    for (Retrieved r : found) {
      if (!guard.admitsPassage(scope.requestId(), scope.reader().tenant(), r.chunk().id(), r.chunk().text())) {
        continue;
      }
      out.addObject().put("id", r.chunk().id()).put("source", r.chunk().source()).put("title", r.chunk().title())
          .put("score", Math.round(r.score() * 10_000) / 10_000.0).put("text", r.chunk().text());
    }
    try {
      return out.isEmpty() ? "No passage matches '" + query + "'." : JSON.writeValueAsString(out);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }
}
