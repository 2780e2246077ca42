package io.ragway.guard;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonLocation;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.JsonToken;
import com.fasterxml.jackson.core.async.ByteArrayFeeder;
import com.fasterxml.jackson.core.io.JsonEOFException;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.json.JsonMapper;
import com.networknt.schema.JsonSchema;
import com.networknt.schema.JsonSchemaException;
import com.networknt.schema.JsonSchemaFactory;
import com.networknt.schema.PathType;
import com.networknt.schema.SchemaId;
import com.networknt.schema.SchemaLocation;
import com.networknt.schema.SchemaValidatorsConfig;
import com.networknt.schema.SpecVersion;
import com.networknt.schema.ValidationMessage;
import com.networknt.schema.resource.AllowSchemaLoader;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.Collection;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;

/**
 * What an answer must be when its request's {@code response_format} asks for JSON: for
 * {@code json_object} one JSON object, for {@code json_schema} one JSON value its schema accepts.
 * Made once per request, when its schema is compiled; {@link #check} judges a whole answer,
 * {@link #stream} one that arrives in pieces.
 */
public final class JsonOutputCheck {

  /**
   * Why an answer is not the JSON asked for.
   *
   * @param message for the client: what the format asks and the first violations (it may quote the answer)
   * @param detail for the decision log: the kind of violation and where, never the answer's text
   */
  public record Violation(String message, String detail) {
    public Violation {
      Objects.requireNonNull(message, "message");
      Objects.requireNonNull(detail, "detail");
    }
  }

  /** Violations named in a message; the rest are counted. */
  static final int SHOWN = 3;

  private static final String SCHEMA_PARAM = "response_format.json_schema.schema";
  private static final JsonFactory TOKENS = new JsonFactory();
  private static final ObjectMapper TREES = JsonMapper.builder().enable(DeserializationFeature.FAIL_ON_TRAILING_TOKENS).build();
  /*
   * Schemas come from callers, so the factory fetches nothing (the meta-schemas are in the
   * validator's jar, mapped to the classpath; a $ref to a URL is refused) and caches nothing (a
   * schema's $id cannot stand in for another request's schema).
   */
  private static final JsonSchemaFactory SCHEMAS = JsonSchemaFactory.getInstance(SpecVersion.VersionFlag.V202012,
      b -> b.enableSchemaCache(false)
          .schemaLoaders(l -> l.add(new AllowSchemaLoader(iri -> iri.toString().startsWith("classpath:")))));
  private static final SchemaValidatorsConfig CONFIG = SchemaValidatorsConfig.builder().pathType(PathType.JSON_PATH)
      .locale(Locale.ENGLISH).build();
  /** The meta-schema of each dialect asked for, compiled once; only the validator's own can be loaded. */
  private static final Map<String, JsonSchema> META = new ConcurrentHashMap<>();

  private final String format;
  private final boolean object;
  private final JsonSchema schema;

  private JsonOutputCheck(String format, boolean object, JsonSchema schema) {
    this.format = format;
    this.object = object;
    this.schema = schema;
  }

  /**
   * The check a request's {@code response_format} asks for: empty when it is absent or
   * {@code text}.
   *
   * @throws InvalidResponseFormat when it is malformed or its schema is not a valid JSON Schema
   */
  public static Optional<JsonOutputCheck> of(JsonNode responseFormat) {
    if (responseFormat == null || responseFormat.isNull()) {
      return Optional.empty();
    }
    if (!responseFormat.isObject()) {
      throw new InvalidResponseFormat("response_format", "Invalid type for 'response_format': expected an object.");
    }
    JsonNode type = responseFormat.get("type");
    if (type == null || !type.isTextual()) {
      throw new InvalidResponseFormat("response_format", "Missing required parameter: 'response_format.type'.");
    }
    return switch (type.asText()) {
      case "text" -> Optional.empty();
      case "json_object" -> Optional.of(new JsonOutputCheck("json_object", true, null));
      case "json_schema" -> Optional.of(jsonSchema(responseFormat.get("json_schema")));
      default -> throw new InvalidResponseFormat("response_format", "Invalid value for 'response_format.type': '"
          + type.asText() + "'. Supported values are: 'text', 'json_object' and 'json_schema'.");
    };
  }

  private static JsonOutputCheck jsonSchema(JsonNode spec) {
    if (spec == null || !spec.isObject()) {
      throw new InvalidResponseFormat("response_format",
          "Missing required parameter: 'response_format.json_schema' (an object with 'name' and 'schema').");
    }
    JsonNode schema = spec.get("schema");
    if (schema == null || schema.isNull()) {
      throw new InvalidResponseFormat("response_format",
          "Missing required parameter: 'response_format.json_schema.schema': ragway checks answers against it.");
    }
    if (!schema.isObject()) {
      throw new InvalidResponseFormat(SCHEMA_PARAM, "Invalid type for '" + SCHEMA_PARAM + "': expected a JSON Schema object.");
    }
    String format = "json_schema" + (spec.path("name").isTextual() ? " '" + spec.get("name").asText() + "'" : "");
    String invalid = "Invalid schema for response_format " + format + ": ";
    String dialect = schema.path("$schema").asText(SchemaId.V202012);
    try {
      JsonSchema meta = META.computeIfAbsent(dialect, d -> {
        JsonSchema m = SCHEMAS.getSchema(SchemaLocation.of(d), CONFIG);
        m.initializeValidators();
        return m;
      });
      List<String> errors = messages(meta.validate(schema));
      if (!errors.isEmpty()) {
        throw new InvalidResponseFormat(SCHEMA_PARAM, invalid + shown(errors) + ".");
      }
      JsonSchema compiled = SCHEMAS.getSchema(schema, CONFIG);
      compiled.initializeValidators(); // a bad $ref or pattern fails now, not on the answer
      return new JsonOutputCheck(format, "object".equals(schema.path("type").asText()), compiled);
    } catch (JsonSchemaException | IllegalArgumentException e) {
      throw new InvalidResponseFormat(SCHEMA_PARAM, invalid + e.getMessage().lines().findFirst().orElse("") + ".");
    }
  }

