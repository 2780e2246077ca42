-- Beside answered requests, the ledger keeps requests that ended in an error (kind 'failed') and
-- upstream calls that failed (kind 'attempt'), with the error's code and, for an attempt, what
-- the router did next (retry, fallback, none). Rows of earlier releases are answered requests.
ALTER TABLE usage_events ADD COLUMN kind VARCHAR(10) NOT NULL DEFAULT 'request';
ALTER TABLE usage_events ADD COLUMN error VARCHAR(100) NOT NULL DEFAULT '';
ALTER TABLE usage_events ADD COLUMN followed_by VARCHAR(10) NOT NULL DEFAULT '';
CREATE INDEX usage_events_request ON usage_events (request_id);
