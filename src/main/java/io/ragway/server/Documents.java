package io.ragway.server;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.javalin.http.Context;
import io.javalin.http.UploadedFile;
import io.ragway.index.Reader;
import io.ragway.ingest.DocumentStore;
import io.ragway.ingest.DocumentStore.Document;
import io.ragway.ingest.DocumentStore.UploadRejected;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.function.Function;

/**
 * The document endpoints: {@code POST /v1/documents} (a JSON body or a multipart file), {@code GET
 * /v1/documents}, {@code GET /v1/documents/{id}} and {@code DELETE /v1/documents/{id}}, over a
 * {@link DocumentStore}. An upload is answered at once (202, {@code "status": "queued"}) and
 * ingested in the background; clients poll the document until it is {@code ready} or {@code failed}.
 * A document outside what the caller may read (another tenant's, or one of ACL groups it is not
 * in) is not found.
 */
final class Documents {

  private static final int DEFAULT_LIMIT = 100;
  private static final int MAX_LIMIT = 1000;

  private final ObjectMapper json;
  private final DocumentStore store;
  private final Function<Context, Reader> reader;
  private final long maxBodyBytes;
  private final Function<Context, JsonNode> jsonBody;

  /**
   * @param reader what a request may read: its tenant and groups
   * @param jsonBody parses a request's JSON object, throwing {@link ApiException} when it is not one
   */
  Documents(ObjectMapper json, DocumentStore store, Function<Context, Reader> reader, long maxBodyBytes,
      Function<Context, JsonNode> jsonBody) {
    this.json = json;
    this.store = store;
    this.reader = reader;
    this.maxBodyBytes = maxBodyBytes;
    this.jsonBody = jsonBody;
  }

  void upload(Context ctx) throws IOException {
    Upload upload = ctx.isMultipartFormData() ? fromForm(ctx) : fromJson(jsonBody.apply(ctx));
    Document doc;
    try {
      doc = store.upload(reader.apply(ctx), upload.name(), upload.content(), upload.title(), upload.tags(), upload.groups());
    } catch (UploadRejected e) {
      String param = switch (e.reason()) {
        case BAD_NAME, UNSUPPORTED_TYPE, HIDDEN -> upload.nameParam();
        case EMPTY, TOO_LARGE -> upload.param();
        case BAD_TAGS -> "tags";
        case BAD_GROUPS -> "groups";
      };
      String code = switch (e.reason()) {
        case BAD_NAME -> "invalid_file_name";
        case UNSUPPORTED_TYPE -> "unsupported_file_type";
        case EMPTY -> "empty_file";
        case TOO_LARGE -> "file_too_large";
        case BAD_TAGS, BAD_GROUPS -> null;
        case HIDDEN -> "document_exists";
      };
      int status = switch (e.reason()) {
        case TOO_LARGE -> 413;
        case HIDDEN -> 409;
        default -> 400;
      };
      throw new ApiException(status, "invalid_request_error", code, param, e.getMessage());
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
    List<Document> all = store.list(reader.apply(ctx));
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
    ctx.json(toJson(store.get(reader.apply(ctx), id).orElseThrow(() -> notFound(id))));
  }

  void delete(Context ctx) throws InterruptedException {
    String id = ctx.pathParam("id");
    switch (store.delete(reader.apply(ctx), id)) {
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

  /**
   * An upload as read from the request, with the names of the fields that carried it.
   *
   * @param groups absent when the request did not say: the document keeps those it has
   */
  private record Upload(String name, byte[] content, String title, List<String> tags, Optional<List<String>> groups,
      String nameParam, String param) {}

  /** {@code {"name": "notes.md", "text": "...", "title"?: "...", "tags"?: ["..."], "groups"?: ["..."]}} */
  private static Upload fromJson(JsonNode body) {
    String name = RequestFields.requireText(body, "name");
    String text = RequestFields.requireText(body, "text");
    if (text.isEmpty()) {
      throw ApiException.invalid("text", "Invalid 'text': the document is empty.");
    }
    String title = "";
    if (body.hasNonNull("title")) {
      title = RequestFields.requireText(body, "title");
    }
    List<String> tags = strings(body, "tags").orElse(List.of());
    return new Upload(name, text.getBytes(StandardCharsets.UTF_8), title, tags, strings(body, "groups"), "name", "text");
  }

  /** An optional array of strings; absent when the field is missing or null. */
  private static Optional<List<String>> strings(JsonNode body, String field) {
    JsonNode t = body.get(field);
    if (t == null || t.isNull()) {
      return Optional.empty();
    }
    if (!t.isArray()) {
      throw ApiException.invalid(field, "Invalid type for '" + field + "': expected an array of strings.");
    }
    List<String> out = new ArrayList<>();
    for (JsonNode item : t) {
      if (!item.isTextual()) {
        throw ApiException.invalid(field, "Invalid type for '" + field + "': expected an array of strings.");
      }
      out.add(item.asText());
    }
    return Optional.of(out);
  }

  /**
   * A multipart form with a {@code file} part and optional {@code title}, {@code tags} and {@code
   * groups} fields; the last two comma-separated, repeated, or both (an empty {@code groups} field
   * makes the document public).
   */
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
    List<String> tags;
    Optional<List<String>> groups;
    String title;
    try {
      file = ctx.uploadedFile("file");
      title = ctx.formParam("title");
      tags = commaSeparated(ctx.formParams("tags"));
      List<String> groupFields = ctx.formParams("groups");
      groups = groupFields.isEmpty() ? Optional.empty() : Optional.of(commaSeparated(groupFields));
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
    return new Upload(file.filename() == null ? "" : file.filename(), content, title == null ? "" : title, tags, groups,
        "file", "file");
  }

  private static List<String> commaSeparated(List<String> fields) {
    List<String> out = new ArrayList<>();
    for (String field : fields) {
      for (String item : field.split(",")) {
        if (!item.isBlank()) {
          out.add(item.strip());
        }
      }
    }
    return out;
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
    ArrayNode groups = n.putArray("groups");
    d.groups().forEach(groups::add);
    return n;
  }
}
