package io.ragway.index;

import java.nio.file.Path;

/** Opens ragway's indexes. */
public final class Indexes {

  private Indexes() {}

  /**
   * Opens (creating if absent) the embedded Lucene index in {@code dir} for reading and writing.
   * Only one process may hold it for writing at a time.
   *
   * @param embeddingId the embedding model id; an index built with another model is refused
   * @throws IndexException if the index is locked, from another format version or another model
   */
  public static Index openLucene(Path dir, String embeddingId, int dimension, IndexConfig config) {
    return LuceneIndex.open(dir, embeddingId, dimension, config, false);
  }

  /** Opens an existing embedded index for searching only, so another process may write it. */
  public static Index openLuceneReadOnly(Path dir, String embeddingId, int dimension, IndexConfig config) {
    return LuceneIndex.open(dir, embeddingId, dimension, config, true);
  }

  /**
   * Opens the index in a SolrCloud collection, creating the collection (with ragway's configset)
   * when absent.
   *
   * @throws IndexException if Solr cannot be reached or the collection holds another model's vectors
   */
  public static Index openSolr(SolrConfig solr, String embeddingId, int dimension, IndexConfig config) {
    return SolrIndex.open(solr, embeddingId, dimension, config);
  }
}
