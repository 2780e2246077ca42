-- The usage ledger: one row per answered request, written from the journal, idempotent by
-- event_id (a replayed journal adds nothing twice). Never updated.
CREATE TABLE usage_events (
  event_id          VARCHAR(36)   PRIMARY KEY,
  request_id        VARCHAR(64)   NOT NULL,
  at                VARCHAR(40)   NOT NULL,
  key_id            VARCHAR(32)   NOT NULL,
  tenant            VARCHAR(200)  NOT NULL,
  model             VARCHAR(200)  NOT NULL,
  backend           VARCHAR(200)  NOT NULL,
  prompt_tokens     BIGINT        NOT NULL,
  completion_tokens BIGINT        NOT NULL,
  cost_usd          DOUBLE PRECISION NOT NULL,
  cache             VARCHAR(20)   NOT NULL,
  stream            INTEGER       NOT NULL,
  status            INTEGER       NOT NULL,
  latency_ms        BIGINT        NOT NULL,
  attempts          INTEGER       NOT NULL
);

CREATE INDEX usage_events_at ON usage_events (at);
CREATE INDEX usage_events_tenant_at ON usage_events (tenant, at);
