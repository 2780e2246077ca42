package io.ragway.embed;

import java.util.List;

/**
 * Turns text into unit-length vectors. Documents and queries are embedded differently where the
 * model asks for it (bge-small-en-v1.5 prefixes queries with an instruction), so callers say which.
 */
public interface EmbeddingModel extends AutoCloseable {

  /** A stable identifier of the model and its settings, stored with the index. */
  String id();

  /** Number of dimensions of every vector this model returns. */
  int dimension();

  /** Embeds passages in batches; the result has one L2-normalised vector per input, in order. */
  List<float[]> embedDocuments(List<String> texts);

  /** Embeds a search query (with the model's query instruction, if any), L2-normalised. */
  float[] embedQuery(String query);

  /** Counts tokens the way this model's tokenizer does, so chunks can be sized to fit it. */
  TokenCounter tokenCounter();

  @Override
  default void close() {}
}
