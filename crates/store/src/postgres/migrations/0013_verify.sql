-- Twilio Verify: services and verifications (codes are never stored: a secret seed
-- they derive from under the master key, and a keyed hash of the code).
CREATE TABLE verify_services (
    sid TEXT PRIMARY KEY,
    account_sid TEXT NOT NULL,
    friendly_name TEXT NOT NULL,
    code_length INTEGER NOT NULL,
    custom_code_enabled BOOLEAN NOT NULL,
    do_not_share_warning_enabled BOOLEAN NOT NULL,
    skip_sms_to_landlines BOOLEAN NOT NULL,
    lookup_enabled BOOLEAN NOT NULL,
    psd2_enabled BOOLEAN NOT NULL,
    dtmf_input_required BOOLEAN NOT NULL,
    -- '' = the platform's [verify] fraud_mode
    fraud_mode TEXT NOT NULL DEFAULT '',
    -- JSON array of ISO country codes; '[]' = the platform's [verify] allowed_countries
    allowed_countries TEXT NOT NULL DEFAULT '[]',
    date_created BIGINT NOT NULL,
    date_updated BIGINT NOT NULL
);
CREATE INDEX verify_services_account ON verify_services(account_sid, date_created);

CREATE TABLE verifications (
    sid TEXT PRIMARY KEY,
    service_sid TEXT NOT NULL,
    account_sid TEXT NOT NULL,
    to_addr TEXT NOT NULL,
    channel TEXT NOT NULL,
    status TEXT NOT NULL,
    seed BYTEA NOT NULL,
    code_hash BYTEA NOT NULL,
    sends TEXT NOT NULL,
    send_count INTEGER NOT NULL,
    checks INTEGER NOT NULL DEFAULT 0,
    expires_at BIGINT NOT NULL,
    date_created BIGINT NOT NULL,
    date_updated BIGINT NOT NULL
);
CREATE INDEX verifications_to ON verifications(service_sid, to_addr, date_created);
-- At most one pending verification per service and recipient.
CREATE UNIQUE INDEX verifications_pending ON verifications(service_sid, to_addr) WHERE status = 'pending';
