package io.ragway.server;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.javalin.http.Context;
import io.javalin.http.UploadedFile;
import io.ragway.ingest.DocumentStore;
import io.ragway.ingest.DocumentStore.Document;
import io.ragway.ingest.DocumentStore.UploadRejected;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Function;

/**
 * The document endpoints: {@code POST /v1/documents} (a JSON body or a multipart file), {@code GET
 * /v1/documents}, {@code GET /v1/documents/{id}} and {@code DELETE /v1/documents/{id}}, over a
 * {@link DocumentStore}. An upload is answered at once (202, {@code "status": "queued"}) and
 * ingested in the background; clients poll the document until it is {@code ready} or {@code failed}.
 */
final class Documents {

  private static final int DEFAULT_LIMIT = 100;
  private static final int MAX_LIMIT = 1000;

  private final ObjectMapper json;
  private final DocumentStore store;
  private final Function<Context, String> tenant;
  private final long maxBodyBytes;
  private final Function<Context, JsonNode> jsonBody;

  /**
   * @param tenant the tenant a request acts for
   * @param jsonBody parses a request's JSON object, throwing {@link ApiException} when it is not one
   */
  Documents(ObjectMapper json, DocumentStore store, Function<Context, String> tenant, long maxBodyBytes,
      Function<Context, JsonNode> jsonBody) {
    this.json = json;
    this.store = store;
    this.tenant = tenant;
    this.maxBodyBytes = maxBodyBytes;
    this.jsonBody = jsonBody;
  }

  void upload(Context ctx) throws IOException {
    Upload upload = ctx.isMultipartFormData() ? fromForm(ctx) : fromJson(jsonBody.apply(ctx));
    Document doc;
    try {
      doc = store.upload(tenant.apply(ctx), upload.name(), upload.content(), upload.title(), upload.tags());
    } catch (UploadRejected e) {
      String param = switch (e.reason()) {
        case BAD_NAME, UNSUPPORTED_TYPE -> upload.nameParam();
        case EMPTY, TOO_LARGE -> upload.param();
        case BAD_TAGS -> "tags";
      };
      String code = switch (e.reason()) {
        case BAD_NAME -> "invalid_file_name";
        case UNSUPPORTED_TYPE -> "unsupported_file_type";
        case EMPTY -> "empty_file";
        case TOO_LARGE -> "file_too_large";
        case BAD_TAGS -> null;
      };
      throw new ApiException(e.reason() == UploadRejected.Reason.TOO_LARGE ? 413 : 400, "invalid_request_error", code, param, e.getMessage());
    }
    ctx.status(doc.status() == DocumentStore.Status.READY ? 200 : 202).json(toJson(doc));
  }

  void list(Context ctx) {
    int limit = DEFAULT_LIMIT;
    String limitParam = ctx.queryParam("limit");
    if (limitParam != null) {
      try {
        limit = Integer.parseInt(limitParam);
      } catch (NumberFormatException e) {
        limit = -1;
      }
      if (limit < 1 || limit > MAX_LIMIT) {
        throw ApiException.invalid("limit", "Invalid 'limit': expected an integer from 1 to " + MAX_LIMIT + ".");
      }
    }
    List<Document> all = store.list(tenant.apply(ctx));
    int from = 0;
    String after = ctx.queryParam("after");
    if (after != null) {
      from = -1;
      for (int i = 0; i < all.size(); i++) {
        if (all.get(i).id().equals(after)) {
          from = i + 1;
        }
      }
      if (from < 0) {
        throw ApiException.invalid("after", "Invalid 'after': no document with id '" + after + "'.");
      }
    }
    List<Document> page = all.subList(from, Math.min(all.size(), from + limit));
    ObjectNode out = json.createObjectNode().put("object", "list");
    ArrayNode data = out.putArray("data");
    page.forEach(d -> data.add(toJson(d)));
    if (page.isEmpty()) {
      out.putNull("first_id").putNull("last_id");
    } else {
      out.put("first_id", page.get(0).id()).put("last_id", page.get(page.size() - 1).id());
    }
    out.put("has_more", from + page.size() < all.size());
    ctx.json(out);
  }

  void get(Context ctx) {
    String id = ctx.pathParam("id");
    ctx.json(toJson(store.get(tenant.apply(ctx), id).orElseThrow(() -> notFound(id))));
  }

