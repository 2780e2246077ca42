-- Portable SQL: runs on SQLite and PostgreSQL alike. Times are ISO-8601 UTC text, so they sort
-- and read the same on both.

CREATE TABLE api_keys (
  id            VARCHAR(32)  PRIMARY KEY,
  name          VARCHAR(200) NOT NULL,
  tenant        VARCHAR(200) NOT NULL,
  groups_json   TEXT         NOT NULL,
  rpm           BIGINT       NOT NULL,
  tpm           BIGINT       NOT NULL,
  secret_sha256 CHAR(64)     NOT NULL,
  created_at    VARCHAR(40)  NOT NULL,
  rotated_at    VARCHAR(40),
  revoked_at    VARCHAR(40)
);

CREATE INDEX api_keys_tenant ON api_keys (tenant);

-- Who changed what, when and why: one row per admin action, never updated. seq orders the
-- entries (one more than the last, taken inside the writing transaction).
CREATE TABLE audit_log (
  id        VARCHAR(36)  PRIMARY KEY,
  seq       BIGINT       NOT NULL,
  at        VARCHAR(40)  NOT NULL,
  actor     VARCHAR(200) NOT NULL,
  action    VARCHAR(100) NOT NULL,
  target    VARCHAR(200) NOT NULL,
  detail    TEXT         NOT NULL
);

CREATE INDEX audit_log_seq ON audit_log (seq);
