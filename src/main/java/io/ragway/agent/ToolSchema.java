package io.ragway.agent;

import com.fasterxml.jackson.databind.JsonNode;
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
import java.util.List;
import java.util.Locale;

/** A tool's argument schema, compiled once; arguments are checked against it before a call. */
final class ToolSchema {

  /* As for response_format: the factory fetches nothing (meta-schemas come from the validator's jar). */
  private static final JsonSchemaFactory SCHEMAS = JsonSchemaFactory.getInstance(SpecVersion.VersionFlag.V202012,
      b -> b.enableSchemaCache(false)
          .schemaLoaders(l -> l.add(new AllowSchemaLoader(iri -> iri.toString().startsWith("classpath:")))));
  private static final SchemaValidatorsConfig CONFIG = SchemaValidatorsConfig.builder().pathType(PathType.JSON_PATH)
      .locale(Locale.ENGLISH).build();
  private static final JsonSchema META = meta();
  private static final int SHOWN = 3;

  private final JsonSchema schema;

  private ToolSchema(JsonSchema schema) {
    this.schema = schema;
  }

  private static JsonSchema meta() {
    JsonSchema m = SCHEMAS.getSchema(SchemaLocation.of(SchemaId.V202012), CONFIG);
    m.initializeValidators();
    return m;
  }

  /** What is wrong with {@code parameters} as a tool's schema, or null when nothing is. */
  static String problem(JsonNode parameters) {
    if (!parameters.isObject()) {
      return "expected a JSON Schema object";
    }
    if (!"object".equals(parameters.path("type").asText())) {
      return "a tool's arguments are an object: the schema needs \"type\": \"object\"";
    }
    try {
      List<String> errors = META.validate(parameters).stream().map(ValidationMessage::getMessage).distinct().toList();
      if (!errors.isEmpty()) {
        return "not a valid JSON Schema: " + shown(errors);
      }
      SCHEMAS.getSchema(parameters, CONFIG).initializeValidators(); // a bad $ref or pattern fails now
      return null;
    } catch (JsonSchemaException | IllegalArgumentException e) {
      return "not a valid JSON Schema: " + e.getMessage().lines().findFirst().orElse("");
    }
  }

  /** Compiles a schema {@link #problem} found nothing wrong with. */
  static ToolSchema of(JsonNode parameters) {
    String bad = problem(parameters);
    if (bad != null) {
      throw new IllegalArgumentException(bad);
    }
    JsonSchema s = SCHEMAS.getSchema(parameters, CONFIG);
    s.initializeValidators();
    return new ToolSchema(s);
  }

  /** What is wrong with {@code arguments}: empty when they fit. */
  List<String> errors(JsonNode arguments) {
    return schema.validate(arguments).stream().map(ValidationMessage::getMessage).distinct().toList();
  }

  static String shown(List<String> messages) {
    String first = String.join("; ", messages.subList(0, Math.min(SHOWN, messages.size())));
    return messages.size() > SHOWN ? first + " (and " + (messages.size() - SHOWN) + " more)" : first;
  }
}
