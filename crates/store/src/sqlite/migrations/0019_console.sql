-- The web console and the operator plane: users, their passkeys, one-time invites, open
-- WebAuthn ceremonies (taken once), sessions and support grants. Invite tokens and session
-- ids are stored only as keyed hashes.
CREATE TABLE console_users (
    sid TEXT PRIMARY KEY,
    realm TEXT NOT NULL,
    account_sid TEXT,
    role TEXT NOT NULL,
    name TEXT NOT NULL,
    user_handle BLOB NOT NULL UNIQUE,
    status TEXT NOT NULL,
    date_created INTEGER NOT NULL,
    date_updated INTEGER NOT NULL
);
CREATE INDEX console_users_realm ON console_users(realm, account_sid, date_created);

-- A credential id is registered at most once in the installation.
CREATE TABLE console_credentials (
    credential_id BLOB PRIMARY KEY,
    user_sid TEXT NOT NULL REFERENCES console_users(sid),
    transports BLOB NOT NULL,
    static_state BLOB NOT NULL,
    dynamic_state BLOB NOT NULL,
    backup_eligible INTEGER NOT NULL,
    friendly_name TEXT NOT NULL,
    date_created INTEGER NOT NULL,
    last_used INTEGER
);
CREATE INDEX console_credentials_user ON console_credentials(user_sid, date_created);

CREATE TABLE console_invites (
    token_hash BLOB PRIMARY KEY,
    realm TEXT NOT NULL,
    account_sid TEXT,
    role TEXT NOT NULL,
    name TEXT NOT NULL,
    created_by TEXT NOT NULL,
    expires_at INTEGER NOT NULL,
    date_created INTEGER NOT NULL,
    used_at INTEGER
);

CREATE TABLE console_ceremonies (
    challenge TEXT PRIMARY KEY,
    kind TEXT NOT NULL,
    realm TEXT NOT NULL,
    user_sid TEXT,
    invite_hash BLOB,
    session_hash BLOB,
    state BLOB NOT NULL,
    expires_at INTEGER NOT NULL,
    date_created INTEGER NOT NULL
);
CREATE INDEX console_ceremonies_expiry ON console_ceremonies(expires_at);

CREATE TABLE console_sessions (
    id_hash BLOB PRIMARY KEY,
    user_sid TEXT NOT NULL,
    realm TEXT NOT NULL,
    account_sid TEXT,
    role TEXT NOT NULL,
    csrf TEXT NOT NULL,
    date_created INTEGER NOT NULL,
    expires_at INTEGER NOT NULL,
    fresh_at INTEGER NOT NULL
);
CREATE INDEX console_sessions_user ON console_sessions(user_sid);
CREATE INDEX console_sessions_expiry ON console_sessions(expires_at);

CREATE TABLE support_grants (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    account_sid TEXT NOT NULL,
    granted_by TEXT NOT NULL,
    reason TEXT NOT NULL,
    date_created INTEGER NOT NULL,
    expires_at INTEGER NOT NULL,
    revoked_at INTEGER
);
CREATE INDEX support_grants_account ON support_grants(account_sid, date_created);
