-- The tamper-evident audit log: one global hash chain. `seq` is assigned by the store as
-- head + 1 inside the writer's transaction (no AUTOINCREMENT: gap-free by construction);
-- `hash` is a keyed MAC computed by core over the entry, its seq and prev_hash.
CREATE TABLE audit_log (
    seq INTEGER PRIMARY KEY,
    at INTEGER NOT NULL,
    account_sid TEXT,
    actor TEXT NOT NULL,
    action TEXT NOT NULL,
    target TEXT,
    details TEXT,
    prev_hash BLOB NOT NULL,
    hash BLOB NOT NULL
);

CREATE INDEX audit_log_account ON audit_log (account_sid, seq);
