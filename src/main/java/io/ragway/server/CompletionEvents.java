package io.ragway.server;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.ragway.chat.Citation;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.util.List;

/** The pieces of OpenAI's chat completion shapes that every reply path writes: stream chunks, SSE events, citations. */
final class CompletionEvents {

  private final ObjectMapper json;

  CompletionEvents(ObjectMapper json) {
    this.json = json;
  }

  /** A {@code chat.completion.chunk} of one choice; {@code finish} null while the answer goes on. */
  ObjectNode chunk(String id, long created, String model, ObjectNode delta, String finish) {
    ObjectNode c = json.createObjectNode().put("id", id).put("object", "chat.completion.chunk").put("created", created)
        .put("model", model);
    ObjectNode choice = c.putArray("choices").addObject().put("index", 0);
    choice.set("delta", delta);
    choice.putNull("logprobs");
    if (finish == null) {
      choice.putNull("finish_reason");
    } else {
      choice.put("finish_reason", finish);
    }
    return c;
  }

  /** Writes {@code event} as one SSE {@code data:} event and flushes it to the client. */
  void send(OutputStream out, ObjectNode event) throws IOException {
    out.write(("data: " + json.writeValueAsString(event) + "\n\n").getBytes(StandardCharsets.UTF_8));
    out.flush();
  }

  /** The {@code citations} of a message: number, chunk id, source, title, heading, offsets and score. */
  ArrayNode citations(List<Citation> citations) {
    ArrayNode arr = json.createArrayNode();
    for (Citation c : citations) {
      arr.addObject().put("index", c.number()).put("id", c.id()).put("source", c.source()).put("title", c.title())
          .put("heading", c.heading()).put("chunk", c.chunk()).put("start", c.start()).put("end", c.end())
          .put("score", c.score());
    }
    return arr;
  }
}
