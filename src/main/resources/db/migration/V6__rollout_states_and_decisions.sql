-- Rollouts (docs/rollout.md). Portable SQL, times as ISO-8601 UTC text, as in V1.
-- One row per rollout that has been decided on: its state (running, promoted, rolled_back) holds
-- across restarts until an operator changes it; figures_json is the last window figures a server saw.
CREATE TABLE rollout_states (
  name          VARCHAR(100) PRIMARY KEY,
  state         VARCHAR(20)  NOT NULL,
  updated_at    VARCHAR(40)  NOT NULL,
  reason        TEXT         NOT NULL,
  figures_json  TEXT         NOT NULL
);

-- Every decision (automatic rollback, or an operator's promote, rollback, resume), with the
-- figures behind it. Never updated. seq orders them, as in audit_log.
CREATE TABLE rollout_decisions (
  id            VARCHAR(36)  PRIMARY KEY,
  seq           BIGINT       NOT NULL,
  rollout       VARCHAR(100) NOT NULL,
  at            VARCHAR(40)  NOT NULL,
  action        VARCHAR(20)  NOT NULL,
  actor         VARCHAR(200) NOT NULL,
  reason        TEXT         NOT NULL,
  figures_json  TEXT         NOT NULL
);

CREATE INDEX rollout_decisions_rollout ON rollout_decisions (rollout, seq);
