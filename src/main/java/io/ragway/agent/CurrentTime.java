package io.ragway.agent;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.time.Clock;
import java.time.DateTimeException;
import java.time.ZoneId;
import java.time.ZonedDateTime;
import java.time.format.DateTimeFormatter;

/** {@code current_time}: the time now, in UTC or a named time zone. */
final class CurrentTime implements Tool {

  static final String NAME = "current_time";
  private static final JsonNode PARAMETERS = schema();

  private final Clock clock;

  CurrentTime(Clock clock) {
    this.clock = clock;
  }

  private static JsonNode schema() {
    ObjectNode p = JsonNodeFactory.instance.objectNode().put("type", "object").put("additionalProperties", false);
    p.putObject("properties").putObject("timezone").put("type", "string")
        .put("description", "an IANA time zone such as Europe/Paris; default UTC");
    return p;
  }

  @Override
  public String name() {
    return NAME;
  }

  @Override
  public String description() {
    return "Returns the current date and time (ISO 8601) and the day of the week.";
  }

  @Override
  public JsonNode parameters() {
    return PARAMETERS;
  }

  @Override
  public String call(JsonNode arguments, Scope scope) throws ToolFailure {
    String zone = arguments.path("timezone").asText("UTC");
    ZoneId id;
    try {
      id = ZoneId.of(zone.isBlank() ? "UTC" : zone.strip());
    } catch (DateTimeException e) {
      throw new ToolFailure("unknown time zone '" + zone + "' (use an IANA name such as Europe/Paris, or UTC)");
    }
    ZonedDateTime now = ZonedDateTime.now(clock.withZone(id));
    return now.format(DateTimeFormatter.ISO_OFFSET_DATE_TIME) + " (" + now.getDayOfWeek() + ", " + id + ")";
  }
}