  /** {@code json_object}, or {@code json_schema} and the schema's name. */
  public String format() {
    return format;
  }

  /** Judges a whole answer. */
  public Optional<Violation> check(String answer) {
    Stream s = stream();
    Optional<Violation> found = s.accept(answer);
    return found.isPresent() ? found : s.finish();
  }

  /** A check for an answer that arrives in pieces. */
  public Stream stream() {
    return new Stream();
  }

  /**
   * Judges an answer as it arrives. Its syntax is read token by token (Jackson's non-blocking
   * parser), so an answer that cannot become the JSON asked for (prose, a fenced block, an array
   * where an object is asked) is caught at its first piece that shows it; the schema can only be
   * judged at the end. Once a violation is found, every later call returns it.
   */
  public final class Stream {

    private final JsonParser parser;
    private final ByteArrayFeeder feeder;
    private final StringBuilder text = new StringBuilder();
    private int depth;
    private boolean started;
    private boolean ended;
    private Optional<Violation> found = Optional.empty();

    private Stream() {
      try {
        parser = TOKENS.createNonBlockingByteArrayParser();
      } catch (IOException e) {
        throw new UncheckedIOException(e);
      }
      feeder = (ByteArrayFeeder) parser.getNonBlockingInputFeeder();
    }

    /** Takes the next piece; a violation when the answer so far cannot be the JSON asked for. */
    public Optional<Violation> accept(String piece) {
      if (found.isPresent() || piece.isEmpty()) {
        return found;
      }
      text.append(piece);
      byte[] bytes = piece.getBytes(StandardCharsets.UTF_8);
      try {
        feeder.feedInput(bytes, 0, bytes.length);
      } catch (IOException e) {
        throw new UncheckedIOException(e);
      }
      return found = read();
    }

    /** The verdict on the whole answer, at its end. */
    public Optional<Violation> finish() {
      if (found.isPresent()) {
        return found;
      }
      feeder.endOfInput();
      found = read();
      if (found.isEmpty() && !started) {
        found = violation("the answer is empty", "empty");
      } else if (found.isEmpty() && !ended) { // the parser reports most cut answers itself, this is the rest
        found = violation("the answer ends before its JSON does", "incomplete");
      } else if (found.isEmpty() && schema != null) {
        found = validate();
      }
      return found;
    }

    private Optional<Violation> read() {
      try {
        for (JsonToken t = parser.nextToken(); t != null && t != JsonToken.NOT_AVAILABLE; t = parser.nextToken()) {
          if (ended) {
            return violation("the answer goes on after its JSON " + (object ? "object" : "value") + " ends ("
                + where(parser.currentTokenLocation()) + ")", "trailing text at " + where(parser.currentTokenLocation()));
          }
          if (!started) {
            started = true;
            if (object && t != JsonToken.START_OBJECT) {
              String kind = kind(t);
              return violation("the answer is " + kind + ", not a JSON object", "root is " + kind);
            }
          }
          if (t.isStructStart()) {
            depth++;
          } else if (t.isStructEnd()) {
            depth--;
          }
          ended = depth == 0;
        }
        return Optional.empty();
      } catch (JsonEOFException e) {
        return violation("the answer ends before its JSON does", "incomplete");
      } catch (JsonProcessingException e) {
        String at = where(e.getLocation());
        return violation("the answer is not valid JSON (" + at + "): " + e.getOriginalMessage().lines().findFirst().orElse(""),
            "syntax error at " + at);
      } catch (IOException e) {
        throw new UncheckedIOException(e);
      }
    }

    private Optional<Violation> validate() {
      List<ValidationMessage> errors;
      try {
        errors = List.copyOf(schema.validate(TREES.readTree(text.toString())));
      } catch (JsonProcessingException e) { // the tokens were read already; kept for safety's sake
        return violation("the answer is not valid JSON: " + e.getOriginalMessage(), "syntax error");
      }
      if (errors.isEmpty()) {
        return Optional.empty();
      }
      List<String> keywords = errors.stream().map(ValidationMessage::getType).distinct().sorted().toList();
      return violation(shown(messages(errors)), "schema: " + errors.size() + (errors.size() == 1 ? " violation" : " violations")
          + " (" + String.join(", ", keywords) + ")");
    }

    private Optional<Violation> violation(String what, String detail) {
      return Optional.of(new Violation("The answer is not the JSON that response_format " + format + " asks for: " + what
          + ".", detail));
    }
  }

  private static List<String> messages(Collection<ValidationMessage> errors) {
    return errors.stream().map(ValidationMessage::getMessage).distinct().toList();
  }

  private static String shown(List<String> messages) {
    String first = String.join("; ", messages.subList(0, Math.min(SHOWN, messages.size())));
    return messages.size() > SHOWN ? first + " (and " + (messages.size() - SHOWN) + " more)" : first;
  }

  private static String where(JsonLocation at) {
    return at == null ? "unknown position" : "line " + at.getLineNr() + ", column " + at.getColumnNr();
  }

  private static String kind(JsonToken t) {
    return switch (t) {
      case START_ARRAY -> "a JSON array";
      case VALUE_STRING -> "a JSON string";
      case VALUE_NUMBER_INT, VALUE_NUMBER_FLOAT -> "a JSON number";
      case VALUE_TRUE, VALUE_FALSE -> "a JSON boolean";
      case VALUE_NULL -> "JSON null";
      default -> "something other than JSON";
    };
  }
}
