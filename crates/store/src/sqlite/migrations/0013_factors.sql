-- Twilio Verify entities, TOTP factors and challenges. A factor's secret is sealed under
-- the master key; last_step is the latest accepted time step (codes of it or earlier
-- steps are refused, so a code is never accepted twice).
CREATE TABLE verify_entities (
    sid TEXT PRIMARY KEY,
    service_sid TEXT NOT NULL,
    account_sid TEXT NOT NULL,
    identity TEXT NOT NULL,
    date_created INTEGER NOT NULL,
    date_updated INTEGER NOT NULL
);
CREATE UNIQUE INDEX verify_entities_identity ON verify_entities(service_sid, identity);

CREATE TABLE verify_factors (
    sid TEXT PRIMARY KEY,
    service_sid TEXT NOT NULL,
    account_sid TEXT NOT NULL,
    entity_sid TEXT NOT NULL,
    identity TEXT NOT NULL,
    friendly_name TEXT NOT NULL,
    factor_type TEXT NOT NULL,
    status TEXT NOT NULL,
    sealed_secret BLOB NOT NULL,
    time_step INTEGER NOT NULL,
    code_length INTEGER NOT NULL,
    skew INTEGER NOT NULL,
    alg TEXT NOT NULL,
    last_step INTEGER,
    failures INTEGER NOT NULL DEFAULT 0,
    date_created INTEGER NOT NULL,
    date_updated INTEGER NOT NULL
);
CREATE INDEX verify_factors_identity ON verify_factors(service_sid, identity, date_created);

CREATE TABLE verify_challenges (
    sid TEXT PRIMARY KEY,
    service_sid TEXT NOT NULL,
    account_sid TEXT NOT NULL,
    entity_sid TEXT NOT NULL,
    identity TEXT NOT NULL,
    factor_sid TEXT NOT NULL,
    status TEXT NOT NULL,
    failures INTEGER NOT NULL DEFAULT 0,
    expiration_date INTEGER NOT NULL,
    date_responded INTEGER,
    date_created INTEGER NOT NULL,
    date_updated INTEGER NOT NULL
);
CREATE INDEX verify_challenges_identity ON verify_challenges(service_sid, identity, date_created);
CREATE INDEX verify_challenges_factor ON verify_challenges(factor_sid);
