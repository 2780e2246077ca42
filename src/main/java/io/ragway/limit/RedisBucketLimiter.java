package io.ragway.limit;

import io.github.bucket4j.TimeMeter;
import io.lettuce.core.ScriptOutputType;
import io.ragway.state.Redis;
import io.ragway.state.StateConfig.Store;
import io.ragway.state.StateUnavailable;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.Optional;

/**
 * The same token buckets as {@link TokenBucketLimiter} (greedy refill over a minute), kept in Redis
 * so that every replica takes from one bucket per key. Each operation is one Lua script that
 * refills, takes and writes the bucket inside Redis, atomically: no replica ever reads a bucket
 * and writes it back after another replica has changed it, and a burst costs one round trip per
 * request however many replicas contend for the key. While Redis is down, the limits fall back to
 * this replica's own in-process buckets (fail open) or refuse every request (fail closed).
 *
 * <p>Keys: {@code <prefix>:limit:<requests|tokens>:<per minute>:<key id>}, a hash of the tokens
 * left and when they were counted, expiring ten seconds after the bucket would be full again. The
 * time is the replica's wall clock (NTP keeps hosts within milliseconds; a replica whose clock is
 * behind the bucket's adds no refill rather than taking some back).
 */
final class RedisBucketLimiter implements RateLimiter {

  /*
   * KEYS[1] the bucket; ARGV: capacity per minute, now (microseconds), n, mode (take: only if n
   * are there; force: take even into debt; give: add back, capped; peek: change nothing).
   * Returns {taken 1/0, tokens left, microseconds until n would be there, microseconds until full}.
   */
  private static final String SCRIPT = """
      local cap = tonumber(ARGV[1])
      local now = tonumber(ARGV[2])
      local n = tonumber(ARGV[3])
      local mode = ARGV[4]
      local per_micro = cap / 60000000
      local state = redis.call('HMGET', KEYS[1], 't', 'at')
      local tokens = tonumber(state[1])
      local at = tonumber(state[2])
      if tokens == nil or at == nil then
        tokens = cap
        at = now
      end
      if now > at then
        tokens = math.min(cap, tokens + (now - at) * per_micro)
        at = now
      end
      local taken = 0
      if mode == 'take' then
        if tokens >= n then
          tokens = tokens - n
          taken = 1
        end
      elseif mode == 'force' then
        tokens = tokens - n
        taken = 1
      elseif mode == 'give' then
        tokens = math.min(cap, tokens + n)
        taken = 1
      end
      local wait = 0
      if taken == 0 and n > tokens then
        wait = math.ceil((n - tokens) / per_micro)
      end
      local full = math.ceil((cap - tokens) / per_micro)
      if mode ~= 'peek' then
        redis.call('HSET', KEYS[1], 't', string.format('%.17g', tokens), 'at', string.format('%.17g', at))
        redis.call('PEXPIRE', KEYS[1], math.ceil(full / 1000) + 10000)
      end
      return {taken, string.format('%.17g', tokens), string.format('%.17g', wait), string.format('%.17g', full)}
      """;

  private record Outcome(boolean taken, double tokens, Duration untilEnough, Duration full) {}

  private final Redis redis;
  private final TimeMeter time;
  private final RateLimiter local;

  RedisBucketLimiter(Redis redis, TimeMeter time) {
    this.redis = redis;
    this.time = time;
    this.local = new TokenBucketLimiter(time);
  }

  @Override
  public Optional<State> acquireRequest(String key, Limits limits) {
    return redis.call(Store.LIMITS, () -> take(key, "requests", limits.rpm(), 1), () -> local.acquireRequest(key, limits));
  }

  @Override
  public Optional<State> acquireTokens(String key, Limits limits, long tokens) {
    return redis.call(Store.LIMITS, () -> {
      if (limits.tpm() > 0 && tokens > limits.tpm()) {
        Outcome now = run(key, "tokens", limits.tpm(), 0, "peek");
        throw new RateLimitExceeded("tokens", Duration.ofMinutes(1), new State(limits.tpm(), left(now), Duration.ZERO),
            "Request too large: it needs " + tokens + " tokens and the limit is " + limits.tpm() + " tokens per minute. "
            + "Send fewer tokens or lower max_tokens.");
      }
      return take(key, "tokens", limits.tpm(), Math.max(0, tokens));
    }, () -> local.acquireTokens(key, limits, tokens));
  }

  @Override
  public void reconcile(String key, Limits limits, long reserved, long actual) {
    if (limits.tpm() <= 0 || actual == reserved) {
      return;
    }
    try {
      // used less: the rest comes back (capped at capacity); used more: the debt is taken, the next request waits
      redis.run(Store.LIMITS, () -> run(key, "tokens", limits.tpm(), Math.abs(reserved - actual),
          actual < reserved ? "give" : "force"), () -> local.reconcile(key, limits, reserved, actual));
    } catch (StateUnavailable e) {
      // the answer has been given: a failed settlement must not fail it (the error is counted)
    }
  }

  private Optional<State> take(String key, String kind, long perMinute, long n) {
    if (perMinute <= 0) {
      return Optional.empty();
    }
    Outcome o = run(key, kind, perMinute, n, "take");
    State state = new State(perMinute, left(o), o.full());
    if (!o.taken()) {
      throw new RateLimitExceeded(kind, o.untilEnough(), state, "Rate limit reached on " + kind + " per min: limit " + perMinute
          + ", requested " + n + ". Please try again in " + RateLimitHeaders.humanDuration(o.untilEnough()) + ".");
    }
    return Optional.of(state);
  }

  private static long left(Outcome o) {
    return Math.max(0, (long) Math.floor(o.tokens()));
  }

  private Outcome run(String key, String kind, long perMinute, long n, String mode) {
    String bucket = redis.key("limit", kind, Long.toString(perMinute), key);
    List<Object> r = redis.sync().eval(SCRIPT, ScriptOutputType.MULTI, new String[] {bucket}, bytes(Long.toString(perMinute)),
        bytes(Long.toString(time.currentTimeNanos() / 1000)), bytes(Long.toString(n)), bytes(mode));
    return new Outcome((Long) r.get(0) == 1, number(r.get(1)), Duration.ofNanos((long) (number(r.get(2)) * 1000)),
        Duration.ofNanos((long) (number(r.get(3)) * 1000)));
  }

  private static byte[] bytes(String s) {
    return s.getBytes(StandardCharsets.UTF_8);
  }

  private static double number(Object redisValue) {
    return Double.parseDouble(new String((byte[]) redisValue, StandardCharsets.UTF_8));
  }
}
