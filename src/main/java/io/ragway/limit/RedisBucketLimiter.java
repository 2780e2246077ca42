package io.ragway.limit;

import io.github.bucket4j.TimeMeter;
import io.github.bucket4j.distributed.ExpirationAfterWriteStrategy;
import io.github.bucket4j.distributed.proxy.ProxyManager;
import io.github.bucket4j.redis.lettuce.Bucket4jLettuce;
import io.github.bucket4j.redis.lettuce.RedisApi;
import io.lettuce.core.RedisFuture;
import io.lettuce.core.ScriptOutputType;
import io.ragway.state.Redis;
import io.ragway.state.StateConfig.Store;
import io.ragway.state.StateUnavailable;
import java.time.Duration;
import java.util.Optional;

/**
 * The same token buckets as {@link TokenBucketLimiter}, kept in Redis so that every replica takes
 * from one bucket per key: Bucket4j reads a bucket, computes the new state here, and writes it
 * back with a compare-and-swap Lua script that fails (and is retried) when another replica wrote
 * first, so no two replicas spend the same token. While Redis is down, the limits fall back to
 * this replica's own in-process buckets (fail open) or refuse every request (fail closed).
 *
 * <p>Keys: {@code <prefix>:limit:<requests|tokens>:<per minute>:<key id>}, expiring once the
 * bucket would be full again. The clock is the replicas' wall clock (NTP keeps hosts close
 * enough; a skew of a few milliseconds moves a bucket by a fraction of a token).
 */
final class RedisBucketLimiter implements RateLimiter {

  private final Redis redis;
  private final RateLimiter shared;
  private final RateLimiter local;

  RedisBucketLimiter(Redis redis, TimeMeter time) {
    this.redis = redis;
    ProxyManager<Object> proxies = new Bucket4jLettuce.LettuceBasedProxyManagerBuilder<Object>(commands(redis))
        .clientClock(time)
        .requestTimeout(redis.timeout())
        .expirationAfterWrite(ExpirationAfterWriteStrategy.basedOnTimeForRefillingBucketUpToMax(Duration.ofSeconds(10)))
        .build();
    this.shared = new TokenBucketLimiter((key, kind, configuration) -> proxies.builder().build(
        redis.key("limit", kind, Long.toString(configuration.getBandwidths()[0].getCapacity()), key), () -> configuration));
    this.local = new TokenBucketLimiter(time);
  }

  @Override
  public Optional<State> acquireRequest(String key, Limits limits) {
    return redis.call(Store.LIMITS, () -> shared.acquireRequest(key, limits), () -> local.acquireRequest(key, limits));
  }

  @Override
  public Optional<State> acquireTokens(String key, Limits limits, long tokens) {
    return redis.call(Store.LIMITS, () -> shared.acquireTokens(key, limits, tokens),
        () -> local.acquireTokens(key, limits, tokens));
  }

  @Override
  public void reconcile(String key, Limits limits, long reserved, long actual) {
    try {
      redis.run(Store.LIMITS, () -> shared.reconcile(key, limits, reserved, actual),
          () -> local.reconcile(key, limits, reserved, actual));
    } catch (StateUnavailable e) {
      // the answer has been given: a failed settlement must not fail it (the error is counted)
    }
  }

  /** Bucket4j's three Redis calls, on whichever connection the client holds now. */
  private static RedisApi<Object> commands(Redis redis) {
    // Object keys: Bucket4j passes its keys as an Object[] (a generic array), never a String[]
    return new RedisApi<>() {
      @Override
      public <V> RedisFuture<V> eval(String script, ScriptOutputType type, Object[] keys, byte[][] params) {
        return redis.async().eval(script, type, java.util.Arrays.stream(keys).map(String::valueOf).toArray(String[]::new),
            params);
      }

      @Override
      public RedisFuture<byte[]> get(Object key) {
        return redis.async().get(key.toString());
      }

      @Override
      public RedisFuture<?> delete(Object key) {
        return redis.async().del(key.toString());
      }
    };
  }
}
