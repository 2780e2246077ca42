package io.ragway.cache;

import java.util.Optional;

/**
 * Responses found by meaning: within one scope (model, tenant, system prompt and earlier turns,
 * sampling parameters), a request whose last user turn embeds within {@code threshold} cosine of
 * a cached one's gets that response. A scope keeps its newest {@link #PER_SCOPE} entries.
 */
public interface SemanticCache {

  /** Entries kept per scope; a lookup compares the request with each of them. */
  int PER_SCOPE = 256;

  /** Whether it is on ({@code cache.semantic_threshold} above 0). */
  boolean enabled();

  /** The response of the most similar entry of the tenant's scope, if it is similar enough and fresh. */
  Optional<String> get(String tenant, String scope, float[] vector);

  void put(String tenant, String scope, float[] vector, String response);

  /** Cosine similarity; -1 for vectors of different dimensions (another embedding model's). */
  static double cosine(float[] a, float[] b) {
    if (a.length != b.length) {
      return -1;
    }
    double dot = 0;
    double na = 0;
    double nb = 0;
    for (int i = 0; i < a.length; i++) {
      dot += a[i] * b[i];
      na += a[i] * a[i];
      nb += b[i] * b[i];
    }
    return na == 0 || nb == 0 ? 0 : dot / Math.sqrt(na * nb);
  }
}
