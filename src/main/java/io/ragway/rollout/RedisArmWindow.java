package io.ragway.rollout;

import io.lettuce.core.ScriptOutputType;
import io.ragway.state.Redis;
import io.ragway.state.StateConfig.Store;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;

/**
 * One arm's window shared by replicas: a Redis list {@code prefix:rollout:<rollout>:<arm>} of the
 * last {@code size} outcomes as {@code millis,error,guardHit,latencyMs}, plus a total counter.
 */
final class RedisArmWindow implements ArmWindow {

  /*
   * add is one Lua script (append, trim to size, expire a minute past the age limit, count), so
   * every replica's outcomes land in one list in arrival order. figures reads the list and
   * computes as SlidingWindow does. While Redis fails, this replica's own window (always kept,
   * it is cheap) answers instead and the failure is counted under the 'rollouts' store.
   */
  private static final String ADD = """
      redis.call('RPUSH', KEYS[1], ARGV[1])
      redis.call('LTRIM', KEYS[1], -tonumber(ARGV[2]), -1)
      redis.call('PEXPIRE', KEYS[1], ARGV[3])
      local total = redis.call('INCR', KEYS[2])
      redis.call('PEXPIRE', KEYS[2], ARGV[4])
      return total
      """;
  private static final long TOTAL_TTL_MS = Duration.ofDays(7).toMillis();

  private final Redis redis;
  private final String key;
  private final String totalKey;
  private final int size;
  private final Duration maxAge;
  private final SlidingWindow local;

  RedisArmWindow(Redis redis, String rollout, String arm, int size, Duration maxAge) {
    this.redis = redis;
    this.key = redis.key("rollout", rollout, arm);
    this.totalKey = redis.key("rollout", rollout, arm, "total");
    this.size = size;
    this.maxAge = maxAge;
    this.local = new SlidingWindow(size, maxAge);
  }

  /** Windows shared through {@code redis}. */
  static ArmWindow.Factory factory(Redis redis) {
    return (rollout, arm, size, maxAge) -> new RedisArmWindow(redis, rollout, arm, size, maxAge);
  }

  @Override
  public void add(Outcome o) {
    local.add(o);
    long ttl = maxAge.isZero() ? TOTAL_TTL_MS : maxAge.toMillis() + 60_000;
    redis.run(Store.ROLLOUTS, () -> redis.sync().eval(ADD, ScriptOutputType.INTEGER, new String[] {key, totalKey},
        bytes(encode(o)), bytes(Integer.toString(size)), bytes(Long.toString(ttl)), bytes(Long.toString(TOTAL_TTL_MS))),
        () -> { });
  }

  @Override
  public long total() {
    return redis.call(Store.ROLLOUTS, () -> {
      byte[] v = redis.sync().get(totalKey);
      return v == null ? 0L : Long.parseLong(new String(v, StandardCharsets.UTF_8));
    }, local::total);
  }

  @Override
  public void clear() {
    local.clear();
    redis.run(Store.ROLLOUTS, () -> redis.sync().del(key), () -> { });
  }

  @Override
  public Figures figures(Instant now) {
    return redis.call(Store.ROLLOUTS, () -> {
      List<byte[]> raw = redis.sync().lrange(key, 0, -1);
      List<Outcome> outcomes = new ArrayList<>(raw.size());
      Instant oldest = maxAge.isZero() ? Instant.MIN : now.minus(maxAge);
      for (byte[] r : raw) {
        Outcome o = decode(new String(r, StandardCharsets.UTF_8));
        // as SlidingWindow: the oldest leave first
        if (!outcomes.isEmpty() || !o.at().isBefore(oldest)) {
          outcomes.add(o);
        }
      }
      return SlidingWindow.of(outcomes);
    }, () -> local.figures(now));
  }

  static String encode(Outcome o) {
    return o.at().toEpochMilli() + "," + (o.error() ? 1 : 0) + "," + (o.guardHit() ? 1 : 0) + "," + o.latencyMs();
  }

  static Outcome decode(String s) {
    String[] f = s.split(",", 4);
    return new Outcome(Instant.ofEpochMilli(Long.parseLong(f[0])), Double.parseDouble(f[3]), f[1].equals("1"),
        f[2].equals("1"));
  }

  private static byte[] bytes(String s) {
    return s.getBytes(StandardCharsets.UTF_8);
  }
}
