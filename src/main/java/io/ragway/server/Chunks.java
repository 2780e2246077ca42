package io.ragway.server;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.javalin.http.Context;
import io.ragway.index.Chunk;
import io.ragway.index.Index;
import io.ragway.index.Reader;
import io.ragway.ingest.DocumentStore;
import io.ragway.ingest.Ingestor;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.function.Function;

/**
 * {@code GET /v1/chunks/{id}}: one chunk, as a citation names it, with the chunks just before and
 * after it in its source, so a reader sees the cited passage in its place. A chunk the caller may
 * not read (another tenant's, or of ACL groups it is not in) is not found, as in search.
 */
final class Chunks {

  /** How many chunks on each side of the cited one; {@code ?around=} may ask for fewer or more. */
  private static final int DEFAULT_AROUND = 1;
  private static final int MAX_AROUND = 5;

  private final ObjectMapper json;
  private final Index index;
  private final Function<Context, Reader> reader;

  Chunks(ObjectMapper json, Index index, Function<Context, Reader> reader) {
    this.json = json;
    this.index = index;
    this.reader = reader;
  }

  void get(Context ctx) {
    String id = ctx.pathParam("id");
    int around = DEFAULT_AROUND;
    String aroundParam = ctx.queryParam("around");
    if (aroundParam != null) {
      try {
        around = Integer.parseInt(aroundParam);
      } catch (NumberFormatException e) {
        around = -1;
      }
      if (around < 0 || around > MAX_AROUND) {
        throw ApiException.invalid("around", "Invalid 'around': expected an integer from 0 to " + MAX_AROUND + ".");
      }
    }
    Reader who = reader.apply(ctx);
    Chunk cited = readable(id, who).orElseThrow(() -> new ApiException(404, "invalid_request_error", "chunk_not_found",
        "id", "No chunk with id '" + id + "'."));
    List<String> ids = new ArrayList<>();
    for (int o = Math.max(0, cited.ordinal() - around); o <= cited.ordinal() + around; o++) {
      ids.add(o == cited.ordinal() ? cited.id() : Ingestor.chunkId(cited.tenant(), cited.source(), o));
    }
    ObjectNode out = toJson(cited).put("object", "chunk")
        .put("document", DocumentStore.id(cited.tenant(), cited.source()));
    ArrayNode passages = out.putArray("passages");
    for (Chunk c : index.chunks(ids)) {
      if (c.source().equals(cited.source()) && who.reads(c.tenant(), c.groups())) {
        passages.add(toJson(c).put("cited", c.id().equals(cited.id())));
      }
    }
    ctx.json(out);
  }

  private Optional<Chunk> readable(String id, Reader who) {
    return index.chunk(id).filter(c -> who.reads(c.tenant(), c.groups()));
  }

  private ObjectNode toJson(Chunk c) {
    return json.createObjectNode().put("id", c.id()).put("source", c.source()).put("title", c.title())
        .put("heading", c.headingPath()).put("chunk", c.ordinal()).put("start", c.start()).put("end", c.end())
        .put("text", c.text());
  }
}
