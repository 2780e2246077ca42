package io.ragway.state;

import java.net.URI;

/**
 * Where hot state lives ({@code state:} in {@code ragway.yaml}): rate limits, the response caches,
 * sessions. {@code memory} keeps it in this process (the default); {@code redis} shares it between
 * replicas through one Redis (docs/scale-out.md).
 *
 * @param backend {@code memory} or {@code redis}
 */
public record StateConfig(String backend, Redis redis) {

  /** What a store does while Redis cannot be reached. */
  public enum FailMode {
    /** Keep serving: limits fall back to this replica's own buckets, caches miss, sessions live on this replica. */
    OPEN,
    /** Refuse what needs the store: 503 {@code state_unavailable} with Retry-After. */
    CLOSED;

    static FailMode parse(String value, String setting, boolean closedAllowed) {
      String v = value == null ? "" : value.strip().toLowerCase(java.util.Locale.ROOT);
      if (v.equals("open") || (closedAllowed && v.equals("closed"))) {
        return v.equals("open") ? OPEN : CLOSED;
      }
      throw new IllegalArgumentException(setting + " must be " + (closedAllowed ? "open or closed" : "open (a cache that "
          + "cannot be read is a miss)") + ", got '" + value + "'");
    }
  }

  /**
   * The stores that can live in Redis, as metrics and {@code /readyz} name them; {@code routing}
   * (in-flight counts per upstream deployment) is always open: this replica's own counts; so is
   * {@code rollouts} (the rollback windows): this replica's own outcomes.
   */
  public enum Store {
    LIMITS, CACHES, SESSIONS, ROUTING, ROLLOUTS;

    public String label() {
      return name().toLowerCase(java.util.Locale.ROOT);
    }
  }

  /**
   * The shared Redis.
   *
   * @param url {@code redis://[user:password@]host:port[/db]} (or {@code rediss://} for TLS)
   * @param timeoutMs how long one command (and a connection attempt) may take before Redis counts as down
   * @param prefix the first part of every key; give each deployment sharing one Redis its own
   * @param fail what each store does while Redis is down
   */
  public record Redis(String url, int timeoutMs, String prefix, Fail fail) {
    public Redis {
      url = url == null || url.isBlank() ? "redis://127.0.0.1:6379" : url.strip();
      URI u;
      try {
        u = URI.create(url);
      } catch (IllegalArgumentException e) {
        throw new IllegalArgumentException("state.redis.url is not a URL: " + url);
      }
      if (!"redis".equals(u.getScheme()) && !"rediss".equals(u.getScheme())) {
        throw new IllegalArgumentException("state.redis.url must start with redis:// or rediss://, got " + url);
      }
      if (timeoutMs < 10 || timeoutMs > 60_000) {
        throw new IllegalArgumentException("state.redis.timeout_ms must be between 10 and 60000, got " + timeoutMs);
      }
      prefix = prefix == null || prefix.isBlank() ? "ragway" : prefix.strip();
      if (!prefix.matches("[A-Za-z0-9_.\\-]{1,64}")) {
        throw new IllegalArgumentException("state.redis.prefix must be 1-64 letters, digits, '_', '.' or '-', got '" + prefix + "'");
      }
      fail = fail == null ? Fail.defaults() : fail;
    }
  }

  /**
   * Per store, what happens while Redis is down ({@code open} or {@code closed}).
   *
   * @param limits {@code open} (default): each replica limits by itself, so a key may get up to
   *     replicas x its limit until Redis is back; {@code closed}: every request is refused (503)
   * @param caches always {@code open}: a miss, and nothing stored
   * @param sessions {@code closed} (default): a request that names a session is refused (503) rather
   *     than answered without its history; {@code open}: sessions are created on this replica alone
   */
  public record Fail(String limits, String caches, String sessions) {
    public Fail {
      limits = limits == null ? "open" : limits;
      caches = caches == null ? "open" : caches;
      sessions = sessions == null ? "closed" : sessions;
      FailMode.parse(limits, "state.redis.fail.limits", true);
      FailMode.parse(caches, "state.redis.fail.caches", false);
      FailMode.parse(sessions, "state.redis.fail.sessions", true);
    }

    public static Fail defaults() {
      return new Fail("open", "open", "closed");
    }

    /** The mode of one store. */
    public FailMode of(Store store) {
      return switch (store) {
        case LIMITS -> FailMode.parse(limits, "", true);
        case CACHES -> FailMode.parse(caches, "", false);
        case SESSIONS -> FailMode.parse(sessions, "", true);
        case ROUTING -> FailMode.OPEN;
        case ROLLOUTS -> FailMode.OPEN;
      };
    }
  }

  public StateConfig {
    backend = backend == null || backend.isBlank() ? "memory" : backend.strip().toLowerCase(java.util.Locale.ROOT);
    if (!backend.equals("memory") && !backend.equals("redis")) {
      throw new IllegalArgumentException("state.backend must be memory or redis, got '" + backend + "'");
    }
    redis = redis == null ? new Redis(null, 250, null, null) : redis;
  }

  public boolean onRedis() {
    return backend.equals("redis");
  }

  public static StateConfig defaults() {
    return new StateConfig("memory", new Redis("redis://127.0.0.1:6379", 250, "ragway", Fail.defaults()));
  }
}
