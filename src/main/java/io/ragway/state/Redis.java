package io.ragway.state;

import io.lettuce.core.ClientOptions;
import io.lettuce.core.RedisClient;
import io.lettuce.core.RedisException;
import io.lettuce.core.RedisURI;
import io.lettuce.core.SocketOptions;
import io.lettuce.core.TimeoutOptions;
import io.lettuce.core.api.StatefulRedisConnection;
import io.lettuce.core.api.async.RedisAsyncCommands;
import io.lettuce.core.api.sync.RedisCommands;
import io.lettuce.core.codec.ByteArrayCodec;
import io.lettuce.core.codec.RedisCodec;
import io.lettuce.core.codec.StringCodec;
import io.lettuce.core.resource.ClientResources;
import io.lettuce.core.resource.Delay;
import java.io.IOException;
import java.time.Duration;
import java.util.EnumMap;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.LongAdder;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One Lettuce connection to the shared Redis (thread-safe, pipelined), its keys' prefix, and what
 * each store does when a call fails. Redis being down is never fatal: the connection is retried
 * in the background, every call in between fails at once (commands are rejected, not queued), and
 * the store's {@link StateConfig.FailMode} decides between its fallback and a 503. Each change
 * between up and down is logged once.
 */
public final class Redis implements StateBackend, AutoCloseable {

  private static final Logger LOG = LoggerFactory.getLogger(Redis.class);
  private static final RedisCodec<String, byte[]> CODEC = RedisCodec.of(StringCodec.UTF8, ByteArrayCodec.INSTANCE);
  /** How often a replica that never connected tries again; Lettuce reconnects a lost connection by itself. */
  private static final long RETRY_NANOS = TimeUnit.MILLISECONDS.toNanos(500);
  /** A connection attempt may take longer than a command: the first one loads Netty. */
  private static final long CONNECT_MILLIS = 3000;

  private final StateConfig.Redis config;
  private final ClientResources resources;
  private final RedisClient client;
  private final RedisURI uri;
  private final AtomicBoolean up = new AtomicBoolean(true);
  private final Map<StateConfig.Store, LongAdder> errors = new EnumMap<>(StateConfig.Store.class);
  private volatile StatefulRedisConnection<String, byte[]> connection;
  private volatile long nextAttempt;
  /** When a call last failed (System.nanoTime): only a call begun after it proves Redis is back. */
  private volatile long failedAt = System.nanoTime();
  private java.util.concurrent.CompletableFuture<StatefulRedisConnection<String, byte[]>> pending;

  private Redis(StateConfig.Redis config) {
    this.config = config;
    Duration timeout = Duration.ofMillis(config.timeoutMs());
    this.uri = RedisURI.create(config.url());
    uri.setTimeout(timeout);
    this.resources = ClientResources.builder().reconnectDelay(Delay.constant(Duration.ofMillis(200))).build();
    this.client = RedisClient.create(resources);
    client.setOptions(ClientOptions.builder()
        .autoReconnect(true)
        .disconnectedBehavior(ClientOptions.DisconnectedBehavior.REJECT_COMMANDS)
        .socketOptions(SocketOptions.builder().connectTimeout(Duration.ofMillis(Math.max(CONNECT_MILLIS, config.timeoutMs()))).build())
        .timeoutOptions(TimeoutOptions.enabled(timeout))
        .build());
    for (StateConfig.Store s : StateConfig.Store.values()) {
      errors.put(s, new LongAdder());
    }
  }

