-- Idempotency-Key on message creation: the first request's parameters (hashed)
-- and the message it created, per account; a key is reusable after 24 h.
CREATE TABLE idempotency_keys (
    account_sid TEXT NOT NULL,
    key TEXT NOT NULL,
    request_hash TEXT NOT NULL,
    message_seq BIGINT NOT NULL,
    created_at BIGINT NOT NULL,
    PRIMARY KEY (account_sid, key)
);
CREATE INDEX idempotency_keys_age ON idempotency_keys(created_at);
