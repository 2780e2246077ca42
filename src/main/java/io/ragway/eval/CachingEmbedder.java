package io.ragway.eval;

import io.ragway.embed.EmbeddingModel;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Embeds through a model, remembering the last {@code capacity} vectors: an evaluation embeds the
 * same context sentences for every question about one article.
 */
final class CachingEmbedder {

  private final EmbeddingModel model;
  private final Map<String, float[]> documents;
  private final Map<String, float[]> queries;

  CachingEmbedder(EmbeddingModel model, int capacity) {
    this.model = model;
    this.documents = lru(capacity);
    this.queries = lru(capacity);
  }

  synchronized List<float[]> documents(List<String> texts) {
    List<String> missing = texts.stream().filter(t -> !documents.containsKey(t)).distinct().toList();
    if (!missing.isEmpty()) {
      List<float[]> vectors = model.embedDocuments(missing);
      for (int i = 0; i < missing.size(); i++) {
        documents.put(missing.get(i), vectors.get(i));
      }
    }
    List<float[]> out = new ArrayList<>(texts.size());
    for (String t : texts) {
      float[] v = documents.get(t);
      out.add(v != null ? v : model.embedDocuments(List.of(t)).get(0)); // evicted by this very batch
    }
    return out;
  }

  synchronized float[] document(String text) {
    return documents(List.of(text)).get(0);
  }

  synchronized float[] query(String text) {
    return queries.computeIfAbsent(text, model::embedQuery);
  }

  private static Map<String, float[]> lru(int capacity) {
    return new LinkedHashMap<>(256, 0.75f, true) {
      @Override
      protected boolean removeEldestEntry(Map.Entry<String, float[]> eldest) {
        return size() > capacity;
      }
    };
  }
}
