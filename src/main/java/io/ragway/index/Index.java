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

  /** A chunk id found by a search, before its chunk is loaded. */
  record Scored(String id, float score) {}

  /** What the index holds of one source document; {@code groups} are its chunks' ACL groups. */
  record SourceInfo(String tenant, String source, String hash, int chunks, List<String> groups) {
    public SourceInfo {
      groups = Chunk.groups(groups);
    }

    /** @throws IllegalArgumentException unless every chunk is of this source, tenant and groups */
    public void requireOwns(List<Chunk> chunks) {
      for (Chunk c : chunks) {
        if (!c.source().equals(source) || !c.tenant().equals(tenant) || !c.groups().equals(groups)) {
          throw new IllegalArgumentException("chunk " + c.id() + " does not belong to " + source);
        }
      }
    }
  }

  /**
   * Checks what {@link #add} is given: a vector per chunk, each of {@code dimension} floats.
   *
   * @throws IllegalArgumentException naming the first that is not
   */
  static void requireVectors(List<Chunk> chunks, List<float[]> vectors, int dimension) {
    if (chunks.size() != vectors.size()) {
      throw new IllegalArgumentException(chunks.size() + " chunks but " + vectors.size() + " vectors");
    }
    for (int i = 0; i < chunks.size(); i++) {
      if (vectors.get(i).length != dimension) {
        throw new IllegalArgumentException("vector of " + chunks.get(i).id() + " has " + vectors.get(i).length
            + " dims, index has " + dimension);
      }
    }
  }

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

  /**
   * BM25 search over chunk text (and title/headings), best first, as chunk ids: ranking reads no
   * stored text, so fusion and reranking load only the chunks they keep.
   */
  List<Scored> bm25Ids(String query, int k, Filter filter);

  /** Approximate nearest neighbours (HNSW, cosine), best first, as chunk ids. */
  List<Scored> knnIds(float[] vector, int k, Filter filter);

  /** The chunks with these ids, in the order given; unknown ids are left out. */
  List<Chunk> chunks(List<String> ids);

  /** BM25 search returning loaded chunks. */
  default List<Hit> bm25(String query, int k, Filter filter) {
    return load(bm25Ids(query, k, filter));
  }

  /** Approximate nearest neighbours returning loaded chunks. */
  default List<Hit> knn(float[] vector, int k, Filter filter) {
    return load(knnIds(vector, k, filter));
  }

  /** Loads the chunks of scored ids, keeping order and scores. */
  default List<Hit> load(List<Scored> scored) {
    java.util.Map<String, Chunk> byId = new java.util.HashMap<>();
    for (Chunk c : chunks(scored.stream().map(Scored::id).toList())) {
      byId.put(c.id(), c);
    }
    List<Hit> out = new java.util.ArrayList<>(scored.size());
    for (Scored s : scored) {
      Chunk c = byId.get(s.id());
      if (c != null) {
        out.add(new Hit(c, s.score()));
      }
    }
    return out;
  }

  /** Exact nearest neighbours by brute force; the yardstick for {@link #knn}'s recall. */
  List<Hit> exactKnn(float[] vector, int k, Filter filter);

  Optional<Chunk> chunk(String id);

  /** The stored vectors of the given chunks (absent ids are left out), e.g. for MMR. */
  java.util.Map<String, float[]> vectors(java.util.Collection<String> chunkIds);

  /**
   * Merges the index into one segment and waits until done, so searches visit one HNSW graph
   * instead of one per segment; worth it for a read-mostly index, and before benchmarking.
   */
  void forceMerge();

  /** Makes all changes since the last commit durable and visible. */
  void commit();

  /** Increases with every commit that changed something; cached answers can key on it. */
  long generation();

  /** Number of chunks visible to searches. */
  int size();

  @Override
  void close();
}
