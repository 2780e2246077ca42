-- Prompt template and guard policy versions (docs/records.md), registered when a server first starts
-- with them. Answer records name the versions they were made with, so a row is never changed: a
-- different text under a stored version is refused at startup. content_json is the prompt's text or
-- the policy's rules as JSON; content_sha256 its SHA-256 in hex. Times as ISO-8601 UTC text, as in V1.
CREATE TABLE prompt_and_policy_versions (
  kind            VARCHAR(20)  NOT NULL,
  name            VARCHAR(100) NOT NULL,
  version         VARCHAR(100) NOT NULL,
  content_sha256  VARCHAR(64)  NOT NULL,
  content_json    TEXT         NOT NULL,
  created_at      VARCHAR(40)  NOT NULL,
  created_by      VARCHAR(200) NOT NULL,
  PRIMARY KEY (kind, name, version)
);

CREATE INDEX prompt_and_policy_versions_version ON prompt_and_policy_versions (kind, version);
