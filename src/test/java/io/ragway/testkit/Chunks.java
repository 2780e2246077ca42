package io.ragway.testkit;

import io.ragway.config.Hashes;
import io.ragway.index.Chunk;
import java.util.List;

/** Builds chunks for tests. */
public final class Chunks {

  private Chunks() {}

  public static Chunk of(String source, int ordinal, String text) {
    return of("default", source, ordinal, text, List.of());
  }

  public static Chunk of(String tenant, String source, int ordinal, String text, List<String> tags) {
    return of(tenant, source, ordinal, text, tags, List.of());
  }

  /** @param groups the ACL groups that may read it; empty for the whole tenant */
  public static Chunk of(String tenant, String source, int ordinal, String text, List<String> tags, List<String> groups) {
    String hash = Hashes.sha256(tenant + "/" + source);
    return new Chunk(hash.substring(0, 16) + "-" + ordinal, source, "Title of " + source, List.of("Intro"),
        text, 0, text.length(), ordinal, hash, tenant, tags, groups);
  }
}
