package io.ragway.rollout;

import java.time.Clock;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import javax.sql.DataSource;

/**
 * Rollout states and decisions in the records database. A decision and the state it sets are
 * written in one transaction with an audit-log entry.
 */
public interface RolloutStore {

  /** What a rollout is doing. */
  enum State {
    /** Traffic split as configured. */
    RUNNING,
    /** Every request to the candidate. */
    PROMOTED,
    /** Every request to stable, until an operator resumes or promotes. */
    ROLLED_BACK;

    public String label() {
      return name().toLowerCase(java.util.Locale.ROOT);
    }

    static State parse(String s) {
      return valueOf(s.toUpperCase(java.util.Locale.ROOT));
    }
  }

  /** A rollout's stored state, the reason of its last change and the last figures a server saw (JSON). */
  record Stored(String name, State state, Instant updated, String reason, String figures) {}

  /**
   * One decision.
   *
   * @param action {@code rollback}, {@code promote} or {@code resume}
   * @param actor {@code controller} for an automatic rollback, {@code cli:<os user>} for an operator
   * @param figures both arms' window figures at the time, as JSON
   */
  record Decision(String rollout, Instant at, String action, String actor, String reason, String figures) {}

  /** Every stored rollout by name. */
  Map<String, Stored> states();

  default Optional<Stored> state(String name) {
    return Optional.ofNullable(states().get(name));
  }

  /** Records {@code decision}, sets the rollout's state, and audits it, in one transaction. */
  void decide(Decision decision, State next);

  /** Keeps the latest figures of a rollout (its state stays; a rollout never decided on starts as running). */
  void saveFigures(String rollout, String figures);

  /** The newest decisions of a rollout first, at most {@code limit}. */
  List<Decision> decisions(String rollout, int limit);

  /** The store in a migrated records database ({@code io.ragway.store.Database#dataSource()}). */
  static RolloutStore sql(DataSource db, Clock clock) {
    return new SqlRolloutStore(db, clock);
  }

  /** Keeps everything in memory: for servers without records and for tests. */
  static RolloutStore inMemory() {
    return new MemoryRolloutStore();
  }
}
