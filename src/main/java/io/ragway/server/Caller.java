package io.ragway.server;

import io.ragway.limit.RateLimiter;
import java.util.List;

/**
 * The authenticated caller of one request.
 *
 * @param key the API key's id, or {@code anonymous}
 */
record Caller(String key, String tenant, List<String> groups, RateLimiter.Limits limits) {}
