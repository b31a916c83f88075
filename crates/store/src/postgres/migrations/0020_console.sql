-- The web console and the operator plane: users, their passkeys, one-time invites, open
-- WebAuthn ceremonies (taken once), sessions and support grants. Invite tokens and session
-- ids are stored only as keyed hashes.
CREATE TABLE console_users (
    sid TEXT PRIMARY KEY,
    realm TEXT NOT NULL,
    account_sid TEXT,
    role TEXT NOT NULL,
    name TEXT NOT NULL,
    user_handle BYTEA NOT NULL UNIQUE,
    status TEXT NOT NULL,
    date_created BIGINT NOT NULL,
    date_updated BIGINT NOT NULL
);
CREATE INDEX console_users_realm ON console_users(realm, account_sid, date_created);

-- A credential id is registered at most once in the installation.
CREATE TABLE console_credentials (
    credential_id BYTEA PRIMARY KEY,
    user_sid TEXT NOT NULL REFERENCES console_users(sid),
    transports BYTEA NOT NULL,
    static_state BYTEA NOT NULL,
    dynamic_state BYTEA NOT NULL,
    backup_eligible BOOLEAN NOT NULL,
    friendly_name TEXT NOT NULL,
    date_created BIGINT NOT NULL,
    last_used BIGINT
);
CREATE INDEX console_credentials_user ON console_credentials(user_sid, date_created);

CREATE TABLE console_invites (
    token_hash BYTEA PRIMARY KEY,
    realm TEXT NOT NULL,
    account_sid TEXT,
    role TEXT NOT NULL,
    name TEXT NOT NULL,
    created_by TEXT NOT NULL,
    expires_at BIGINT NOT NULL,
    date_created BIGINT NOT NULL,
    used_at BIGINT
);

CREATE TABLE console_ceremonies (
    challenge TEXT PRIMARY KEY,
    kind TEXT NOT NULL,
    realm TEXT NOT NULL,
    user_sid TEXT,
    invite_hash BYTEA,
    session_hash BYTEA,
    state BYTEA NOT NULL,
    expires_at BIGINT NOT NULL,
    date_created BIGINT NOT NULL
);
CREATE INDEX console_ceremonies_expiry ON console_ceremonies(expires_at);

CREATE TABLE console_sessions (
    id_hash BYTEA PRIMARY KEY,
    user_sid TEXT NOT NULL,
    realm TEXT NOT NULL,
    account_sid TEXT,
    role TEXT NOT NULL,
    csrf TEXT NOT NULL,
    date_created BIGINT NOT NULL,
    expires_at BIGINT NOT NULL,
    fresh_at BIGINT NOT NULL
);
CREATE INDEX console_sessions_user ON console_sessions(user_sid);
CREATE INDEX console_sessions_expiry ON console_sessions(expires_at);

CREATE TABLE support_grants (
    id BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    account_sid TEXT NOT NULL,
    granted_by TEXT NOT NULL,
    reason TEXT NOT NULL,
    date_created BIGINT NOT NULL,
    expires_at BIGINT NOT NULL,
    revoked_at BIGINT
);
CREATE INDEX support_grants_account ON support_grants(account_sid, date_created);
