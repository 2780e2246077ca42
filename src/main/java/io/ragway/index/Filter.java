package io.ragway.index;

import java.util.List;
import java.util.Objects;

/**
 * Restricts a search to one tenant, optionally to sources under a path prefix and to chunks carrying
 * at least one of the given tags.
 */
public record Filter(String tenant, String sourcePrefix, List<String> tags) {

  public Filter {
    Objects.requireNonNull(tenant, "tenant");
    sourcePrefix = sourcePrefix == null ? "" : sourcePrefix;
    tags = tags == null ? List.of() : List.copyOf(tags);
  }

  public static Filter tenant(String tenant) {
    return new Filter(tenant, "", List.of());
  }

  public static Filter all() {
    return tenant(Chunk.DEFAULT_TENANT);
  }
}
