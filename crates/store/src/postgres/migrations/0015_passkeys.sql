-- Verify passkeys factor: per-service relying-party settings, factors (registered
-- credentials) and open WebAuthn ceremonies (shared by every node; taken once).
ALTER TABLE verify_services ADD COLUMN passkeys_rp_id TEXT;
ALTER TABLE verify_services ADD COLUMN passkeys_rp_name TEXT;
ALTER TABLE verify_services ADD COLUMN passkeys_origins TEXT NOT NULL DEFAULT '[]';
ALTER TABLE verify_services ADD COLUMN passkeys_attachment TEXT;
ALTER TABLE verify_services ADD COLUMN passkeys_discoverable TEXT;
ALTER TABLE verify_services ADD COLUMN passkeys_user_verification TEXT;

CREATE TABLE passkey_factors (
    sid TEXT PRIMARY KEY,
    service_sid TEXT NOT NULL,
    account_sid TEXT NOT NULL,
    entity_sid TEXT NOT NULL,
    identity TEXT NOT NULL,
    friendly_name TEXT NOT NULL,
    status TEXT NOT NULL,
    user_handle BYTEA NOT NULL,
    credential_id BYTEA,
    transports BYTEA,
    static_state BYTEA,
    dynamic_state BYTEA,
    date_created BIGINT NOT NULL,
    date_updated BIGINT NOT NULL
);
CREATE INDEX passkey_factors_identity ON passkey_factors(service_sid, identity, date_created);
-- A credential id is registered at most once per service.
CREATE UNIQUE INDEX passkey_factors_credential ON passkey_factors(service_sid, credential_id)
    WHERE credential_id IS NOT NULL;

CREATE TABLE passkey_ceremonies (
    challenge TEXT PRIMARY KEY,
    service_sid TEXT NOT NULL,
    account_sid TEXT NOT NULL,
    kind TEXT NOT NULL,
    sid TEXT NOT NULL,
    factor_sid TEXT,
    identity TEXT,
    state BYTEA NOT NULL,
    expires_at BIGINT NOT NULL,
    date_created BIGINT NOT NULL
);
CREATE INDEX passkey_ceremonies_expiry ON passkey_ceremonies(service_sid, expires_at);
