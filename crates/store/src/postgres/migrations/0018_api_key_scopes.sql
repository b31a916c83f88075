-- API key scopes (comma-separated stable names, see switchboard_domain::scopes).
-- NULL: a key created before scopes existed, read as a standard key.
ALTER TABLE api_keys ADD COLUMN scopes TEXT;
-- NULL: never updated (date_updated reads as date_created).
ALTER TABLE api_keys ADD COLUMN date_updated BIGINT;
CREATE INDEX api_keys_account ON api_keys (account_sid, date_created);
