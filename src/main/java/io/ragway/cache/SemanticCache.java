package io.ragway.cache;

import com.github.benmanes.caffeine.cache.Cache;
import com.github.benmanes.caffeine.cache.Caffeine;
import com.github.benmanes.caffeine.cache.Ticker;
import java.util.ArrayDeque;
import java.util.Iterator;
import java.util.Optional;

/**
 * Responses found by meaning: within one scope (model, tenant, system prompt and earlier turns,
 * sampling parameters), a request whose last user turn embeds within {@code threshold} cosine of
 * a cached one's gets that response. Each scope keeps its newest entries in a short list scanned
 * in full: the vectors are normalised, so a lookup is a few hundred dot products.
 */
public final class SemanticCache {

  private static final int PER_SCOPE = 256;

  private record Entry(float[] vector, String response, long expiresAt) {}

  private final Cache<String, ArrayDeque<Entry>> scopes;
  private final double threshold;
  private final long ttlNanos;
  private final Ticker ticker;

  public SemanticCache(CacheConfig config, Ticker ticker) {
    this.scopes = Caffeine.newBuilder().maximumSize(Math.max(1, config.maxEntries() / 8)).ticker(ticker)
        .expireAfterAccess(config.ttl()).build();
    this.threshold = config.semanticThreshold();
    this.ttlNanos = config.ttl().toNanos();
    this.ticker = ticker;
  }

  /** Whether it is on ({@code cache.semantic_threshold} above 0). */
  public boolean enabled() {
    return threshold > 0;
  }

  /** The response of the most similar entry of the scope, if it is similar enough and fresh. */
  public Optional<String> get(String scope, float[] vector) {
    ArrayDeque<Entry> entries = scopes.getIfPresent(scope);
    if (entries == null) {
      return Optional.empty();
    }
    long now = ticker.read();
    synchronized (entries) {
      Entry best = null;
      double bestScore = threshold;
      for (Iterator<Entry> it = entries.iterator(); it.hasNext(); ) {
        Entry e = it.next();
        if (e.expiresAt() - now < 0) {
          it.remove();
          continue;
        }
        double score = cosine(vector, e.vector());
        if (score >= bestScore) {
          best = e;
          bestScore = score;
        }
      }
      return best == null ? Optional.empty() : Optional.of(best.response());
    }
  }

  public void put(String scope, float[] vector, String response) {
    ArrayDeque<Entry> entries = scopes.get(scope, s -> new ArrayDeque<>());
    synchronized (entries) {
      if (entries.size() >= PER_SCOPE) {
        entries.removeFirst();
      }
      entries.addLast(new Entry(vector, response, ticker.read() + ttlNanos));
    }
  }

  private static double cosine(float[] a, float[] b) {
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
