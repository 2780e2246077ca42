package io.ragway.agent;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.ragway.config.JsonMappers;
import io.ragway.guard.Guard;
import io.ragway.index.Chunk;
import io.ragway.index.Index;
import io.ragway.ingest.DocumentStore;
import io.ragway.ingest.Ingestor;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.stream.IntStream;

/**
 * {@code fetch_document}: the text of a passage (an id from {@code search_documents}) or of a whole
 * document (a {@code doc_} id from {@code /v1/documents}). An id the caller may not read, of its
 * own tenant or another, gets the same answer as one that does not exist.
 */
final class DocumentFetch implements Tool {

  static final String NAME = "fetch_document";
  private static final ObjectMapper JSON = JsonMappers.create();

  private final Index index;
  private final DocumentStore documents;
  private final Guard guard;
  private final JsonNode parameters;

  DocumentFetch(Index index, DocumentStore documents, Guard guard) {
    this.index = index;
    this.documents = documents;
    this.guard = guard;
    ObjectNode p = JSON.createObjectNode().put("type", "object").put("additionalProperties", false);
    p.putObject("properties").putObject("id").put("type", "string").put("minLength", 1)
        .put("description", "a passage id from search_documents, or a document id (doc_...)");
    p.putArray("required").add("id");
    this.parameters = p;
  }

  @Override
  public String name() {
    return NAME;
  }

  @Override
  public String description() {
    return "Returns the full text of a passage or document by its id.";
  }

  @Override
  public JsonNode parameters() {
    return parameters;
  }

  @Override
  public String call(JsonNode arguments, Scope scope) throws ToolFailure {
    String id = arguments.get("id").asText().strip();
    List<Chunk> chunks = id.startsWith("doc_") ? document(id, scope) : index.chunk(id)
        .filter(c -> scope.reader().reads(c.tenant(), c.groups())).map(List::of).orElse(List.of());
    if (chunks.isEmpty()) {
      throw new ToolFailure("no document or passage with id '" + id + "'");
    }
    Chunk first = chunks.get(0);
    StringBuilder text = new StringBuilder();
    for (Chunk c : chunks) {
      if (guard.admitsPassage(scope.requestId(), scope.reader().tenant(), c.id(), c.text())) {
        text.append(text.isEmpty() ? "" : "\n\n").append(c.text());
      }
    }
    ObjectNode out = JSON.createObjectNode().put("id", id).put("source", first.source()).put("title", first.title())
        .put("text", text.toString());
    return out.toString();
  }

  private List<Chunk> document(String id, Scope scope) {
    Optional<DocumentStore.Document> doc = documents.get(scope.reader(), id);
    if (doc.isEmpty() || doc.get().chunks() == 0) {
      return List.of();
    }
    String tenant = scope.reader().tenant();
    List<String> ids = IntStream.range(0, doc.get().chunks())
        .mapToObj(i -> Ingestor.chunkId(tenant, doc.get().source(), i)).toList();
    List<Chunk> out = new ArrayList<>(index.chunks(ids).stream()
        .filter(c -> scope.reader().reads(c.tenant(), c.groups())).toList());
    out.sort(java.util.Comparator.comparingInt(Chunk::ordinal));
    return out;
  }
}
