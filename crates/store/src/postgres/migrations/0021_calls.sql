-- Voice calls (Twilio's Calls resource). `to_addr`/`from_addr` are account-scoped
-- numbers (encrypted like messages' when the account encrypts at rest). A `queued`
-- call is claimed by one node's call engine at a time (`claimed_by` until
-- `lease_until`); a pending API action (cancel, hang up, redirect) waits in
-- `action_kind`/`action_data` until the engine takes it. `callback_seq` is the next
-- status callback's SequenceNumber.
CREATE TABLE calls (
    seq BIGSERIAL PRIMARY KEY,
    sid TEXT NOT NULL UNIQUE,
    account_sid TEXT NOT NULL,
    direction TEXT NOT NULL,
    status TEXT NOT NULL,
    to_addr TEXT NOT NULL,
    from_addr TEXT NOT NULL,
    url TEXT,
    method TEXT NOT NULL DEFAULT 'POST',
    twiml TEXT,
    application_sid TEXT,
    status_callback TEXT,
    status_callback_method TEXT NOT NULL DEFAULT 'POST',
    status_callback_events TEXT NOT NULL DEFAULT 'completed',
    timeout_secs INTEGER NOT NULL,
    time_limit_secs INTEGER NOT NULL,
    send_digits TEXT,
    trunk TEXT,
    date_created BIGINT NOT NULL,
    date_updated BIGINT NOT NULL,
    start_time BIGINT,
    end_time BIGINT,
    duration_secs INTEGER,
    sip_response_code INTEGER,
    error_code INTEGER,
    error_message TEXT,
    answered_by TEXT,
    warnings TEXT,
    initiated_at BIGINT,
    action_kind TEXT,
    action_data TEXT,
    callback_seq INTEGER NOT NULL DEFAULT 0,
    claimed_by TEXT,
    lease_until BIGINT
);
CREATE INDEX calls_account ON calls(account_sid, seq);
CREATE INDEX calls_account_to ON calls(account_sid, to_addr, seq);
CREATE INDEX calls_account_from ON calls(account_sid, from_addr, seq);
CREATE INDEX calls_queued ON calls(seq) WHERE status = 'queued';

-- Call status callbacks go through the webhook outbox as `call` rows. Their
-- `message_seq` holds the call's seq negated (message seqs are positive): the
-- outbox's ordering key, so one call's callbacks go out in order, as a message's do.
-- `sequence` is Twilio's SequenceNumber (0, 1, 2… per call).
ALTER TABLE webhooks ADD COLUMN sequence INTEGER;
