package io.ragway.chat;

import com.fasterxml.jackson.databind.JsonNode;
import java.time.Instant;
import java.util.List;
import java.util.Objects;
import java.util.Optional;

/**
 * Conversations kept on the server: a client sends only its new turn with a session id, and the
 * turns before it are added from here. A session belongs to the API key that created it, in its
 * tenant: its answers came from what that key may read, so any other key, even of the same tenant,
 * finds its id unknown.
 */
public interface Sessions {

  /**
   * Who a session belongs to.
   *
   * @param key the id of the API key that created it (rotating the key keeps the id)
   */
  record Owner(String tenant, String key) {
    public Owner {
      Objects.requireNonNull(tenant, "tenant");
      Objects.requireNonNull(key, "key");
    }
  }

  /** A session's turns (OpenAI message objects), oldest first. */
  record Session(String id, Owner owner, Instant created, List<JsonNode> messages) {
    public Session {
      Objects.requireNonNull(owner, "owner");
      messages = List.copyOf(messages);
    }
  }

  Session create(Owner owner);

  Optional<Session> get(Owner owner, String id);

  /**
   * Appends turns to a session.
   *
   * @return false if the session is unknown (expired, deleted, or another owner's)
   */
  boolean append(Owner owner, String id, List<JsonNode> messages);

  boolean delete(Owner owner, String id);
}
