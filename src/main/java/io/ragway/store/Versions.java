package io.ragway.store;

import java.time.Instant;
import java.util.List;
import java.util.Locale;
import java.util.Objects;
import java.util.Optional;

/**
 * The prompt templates and guard policies answers are made with, one row per version, stored the
 * first time a server starts with it and never changed: answer records name these versions, so a
 * different text under a stored version is refused ({@link VersionConflict}).
 */
public interface Versions {

  /** What is versioned. */
  enum Kind {
    /** A prompt template; its name is what it is for ({@code rag}). */
    PROMPT,
    /** A guard policy; its name is the scope it is configured for ({@code default} or a tenant). */
    GUARD_POLICY;

    public String label() {
      return name().toLowerCase(Locale.ROOT);
    }

    public static Kind parse(String s) {
      return valueOf(s.strip().toUpperCase(Locale.ROOT));
    }
  }

  /**
   * A version as configured, before it is stored.
   *
   * @param content the prompt's text or the policy's rules, as JSON
   */
  record Seen(Kind kind, String name, String version, String content) {
    public Seen {
      Objects.requireNonNull(kind, "kind");
      for (String s : new String[] {name, version, content}) {
        if (s == null || s.isBlank()) {
          throw new IllegalArgumentException("a " + kind.label() + " version needs a name, a version and its content");
        }
      }
    }
  }

  /**
   * A stored version.
   *
   * @param sha256 of {@code content}'s UTF-8 bytes, in hex
   * @param createdBy who first started a server with it, e.g. {@code serve:<os user>@<host>}
   */
  record Version(Kind kind, String name, String version, String sha256, String content, Instant created,
      String createdBy) {
    /** {@code name@version}, as the CLI names it. */
    public String label() {
      return name + "@" + version;
    }
  }

  /**
   * Stores each of {@code seen} not stored yet, with an audit entry ({@code prompt.register} or
   * {@code guard_policy.register}), all in one transaction; a version already stored with the same
   * content is left as it is.
   *
   * @return the versions stored now (empty when all were known)
   * @throws VersionConflict when a version is stored with another content (a guard policy version
   *     under any name: answer records name only its version); nothing is stored then
   */
  List<Version> register(List<Seen> seen);

  /** The stored versions of {@code kind} (every kind when empty), by name and time of registration. */
  List<Version> list(Optional<Kind> kind);

  /** One stored version. */
  Optional<Version> find(Kind kind, String name, String version);

  /** A version is stored with another content than the one configured now. */
  final class VersionConflict extends RuntimeException {
    private static final long serialVersionUID = 1L;

    public VersionConflict(String message) {
      super(message);
    }
  }
}
