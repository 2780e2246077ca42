package io.ragway.chat;

import com.fasterxml.jackson.databind.JsonNode;
import java.time.Instant;
import java.util.List;
import java.util.Optional;

/**
 * Conversations kept on the server: a client sends only its new turn with a session id, and the
 * turns before it are added from here. Sessions belong to a tenant; another tenant's id is
 * unknown.
 */
public interface Sessions {

  /** A session's turns (OpenAI message objects), oldest first. */
  record Session(String id, String tenant, Instant created, List<JsonNode> messages) {
    public Session {
      messages = List.copyOf(messages);
    }
  }

  Session create(String tenant);

  Optional<Session> get(String tenant, String id);

  /**
   * Appends turns to a session.
   *
   * @return false if the session is unknown (expired, deleted, or another tenant's)
   */
  boolean append(String tenant, String id, List<JsonNode> messages);

  boolean delete(String tenant, String id);
}
