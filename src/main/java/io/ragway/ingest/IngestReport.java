package io.ragway.ingest;

import java.util.List;

/**
 * What an ingest run did.
 *
 * @param added new sources indexed
 * @param updated changed sources re-indexed
 * @param unchanged sources skipped because their content hash had not changed
 * @param removed sources deleted from the index because their files are gone
 * @param duplicates files skipped because another indexed file has the same content
 * @param skipped files that could not be ingested, each with the reason
 * @param chunks chunks written
 * @param embedded chunks embedded (the rest reused a stored vector of identical text)
 */
public record IngestReport(int added, int updated, int unchanged, int removed, List<Problem> duplicates,
    List<Problem> skipped, int chunks, int embedded, double seconds) {

  /** A file that was not ingested, and why. */
  public record Problem(String path, String reason) {}

  public IngestReport {
    duplicates = List.copyOf(duplicates);
    skipped = List.copyOf(skipped);
  }

  /** One line for people, e.g. {@code "3 added, 1 updated, ... in 2.1 s"}. */
  public String summary() {
    return String.format("%d added, %d updated, %d unchanged, %d removed, %d duplicate, %d skipped; "
            + "%d chunks (%d embedded) in %.1f s", added, updated, unchanged, removed, duplicates.size(),
        skipped.size(), chunks, embedded, seconds);
  }
}
