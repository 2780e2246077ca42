-- Prompt tokens the upstream read from its prompt cache (usage.prompt_tokens_details.cached_tokens),
-- priced at the model's cached_input_price_per_1m. Rows of earlier releases had none.
ALTER TABLE usage_events ADD COLUMN cached_tokens BIGINT NOT NULL DEFAULT 0;
