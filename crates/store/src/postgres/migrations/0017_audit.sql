-- The tamper-evident audit log: one global hash chain. `seq` is assigned by the store as
-- head + 1 under a transaction-scoped advisory lock, so appends from several nodes
-- serialize and the chain never forks; `hash` is a keyed MAC computed by core over the
-- entry, its seq and prev_hash.
CREATE TABLE audit_log (
    seq BIGINT PRIMARY KEY,
    at BIGINT NOT NULL,
    account_sid TEXT,
    actor TEXT NOT NULL,
    action TEXT NOT NULL,
    target TEXT,
    details TEXT,
    prev_hash BYTEA NOT NULL,
    hash BYTEA NOT NULL
);

CREATE INDEX audit_log_account ON audit_log (account_sid, seq);
