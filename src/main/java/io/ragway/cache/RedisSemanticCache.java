package io.ragway.cache;

import io.lettuce.core.SetArgs;
import io.ragway.state.Redis;
import io.ragway.state.StateConfig.Store;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.util.HexFormat;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.ThreadLocalRandom;

/**
 * The semantic cache in Redis, shared by replicas. A scope is a Redis list of its newest
 * {@link #PER_SCOPE} entries under {@code <prefix>:semantic:<tenant>:<scope hash>}, each entry
 * its expiry, an id and the embedding (float32), and each response a string of its own beside it.
 * A lookup reads the list and compares every vector here (brute force: 256 x 384 floats is about
 * 400 KB and a few hundred dot products), then reads the best response. Redis' own vector search
 * is not used: Debian's Redis 7 has none. While Redis is down every lookup is a miss.
 */
final class RedisSemanticCache implements SemanticCache {

  private static final int HEADER = Long.BYTES * 2;

  private final Redis redis;
  private final double threshold;
  private final long ttlMillis;
  private final Clock clock;

  RedisSemanticCache(Redis redis, CacheConfig config, Clock clock) {
    this.redis = redis;
    this.threshold = config.semanticThreshold();
    this.ttlMillis = config.ttl().toMillis();
    this.clock = clock;
  }

  @Override
  public boolean enabled() {
    return threshold > 0;
  }

  @Override
  public Optional<String> get(String tenant, String scope, float[] vector) {
    return redis.call(Store.CACHES, () -> {
      String list = redis.key("semantic", tenant, scope);
      List<byte[]> entries = redis.sync().lrange(list, 0, PER_SCOPE - 1);
      long now = clock.millis();
      long best = 0;
      double bestScore = threshold;
      boolean found = false;
      for (byte[] entry : entries) {
        ByteBuffer b = ByteBuffer.wrap(entry);
        long expires = b.getLong();
        long id = b.getLong();
        if (expires <= now || (entry.length - HEADER) / Float.BYTES != vector.length) {
          continue;
        }
        float[] v = new float[vector.length];
        b.asFloatBuffer().get(v);
        double score = SemanticCache.cosine(vector, v);
        if (score >= bestScore) {
          best = id;
          bestScore = score;
          found = true;
        }
      }
      if (!found) {
        return Optional.<String>empty();
      }
      return Optional.ofNullable(redis.sync().get(list + ":" + HexFormat.of().toHexDigits(best)))
          .map(r -> new String(r, StandardCharsets.UTF_8));
    }, Optional::empty);
  }

  @Override
  public void put(String tenant, String scope, float[] vector, String response) {
    long id = ThreadLocalRandom.current().nextLong();
    ByteBuffer entry = ByteBuffer.allocate(HEADER + vector.length * Float.BYTES);
    entry.putLong(clock.millis() + ttlMillis).putLong(id);
    entry.asFloatBuffer().put(vector);
    String list = redis.key("semantic", tenant, scope);
    redis.run(Store.CACHES, () -> {
      var commands = redis.sync();
      // response first: an entry in the list always finds its response (until both expire)
      commands.set(list + ":" + HexFormat.of().toHexDigits(id), response.getBytes(StandardCharsets.UTF_8),
          SetArgs.Builder.px(ttlMillis));
      commands.lpush(list, entry.array());
      commands.ltrim(list, 0, PER_SCOPE - 1);
      commands.pexpire(list, ttlMillis);
    }, () -> {});
  }
}
