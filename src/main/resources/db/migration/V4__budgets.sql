-- Monthly budgets in USD, per API key (scope 'key', name = the key's id) or per tenant (scope
-- 'tenant'). Changed only with an audit_log row in the same transaction.
CREATE TABLE budgets (
  scope          VARCHAR(10)  NOT NULL,
  name           VARCHAR(200) NOT NULL,
  usd_per_month  DOUBLE PRECISION NOT NULL,
  updated_at     VARCHAR(40)  NOT NULL,
  PRIMARY KEY (scope, name)
);