  /** A client of {@code config}'s Redis; connects now if it can, else on later calls. */
  public static Redis connect(StateConfig.Redis config) {
    Redis r = new Redis(Objects.requireNonNull(config, "config"));
    r.connectionOrNull();
    java.util.concurrent.CompletableFuture<?> first;
    synchronized (r) {
      first = r.pending;
    }
    if (first != null) {
      try {
        first.get(CONNECT_MILLIS, TimeUnit.MILLISECONDS);
      } catch (java.util.concurrent.ExecutionException | java.util.concurrent.TimeoutException e) {
        // down for now: later calls try again
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
      r.connectionOrNull();
    }
    if (r.connection == null) {
      LOG.warn("redis at {} is not connected yet; serving without it ({}) until it is", r.where(), r.failModes());
      r.up.set(false);
    } else {
      LOG.info("hot state on redis at {} (keys {}:*)", r.where(), config.prefix());
    }
    return r;
  }

  /** A key under this deployment's prefix: {@code prefix:part1:part2...}. */
  public String key(String... parts) {
    StringBuilder b = new StringBuilder(config.prefix());
    for (String p : parts) {
      b.append(':').append(p);
    }
    return b.toString();
  }

  /** Commands that wait for their answer, at most {@code timeout_ms}. */
  public RedisCommands<String, byte[]> sync() {
    return connection().sync();
  }

  /** Commands that answer with a future. */
  public RedisAsyncCommands<String, byte[]> async() {
    return connection().async();
  }

  /** The command timeout. */
  public Duration timeout() {
    return Duration.ofMillis(config.timeoutMs());
  }

  /**
   * Runs {@code op} against Redis; when Redis fails it, counts the error and, by the store's fail
   * mode, runs {@code fallback} (open) or throws {@link StateUnavailable} (closed). Exceptions that
   * are not Redis failures (a rate limit reached) pass through unchanged.
   */
  public <T> T call(StateConfig.Store store, Supplier<T> op, Supplier<T> fallback) {
    long started = System.nanoTime();
    try {
      T value = op.get();
      // a reply to a command sent before Redis went away (the background sync) does not mean it is back
      if (started - failedAt > 0) {
        changed(true, null);
      }
      return value;
    } catch (RuntimeException e) {
      if (!isRedisFailure(e)) {
        throw e;
      }
      errors.get(store).increment();
      failedAt = System.nanoTime();
      changed(false, e);
      if (config.fail().of(store) == StateConfig.FailMode.CLOSED) {
        throw new StateUnavailable(store, "Shared state (" + store.label() + ") is unavailable right now, so the request "
            + "was not served; try again shortly.", e);
      }
      return fallback.get();
    }
  }

  /** {@link #call} for operations without a result. */
  public void run(StateConfig.Store store, Runnable op, Runnable fallback) {
    call(store, () -> {
      op.run();
      return null;
    }, () -> {
      fallback.run();
      return null;
    });
  }

  @Override
  public String name() {
    return "redis";
  }

  @Override
  public boolean up() {
    StatefulRedisConnection<String, byte[]> c = connectionOrNull();
    boolean now = c != null && c.isOpen();
    changed(now, null);
    return now;
  }

  @Override
  public Map<String, String> failModes() {
    Map<String, String> modes = new LinkedHashMap<>();
    for (StateConfig.Store s : StateConfig.Store.values()) {
      modes.put(s.label(), config.fail().of(s).name().toLowerCase(java.util.Locale.ROOT));
    }
    return modes;
  }

  @Override
  public long errors(StateConfig.Store store) {
    return errors.get(store).sum();
  }

  @Override
  public void close() {
    StatefulRedisConnection<String, byte[]> c = connection;
    if (c != null) {
      c.close();
    }
    client.shutdown(Duration.ZERO, Duration.ofSeconds(2));
    resources.shutdown(0, 2, TimeUnit.SECONDS);
  }

  private void changed(boolean nowUp, Throwable cause) {
    if (up.compareAndSet(!nowUp, nowUp)) {
      if (nowUp) {
        LOG.info("redis at {} is back: limits, caches and sessions are shared again", where());
      } else {
        LOG.warn("redis at {} is down ({}); per store while it is down: {}", where(),
            cause == null ? "connection lost" : rootMessage(cause), failModes());
      }
    }
  }

  private StatefulRedisConnection<String, byte[]> connection() {
    StatefulRedisConnection<String, byte[]> c = connectionOrNull();
    if (c == null) {
      throw new io.lettuce.core.RedisConnectionException("not connected to redis at " + where());
    }
    return c;
  }

  /*
   * Connecting never blocks a request: one attempt runs in the background at a time (at most every
   * RETRY_NANOS), and callers meanwhile see no connection, which fails their call at once.
   */
  private StatefulRedisConnection<String, byte[]> connectionOrNull() {
    StatefulRedisConnection<String, byte[]> c = connection;
    if (c != null) {
      return c;
    }
    synchronized (this) {
      if (connection == null && pending == null && System.nanoTime() - nextAttempt >= 0) {
        pending = client.connectAsync(CODEC, uri).toCompletableFuture();
      }
      if (connection == null && pending != null && pending.isDone()) {
        try {
          connection = pending.join();
        } catch (RuntimeException e) {
          nextAttempt = System.nanoTime() + RETRY_NANOS;
        }
        pending = null;
      }
      return connection;
    }
  }

  private String where() {
    return uri.getHost() + ":" + uri.getPort();
  }

  /** Whether Redis, not the caller, failed: a lost connection, a timeout, an error reply. */
  static boolean isRedisFailure(Throwable e) {
    for (Throwable c = e; c != null; c = c.getCause() == c ? null : c.getCause()) {
      if (c instanceof RedisException || c instanceof TimeoutException || c instanceof IOException
          || c.getClass().getName().startsWith("io.github.bucket4j") && c.getClass().getSimpleName().contains("Timeout")) {
        return true;
      }
    }
    return false;
  }

  private static String rootMessage(Throwable e) {
    Throwable c = e;
    while (c.getCause() != null && c.getCause() != c) {
      c = c.getCause();
    }
    return c.getClass().getSimpleName() + ": " + c.getMessage();
  }
}
