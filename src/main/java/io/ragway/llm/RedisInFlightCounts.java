package io.ragway.llm;

import io.lettuce.core.ScriptOutputType;
import io.ragway.state.Redis;
import io.ragway.state.StateConfig.Store;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;

/**
 * In-flight counts shared by replicas through one Redis hash per deployment
 * ({@code prefix:inflight:<deployment>}), one field per replica holding {@code count:millis}: that
 * replica's own count and when it last published it.
 */
final class RedisInFlightCounts implements InFlightCounts {

  /*
   * Each sync is one Lua script: write this replica's counts (absolute, so a lost write is mended by
   * the next one), drop fields older than staleAfter (a replica that crashed mid-request leaves no
   * count behind for longer than that), and return the sum of the other replicas' counts. The
   * request path only touches local atomics and the last sums read.
   */
  private static final String SCRIPT = """
      local me, now, stale, ttl = ARGV[1], tonumber(ARGV[2]), tonumber(ARGV[3]), tonumber(ARGV[4])
      local out = {}
      for i, key in ipairs(KEYS) do
        redis.call('HSET', key, me, ARGV[4 + i] .. ':' .. now)
        redis.call('PEXPIRE', key, ttl)
        local fields = redis.call('HGETALL', key)
        local sum = 0
        for j = 1, #fields, 2 do
          local v = fields[j + 1]
          local sep = string.find(v, ':', 1, true)
          local at = tonumber(string.sub(v, sep + 1))
          if at < now - stale then
            redis.call('HDEL', key, fields[j])
          elseif fields[j] ~= me then
            sum = sum + tonumber(string.sub(v, 1, sep - 1))
          end
        end
        out[i] = sum
      end
      return out
      """;

  private final Redis redis;
  private final String replica;
  private final Clock clock;
  private final Duration staleAfter;
  private final LocalInFlightCounts local = new LocalInFlightCounts();
  private volatile Map<String, Integer> others = Map.of();
  private ScheduledExecutorService timer;

  RedisInFlightCounts(Redis redis, String replica, Clock clock, Duration staleAfter) {
    if (replica == null || replica.isBlank()) {
      throw new IllegalArgumentException("replica id must not be blank");
    }
    if (staleAfter.isNegative() || staleAfter.isZero()) {
      throw new IllegalArgumentException("staleAfter must be positive, got " + staleAfter);
    }
    this.redis = redis;
    this.replica = replica;
    this.clock = clock;
    this.staleAfter = staleAfter;
  }

  @Override
  public void started(String deployment) {
    local.started(deployment);
  }

  @Override
  public void finished(String deployment) {
    local.finished(deployment);
  }

  @Override
  public int count(String deployment) {
    // counter(): a deployment routing asks about is published and read from the next sync on
    return local.counter(deployment).get() + others.getOrDefault(deployment, 0);
  }

  /**
   * Publishes this replica's counts and reads the others' sums; while Redis is down the others'
   * counts are forgotten (this replica routes on its own), and the failure is counted.
   */
  void sync() {
    Map<String, Integer> mine = local.snapshot();
    if (mine.isEmpty()) {
      return;
    }
    List<String> deployments = new ArrayList<>(mine.keySet());
    others = redis.call(Store.ROUTING, () -> {
      String[] keys = deployments.stream().map(d -> redis.key("inflight", d)).toArray(String[]::new);
      byte[][] args = new byte[4 + deployments.size()][];
      args[0] = bytes(replica);
      args[1] = bytes(Long.toString(clock.millis()));
      args[2] = bytes(Long.toString(staleAfter.toMillis()));
      args[3] = bytes(Long.toString(staleAfter.toMillis() * 2));
      for (int i = 0; i < deployments.size(); i++) {
        args[4 + i] = bytes(Integer.toString(mine.get(deployments.get(i))));
      }
      List<Long> sums = redis.sync().eval(SCRIPT, ScriptOutputType.MULTI, keys, args);
      Map<String, Integer> read = new java.util.HashMap<>();
      for (int i = 0; i < deployments.size(); i++) {
        read.put(deployments.get(i), Math.toIntExact(Math.max(0, sums.get(i))));
      }
      return Map.copyOf(read);
    }, Map::of);
  }

  synchronized void syncEvery(Duration every) {
    if (timer != null) {
      return;
    }
    timer = Executors.newSingleThreadScheduledExecutor(r -> {
      Thread t = new Thread(r, "ragway-inflight-sync");
      t.setDaemon(true);
      return t;
    });
    timer.scheduleWithFixedDelay(() -> {
      try {
        sync();
      } catch (RuntimeException e) {
        others = Map.of(); // never let one bad sync stop the timer
      }
    }, 0, every.toMillis(), TimeUnit.MILLISECONDS);
  }

  @Override
  public synchronized void close() {
    if (timer != null) {
      timer.shutdownNow();
      timer = null;
    }
  }

  private static byte[] bytes(String s) {
    return s.getBytes(StandardCharsets.UTF_8);
  }
}
