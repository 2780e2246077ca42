package io.ragway.index;

import java.util.List;
import java.util.Optional;

/**
 * A persistent store of chunks and their vectors, searchable by text (BM25) and by vector.
 *
 * <p>Writes become visible to searches and durable only at {@link #commit()}; a crash between two
 * commits leaves the index as it was at the last one.
 */
public interface Index extends AutoCloseable {

  /** A chunk found by a search, with the score of that search (higher is better). */
  record Hit(Chunk chunk, float score) {}

  /** What the index holds of one source document. */
  record SourceInfo(String tenant, String source, String hash, int chunks) {}

  /** Adds chunks with their vectors (same order and size); replaces chunks with the same id. */
  void add(List<Chunk> chunks, List<float[]> vectors);

  /**
   * Replaces everything held of one source (its chunks and its record in {@link #sources()}) with
   * these chunks, which must all belong to it.
   */
  void replaceSource(SourceInfo info, List<Chunk> chunks, List<float[]> vectors);

  /** Removes every chunk of one source of one tenant. */
  void deleteSource(String tenant, String source);

  /** Every source held, as of the last commit plus this writer's uncommitted changes. */
  List<SourceInfo> sources();

  /** The stored vector of a chunk whose {@link Chunk#embeddingText()} has this SHA-256, to avoid re-embedding. */
  Optional<float[]> vectorForText(String textHash);

  /** BM25 search over chunk text (and title/headings), best first. */
  List<Hit> bm25(String query, int k, Filter filter);

  /** Approximate nearest neighbours (HNSW, cosine), best first. */
  List<Hit> knn(float[] vector, int k, Filter filter);

  /** Exact nearest neighbours by brute force; the yardstick for {@link #knn}'s recall. */
  List<Hit> exactKnn(float[] vector, int k, Filter filter);

  Optional<Chunk> chunk(String id);

  /** The stored vectors of the given chunks (absent ids are left out), e.g. for MMR. */
  java.util.Map<String, float[]> vectors(java.util.Collection<String> chunkIds);

  /** Makes all changes since the last commit durable and visible. */
  void commit();

  /** Increases with every commit that changed something; cached answers can key on it. */
  long generation();

  /** Number of chunks visible to searches. */
  int size();

  @Override
  void close();
}
