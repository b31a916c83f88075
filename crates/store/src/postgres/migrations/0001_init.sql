CREATE TABLE accounts (
    sid TEXT PRIMARY KEY,
    friendly_name TEXT NOT NULL,
    status TEXT NOT NULL,
    auth_token_sealed BYTEA NOT NULL,
    date_created BIGINT NOT NULL,
    date_updated BIGINT NOT NULL
);

CREATE TABLE api_keys (
    sid TEXT PRIMARY KEY,
    account_sid TEXT NOT NULL REFERENCES accounts(sid),
    friendly_name TEXT NOT NULL,
    secret_hash BYTEA NOT NULL,
    date_created BIGINT NOT NULL
);

CREATE TABLE messages (
    seq BIGSERIAL PRIMARY KEY,
    sid TEXT NOT NULL UNIQUE,
    account_sid TEXT NOT NULL,
    direction TEXT NOT NULL,
    status TEXT NOT NULL,
    to_addr TEXT NOT NULL,
    from_addr TEXT NOT NULL,
    body TEXT NOT NULL,
    num_segments INTEGER NOT NULL,
    media_urls TEXT,
    encoding TEXT NOT NULL,
    messaging_service_sid TEXT,
    status_callback TEXT,
    validity_secs INTEGER,
    error_code INTEGER,
    error_message TEXT,
    price TEXT,
    price_unit TEXT,
    carrier_ref TEXT,
    attempts INTEGER NOT NULL DEFAULT 0,
    date_created BIGINT NOT NULL,
    date_updated BIGINT NOT NULL,
    date_sent BIGINT
);
CREATE INDEX messages_account_seq ON messages(account_sid, seq);
CREATE INDEX messages_account_to ON messages(account_sid, to_addr, seq);
CREATE INDEX messages_account_from ON messages(account_sid, from_addr, seq);
CREATE INDEX messages_carrier_ref ON messages(carrier_ref) WHERE carrier_ref IS NOT NULL;

-- One row per message the pipeline still has to act on. A claim moves due_at
-- to the end of the lease (leased_until, in effect) under FOR UPDATE SKIP LOCKED,
-- so a dead node's claims are due again once their lease runs out.
CREATE TABLE queue (
    message_seq BIGINT PRIMARY KEY,
    due_at BIGINT NOT NULL,
    leased BOOLEAN NOT NULL DEFAULT FALSE,
    phase TEXT NOT NULL
);
CREATE INDEX queue_due ON queue(due_at);

CREATE TABLE orphan_receipts (
    carrier_ref TEXT PRIMARY KEY,
    status TEXT NOT NULL,
    error_code INTEGER,
    error_message TEXT,
    received_at BIGINT NOT NULL
);
