package io.ragway.server;

import io.ragway.chat.Sessions;
import io.ragway.index.Reader;
import io.ragway.limit.RateLimiter;
import java.util.List;

/**
 * The authenticated caller of one request.
 *
 * @param key the API key's id, or {@code anonymous}
 * @param groups the key's ACL groups: it reads its tenant's public documents and those of these groups
 */
record Caller(String key, String tenant, List<String> groups, RateLimiter.Limits limits) {

  /** What the caller may read: never every group, since no key stands for the tenant's owner. */
  Reader reader() {
    return Reader.member(tenant, groups);
  }

  /** Sessions are the key's own. */
  Sessions.Owner sessionOwner() {
    return new Sessions.Owner(tenant, key);
  }
}
