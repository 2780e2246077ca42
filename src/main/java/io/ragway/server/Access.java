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
 */
public record Access(ApiKeys keys, boolean required, RateLimiter limiter, RateLimiter.Limits anonymous, String tenant) {
  public Access {
    Objects.requireNonNull(keys, "keys");
    Objects.requireNonNull(limiter, "limiter");
    Objects.requireNonNull(anonymous, "anonymous");
    Objects.requireNonNull(tenant, "tenant");
  }
}
