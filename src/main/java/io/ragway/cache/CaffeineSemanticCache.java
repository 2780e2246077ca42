package io.ragway.cache;

import com.github.benmanes.caffeine.cache.Cache;
import com.github.benmanes.caffeine.cache.Caffeine;
import com.github.benmanes.caffeine.cache.Ticker;
import java.util.ArrayDeque;
import java.util.Iterator;
import java.util.Optional;

/**
 * The semantic cache in this process: each scope keeps its newest entries in a short list scanned
 * in full (a lookup is a few hundred dot products); idle scopes go first when there are too many.
 */
final class CaffeineSemanticCache implements SemanticCache {

  private record Entry(float[] vector, String response, long expiresAt) {}

  private final Cache<String, ArrayDeque<Entry>> scopes;
  private final double threshold;
  private final long ttlNanos;
  private final Ticker ticker;

  CaffeineSemanticCache(CacheConfig config, Ticker ticker) {
    this.scopes = Caffeine.newBuilder().maximumSize(Math.max(1, config.maxEntries() / 8)).ticker(ticker)
        .expireAfterAccess(config.ttl()).build();
    this.threshold = config.semanticThreshold();
    this.ttlNanos = config.ttl().toNanos();
    this.ticker = ticker;
  }

  @Override
  public boolean enabled() {
    return threshold > 0;
  }

  @Override
  public Optional<String> get(String tenant, String scope, float[] vector) {
    ArrayDeque<Entry> entries = scopes.getIfPresent(tenant + '\n' + scope);
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
        double score = SemanticCache.cosine(vector, e.vector());
        if (score >= bestScore) {
          best = e;
          bestScore = score;
        }
      }
      return best == null ? Optional.empty() : Optional.of(best.response());
    }
  }

  @Override
  public void put(String tenant, String scope, float[] vector, String response) {
    ArrayDeque<Entry> entries = scopes.get(tenant + '\n' + scope, s -> new ArrayDeque<>());
    synchronized (entries) {
      if (entries.size() >= PER_SCOPE) {
        entries.removeFirst();
      }
      entries.addLast(new Entry(vector, response, ticker.read() + ttlNanos));
    }
  }
}
