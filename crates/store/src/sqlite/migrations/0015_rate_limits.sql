-- Verify rate limits (named keys), their buckets, and the GCRA state per bucket and value.
CREATE TABLE rate_limits (
    sid TEXT PRIMARY KEY,
    service_sid TEXT NOT NULL,
    account_sid TEXT NOT NULL,
    unique_name TEXT NOT NULL,
    description TEXT NOT NULL,
    date_created INTEGER NOT NULL,
    date_updated INTEGER NOT NULL,
    UNIQUE (service_sid, unique_name)
);

CREATE TABLE rate_buckets (
    sid TEXT PRIMARY KEY,
    rate_limit_sid TEXT NOT NULL,
    service_sid TEXT NOT NULL,
    account_sid TEXT NOT NULL,
    max_requests INTEGER NOT NULL,
    interval_secs INTEGER NOT NULL,
    date_created INTEGER NOT NULL,
    date_updated INTEGER NOT NULL,
    UNIQUE (rate_limit_sid, interval_secs)
);

-- tat: the theoretical arrival time (ms) of the next request (GCRA).
CREATE TABLE rate_counters (
    bucket_sid TEXT NOT NULL,
    value TEXT NOT NULL,
    tat INTEGER NOT NULL,
    PRIMARY KEY (bucket_sid, value)
);

-- Numbers the fraud guard never blocks (per account; Twilio's SafeList).
CREATE TABLE verify_safe_list (
    account_sid TEXT NOT NULL,
    phone_number TEXT NOT NULL,
    sid TEXT NOT NULL,
    date_created INTEGER NOT NULL,
    PRIMARY KEY (account_sid, phone_number)
);

-- What the fraud guard blocked (or, in monitor mode, would have blocked), and why.
CREATE TABLE verify_fraud_events (
    service_sid TEXT NOT NULL,
    account_sid TEXT NOT NULL,
    to_addr TEXT NOT NULL,
    kind TEXT NOT NULL,
    reason TEXT NOT NULL,
    enforced INTEGER NOT NULL,
    created_at INTEGER NOT NULL
);
CREATE INDEX verify_fraud_events_service ON verify_fraud_events(service_sid, created_at);
