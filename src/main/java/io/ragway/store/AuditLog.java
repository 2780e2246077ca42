package io.ragway.store;

import java.time.Instant;
import java.util.List;

/** Who changed what, when and why: one entry per admin action, appended, never changed. */
public interface AuditLog {

  /**
   * One admin action.
   *
   * @param actor who did it: {@code cli:<os user>}, or the server acting for a key
   * @param action what kind of change, e.g. {@code key.create}
   * @param target what it changed, e.g. a key id
   * @param detail the change itself, as JSON
   */
  record Entry(String id, Instant at, String actor, String action, String target, String detail) {}

  /** The newest entries first, at most {@code limit}. */
  List<Entry> recent(int limit);
}
