package io.ragway.index;

import java.util.Collection;
import java.util.List;
import java.util.Objects;
import java.util.TreeSet;

/**
 * Who reads: a tenant and the ACL groups read for. A chunk or document without groups is public
 * within its tenant; one with groups is read by a member of at least one of them, and by the
 * tenant's owner (the command line), who reads every group.
 *
 * @param groups the member's groups, sorted and distinct; empty for the owner
 * @param everyGroup whether this is the owner, who reads every document of the tenant
 */
public record Reader(String tenant, List<String> groups, boolean everyGroup) {

  public Reader {
    Objects.requireNonNull(tenant, "tenant");
    groups = List.copyOf(new TreeSet<>(Objects.requireNonNull(groups, "groups")));
    if (everyGroup && !groups.isEmpty()) {
      throw new IllegalArgumentException("the owner reads every group; it is not given any");
    }
  }

  /** The tenant's owner: every document of the tenant, whatever its groups. */
  public static Reader owner(String tenant) {
    return new Reader(tenant, List.of(), true);
  }

  /** A member of these groups (none: public documents only), as an API key is. */
  public static Reader member(String tenant, Collection<String> groups) {
    return new Reader(tenant, List.copyOf(groups), false);
  }

  /** Whether this reader may read a document of {@code tenant} carrying {@code acl} groups. */
  public boolean reads(String tenant, Collection<String> acl) {
    return this.tenant.equals(tenant) && (everyGroup || acl.isEmpty() || acl.stream().anyMatch(groups::contains));
  }
}
