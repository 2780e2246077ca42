package io.ragway.ingest;

import io.ragway.index.Chunk;
import java.util.List;
import java.util.Objects;
import java.util.Optional;

/**
 * How an ingest run writes.
 *
 * @param tenant owner of the ingested documents
 * @param tags labels put on every chunk, usable as search filters
 * @param groups the ACL groups of every file the run walks (empty: public within the tenant); when
 *     absent, an indexed file keeps the groups it has and a new file is public
 * @param batchSize chunks embedded in one call
 * @param commitEvery chunks written between two index commits
 * @param maxFileBytes larger files are reported and skipped
 */
public record IngestOptions(String tenant, List<String> tags, Optional<List<String>> groups, int batchSize, int commitEvery,
    long maxFileBytes) {

  /** Options that leave the groups of indexed files as they are. */
  public IngestOptions(String tenant, List<String> tags, int batchSize, int commitEvery, long maxFileBytes) {
    this(tenant, tags, Optional.empty(), batchSize, commitEvery, maxFileBytes);
  }

  public IngestOptions {
    Objects.requireNonNull(tenant, "tenant");
    tags = tags == null ? List.of() : List.copyOf(tags);
    groups = Objects.requireNonNull(groups, "groups").map(Chunk::groups);
    if (batchSize < 1 || commitEvery < 1 || maxFileBytes < 1) {
      throw new IllegalArgumentException("batchSize, commitEvery and maxFileBytes must be positive");
    }
  }
}
