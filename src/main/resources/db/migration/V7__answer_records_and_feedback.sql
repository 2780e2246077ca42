-- Answer records and feedback (docs/feedback.md). Portable SQL, times as ISO-8601 UTC text, as in V1.
-- One row per answered chat completion: what reproduces and explains it. id is the completion's id
-- (chatcmpl-<request id>). question and answer are NULL unless records.content is on for the tenant,
-- and are set to NULL again after records.retention_days; the rest is kept.
CREATE TABLE answer_records (
  id                  VARCHAR(100)  PRIMARY KEY,
  request_id          VARCHAR(64)   NOT NULL,
  at                  VARCHAR(40)   NOT NULL,
  tenant              VARCHAR(200)  NOT NULL,
  key_id              VARCHAR(100)  NOT NULL,
  model               VARCHAR(200)  NOT NULL,
  backend             VARCHAR(200)  NOT NULL,
  upstream_model      VARCHAR(200)  NOT NULL,
  system_fingerprint  VARCHAR(200)  NOT NULL,
  cache               VARCHAR(20)   NOT NULL,
  stream              INTEGER       NOT NULL,
  parameters_json     TEXT          NOT NULL,
  guard_policy        VARCHAR(100)  NOT NULL,
  guard_json          TEXT          NOT NULL,
  rollout             VARCHAR(200)  NOT NULL,
  retrieval_json      TEXT          NOT NULL,
  index_generation    BIGINT        NOT NULL,
  embedding_model     VARCHAR(200)  NOT NULL,
  latency_ms          BIGINT        NOT NULL,
  stages_json         TEXT          NOT NULL,
  question            TEXT,
  answer              TEXT
);

CREATE INDEX answer_records_at ON answer_records (at);
CREATE INDEX answer_records_tenant_at ON answer_records (tenant, at);

-- Feedback on answers: every rating is kept (a later one does not replace an earlier one). No
-- foreign key: feedback may arrive while its answer record is still on its way to the database.
CREATE TABLE feedback (
  id          VARCHAR(36)   PRIMARY KEY,
  answer_id   VARCHAR(100)  NOT NULL,
  at          VARCHAR(40)   NOT NULL,
  tenant      VARCHAR(200)  NOT NULL,
  key_id      VARCHAR(100)  NOT NULL,
  model       VARCHAR(200)  NOT NULL,
  rating      VARCHAR(10)   NOT NULL,
  comment     TEXT,
  correction  TEXT,
  tags_json   TEXT          NOT NULL
);

CREATE INDEX feedback_answer ON feedback (answer_id, at);
CREATE INDEX feedback_tenant_at ON feedback (tenant, at);