  void delete(Context ctx) throws InterruptedException {
    String id = ctx.pathParam("id");
    switch (store.delete(tenant.apply(ctx), id)) {
      case DELETED -> ctx.json(json.createObjectNode().put("id", id).put("object", "document").put("deleted", true));
      case NOT_FOUND -> throw notFound(id);
      case FROM_FOLDER -> throw new ApiException(409, "invalid_request_error", "document_from_folder", "id",
          "The document '" + id + "' was ingested from a folder (serve --docs), and would come back with the next "
              + "ingest of that folder; remove the file from the folder instead.");
    }
  }

  private static ApiException notFound(String id) {
    return new ApiException(404, "invalid_request_error", "document_not_found", "id", "No document with id '" + id + "'.");
  }

  // ---- request bodies ----

  /** An upload as read from the request, with the names of the fields that carried it. */
  private record Upload(String name, byte[] content, String title, List<String> tags, String nameParam, String param) {}

  /** {@code {"name": "notes.md", "text": "...", "title"?: "...", "tags"?: ["..."]}} */
  private static Upload fromJson(JsonNode body) {
    String name = ChatCompletions.requireText(body, "name");
    String text = ChatCompletions.requireText(body, "text");
    if (text.isEmpty()) {
      throw ApiException.invalid("text", "Invalid 'text': the document is empty.");
    }
    String title = "";
    if (body.hasNonNull("title")) {
      title = ChatCompletions.requireText(body, "title");
    }
    List<String> tags = new ArrayList<>();
    JsonNode t = body.get("tags");
    if (t != null && !t.isNull()) {
      if (!t.isArray()) {
        throw ApiException.invalid("tags", "Invalid type for 'tags': expected an array of strings.");
      }
      for (JsonNode tag : t) {
        if (!tag.isTextual()) {
          throw ApiException.invalid("tags", "Invalid type for 'tags': expected an array of strings.");
        }
        tags.add(tag.asText());
      }
    }
    return new Upload(name, text.getBytes(StandardCharsets.UTF_8), title, tags, "name", "text");
  }

  /** A multipart form with a {@code file} part and optional {@code title} and {@code tags} fields. */
  private Upload fromForm(Context ctx) throws IOException {
    // The multipart parser reads the whole body past Javalin's size check, so the size is checked here.
    long length = ctx.req().getContentLengthLong();
    if (length < 0) {
      throw new ApiException(411, "invalid_request_error", "length_required", null,
          "A multipart upload needs a Content-Length header.");
    }
    if (length > maxBodyBytes) {
      throw new ApiException(413, "invalid_request_error", "request_too_large", null,
          "The request body is larger than " + maxBodyBytes + " bytes.");
    }
    UploadedFile file;
    List<String> tags = new ArrayList<>();
    String title;
    try {
      file = ctx.uploadedFile("file");
      title = ctx.formParam("title");
      for (String field : ctx.formParams("tags")) {
        for (String tag : field.split(",")) {
          if (!tag.isBlank()) {
            tags.add(tag.strip());
          }
        }
      }
    } catch (Exception e) { // the servlet container's parser throws checked exceptions unchecked
      throw ApiException.invalid(null, "We could not parse the multipart body of your request: " + e.getMessage());
    }
    if (file == null) {
      throw ApiException.invalid("file", "Missing required part: 'file' (a file, sent with a filename).");
    }
    byte[] content;
    try (InputStream in = file.content()) {
      content = in.readAllBytes();
    }
    return new Upload(file.filename() == null ? "" : file.filename(), content, title == null ? "" : title, tags, "file", "file");
  }

  // ---- responses ----

  private ObjectNode toJson(Document d) {
    ObjectNode n = json.createObjectNode().put("id", d.id()).put("object", "document").put("source", d.source())
        .put("filename", d.name()).put("origin", d.origin().label()).put("status", d.status().label()).put("chunks", d.chunks());
    if (d.bytes().isPresent()) {
      n.put("bytes", d.bytes().getAsLong());
    } else {
      n.putNull("bytes");
    }
    if (d.createdAt().isPresent()) {
      n.put("created_at", d.createdAt().get().getEpochSecond());
    } else {
      n.putNull("created_at");
    }
    if (d.error().isPresent()) {
      n.put("error", d.error().get());
    } else {
      n.putNull("error");
    }
    return n;
  }
}
