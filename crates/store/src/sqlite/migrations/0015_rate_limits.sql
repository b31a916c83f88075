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
