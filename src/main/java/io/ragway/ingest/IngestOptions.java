package io.ragway.ingest;

import java.util.List;
import java.util.Objects;

/**
 * How an ingest run writes.
 *
 * @param tenant owner of the ingested documents
 * @param tags labels put on every chunk, usable as search filters
 * @param batchSize chunks embedded in one call
 * @param commitEvery chunks written between two index commits
 * @param maxFileBytes larger files are reported and skipped
 */
public record IngestOptions(String tenant, List<String> tags, int batchSize, int commitEvery, long maxFileBytes) {

  public IngestOptions {
    Objects.requireNonNull(tenant, "tenant");
    tags = tags == null ? List.of() : List.copyOf(tags);
    if (batchSize < 1 || commitEvery < 1 || maxFileBytes < 1) {
      throw new IllegalArgumentException("batchSize, commitEvery and maxFileBytes must be positive");
    }
  }
}
