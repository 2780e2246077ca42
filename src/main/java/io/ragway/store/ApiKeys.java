package io.ragway.store;

import java.time.Instant;
import java.util.List;
import java.util.Objects;
import java.util.Optional;

/**
 * API keys: each maps to a tenant, ACL groups and its own rate limits. Only a hash of a key's
 * secret is stored; the key itself is shown once, when it is created.
 */
public interface ApiKeys {

  /**
   * A stored key, without its secret.
   *
   * @param id the public part of the key, safe to log and show
   * @param rpm requests per minute, 0 for no limit
   * @param tpm tokens per minute, 0 for no limit
   */
  record Key(String id, String name, String tenant, List<String> groups, long rpm, long tpm, Instant created,
      boolean revoked) {

    /** What a key's secret starts with, then its id and a dash. */
    public static final String PREFIX = "sk-rgw-";

    public Key {
      Objects.requireNonNull(id, "id");
      name = name == null ? "" : name;
      if (tenant == null || tenant.isBlank()) {
        throw new IllegalArgumentException("a key needs a tenant");
      }
      groups = groups == null ? List.of() : List.copyOf(groups);
      if (rpm < 0 || tpm < 0) {
        throw new IllegalArgumentException("rpm and tpm must be >= 0 (0 means no limit)");
      }
      Objects.requireNonNull(created, "created");
    }
  }

  /** A new key and its secret, the only time the secret is known. */
  record Created(Key key, String secret) {}

  Created create(String tenant, String name, List<String> groups, long rpm, long tpm);

  /** The active key whose secret this is; the comparison takes the same time whatever the input. */
  Optional<Key> verify(String presented);

  List<Key> list();

  /** Revokes a key by id; false if there is no such key. */
  boolean revoke(String id);

  /**
   * Gives a key a new secret, keeping its id, tenant, groups and limits; the old secret stops
   * working at once. Empty if there is no such key or it is revoked.
   */
  Optional<Created> rotate(String id);
}
