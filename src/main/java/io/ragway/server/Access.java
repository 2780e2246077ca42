package io.ragway.server;

import io.ragway.limit.RateLimiter;
import io.ragway.store.ApiKeys;
import java.util.Objects;

/**
 * Who may call the server and how much.
 *
 * @param keys the API keys; a request that presents one must present a valid one
 * @param required whether a request without a key is refused (401)
 * @param limiter requests and tokens per minute, per key
 * @param anonymous the limits of requests without a key, when keys are not required
 * @param tenant the tenant of requests without a key
 * @param metricsToken the bearer token of {@code GET /metrics} when keys are required; empty for none
 */
public record Access(ApiKeys keys, boolean required, RateLimiter limiter, RateLimiter.Limits anonymous, String tenant,
    String metricsToken) {
  public Access {
    Objects.requireNonNull(keys, "keys");
    Objects.requireNonNull(limiter, "limiter");
    Objects.requireNonNull(anonymous, "anonymous");
    Objects.requireNonNull(tenant, "tenant");
    Objects.requireNonNull(metricsToken, "metricsToken");
  }

  /** Without a metrics token. */
  public Access(ApiKeys keys, boolean required, RateLimiter limiter, RateLimiter.Limits anonymous, String tenant) {
    this(keys, required, limiter, anonymous, tenant, "");
  }
}
