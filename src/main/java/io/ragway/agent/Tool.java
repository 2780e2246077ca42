package io.ragway.agent;

import com.fasterxml.jackson.databind.JsonNode;
import io.ragway.index.Reader;
import java.time.Duration;
import java.util.Objects;
import java.util.function.UnaryOperator;

/** One tool the loop can run: its OpenAI function definition and the call itself. */
interface Tool {

  /**
   * Who a call runs for.
   *
   * @param reader the caller's tenant and ACL groups: document tools see only what it may read
   * @param restore puts back personal data the input guard replaced by placeholders, for tools
   *     that stay inside ragway (a search must look for what the user wrote)
   */
  record Scope(String requestId, Reader reader, UnaryOperator<String> restore) {
    public Scope {
      Objects.requireNonNull(requestId, "requestId");
      Objects.requireNonNull(reader, "reader");
      Objects.requireNonNull(restore, "restore");
    }
  }

  String name();

  String description();

  /** The JSON Schema of the arguments. */
  JsonNode parameters();

  /** How long a call may take; empty: the agent's {@code tool_timeout_seconds}. */
  default java.util.Optional<Duration> timeout() {
    return java.util.Optional.empty();
  }

  /**
   * Runs the tool with arguments that fit {@link #parameters()}.
   *
   * @return the result as text for the model
   * @throws ToolFailure when the tool cannot answer; its message goes back to the model
   */
  String call(JsonNode arguments, Scope scope) throws ToolFailure, InterruptedException;
}
