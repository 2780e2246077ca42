package io.ragway.index;

import java.util.List;
import java.util.Objects;

/**
 * Restricts a search to what a reader may read (its tenant's public chunks and those of its ACL
 * groups), optionally to sources under a path prefix and to chunks carrying at least one of the
 * given tags.
 */
public record Filter(Reader reader, String sourcePrefix, List<String> tags) {

  public Filter {
    Objects.requireNonNull(reader, "reader");
    sourcePrefix = sourcePrefix == null ? "" : sourcePrefix;
    tags = tags == null ? List.of() : List.copyOf(tags);
  }

  /** Everything the reader may read. */
  public static Filter of(Reader reader) {
    return new Filter(reader, "", List.of());
  }

  /** Every chunk of the tenant, whatever its groups: the command line's view. */
  public static Filter tenant(String tenant) {
    return of(Reader.owner(tenant));
  }

  public static Filter all() {
    return tenant(Chunk.DEFAULT_TENANT);
  }

  public String tenant() {
    return reader.tenant();
  }
}
