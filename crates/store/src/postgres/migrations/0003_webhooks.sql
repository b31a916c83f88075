-- Webhook settings of a number (Twilio's IncomingPhoneNumber fields) and the
-- auto-replies to opt-out keywords (NULL: the default text; '': no reply).
ALTER TABLE phone_numbers ADD COLUMN sms_url TEXT NOT NULL DEFAULT '';
ALTER TABLE phone_numbers ADD COLUMN sms_method TEXT NOT NULL DEFAULT 'POST';
ALTER TABLE phone_numbers ADD COLUMN sms_fallback_url TEXT NOT NULL DEFAULT '';
ALTER TABLE phone_numbers ADD COLUMN sms_fallback_method TEXT NOT NULL DEFAULT 'POST';
ALTER TABLE phone_numbers ADD COLUMN status_callback TEXT NOT NULL DEFAULT '';
ALTER TABLE phone_numbers ADD COLUMN status_callback_method TEXT NOT NULL DEFAULT 'POST';
ALTER TABLE phone_numbers ADD COLUMN voice_url TEXT NOT NULL DEFAULT '';
ALTER TABLE phone_numbers ADD COLUMN voice_method TEXT NOT NULL DEFAULT 'POST';
ALTER TABLE phone_numbers ADD COLUMN voice_fallback_url TEXT NOT NULL DEFAULT '';
ALTER TABLE phone_numbers ADD COLUMN voice_fallback_method TEXT NOT NULL DEFAULT 'POST';
ALTER TABLE phone_numbers ADD COLUMN stop_reply TEXT;
ALTER TABLE phone_numbers ADD COLUMN start_reply TEXT;
ALTER TABLE phone_numbers ADD COLUMN help_reply TEXT;

-- Outgoing webhooks, durable: a row per request to make. `incoming` rows
-- carry an inbound message to its number's sms_url; `status` rows report a
-- message's status change to its StatusCallback. Rows of one message are
-- delivered in id order: only the lowest pending row of a message is due.
CREATE TABLE webhooks (
    id BIGSERIAL PRIMARY KEY,
    kind TEXT NOT NULL,
    account_sid TEXT NOT NULL,
    message_seq BIGINT NOT NULL,
    url TEXT NOT NULL,
    method TEXT NOT NULL,
    fallback_url TEXT NOT NULL DEFAULT '',
    fallback_method TEXT NOT NULL DEFAULT 'POST',
    status TEXT NOT NULL,
    error_code INTEGER,
    error_message TEXT,
    created_at BIGINT NOT NULL,
    due_at BIGINT NOT NULL,
    attempts INTEGER NOT NULL DEFAULT 0,
    state TEXT NOT NULL DEFAULT 'pending',
    last_error TEXT,
    response_code INTEGER,
    finished_at BIGINT
);
CREATE INDEX webhooks_due ON webhooks(due_at) WHERE state = 'pending';
CREATE INDEX webhooks_message ON webhooks(message_seq, id) WHERE state = 'pending';
CREATE INDEX webhooks_account ON webhooks(account_sid, id);

-- Enqueued by triggers in the transaction that changes the message, so no
-- code path can forget one and none is enqueued for a change rolled back.
-- The initial status gets no callback; a retry's way back to `queued` and
-- its second `sending` are not reported (Twilio reports one `sending`).
CREATE FUNCTION webhooks_on_status() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF NEW.status <> OLD.status
       AND COALESCE(NEW.status_callback, '') <> ''
       AND (NEW.status IN ('sent', 'delivered', 'undelivered', 'failed', 'canceled', 'read')
            OR (NEW.status = 'sending' AND NEW.attempts = 1)) THEN
        INSERT INTO webhooks (kind, account_sid, message_seq, url, method, status, error_code, error_message, created_at, due_at)
        VALUES ('status', NEW.account_sid, NEW.seq, NEW.status_callback, 'POST', NEW.status,
                NEW.error_code, NEW.error_message, NEW.date_updated, NEW.date_updated);
    END IF;
    RETURN NULL;
END $$;
CREATE TRIGGER webhooks_on_status AFTER UPDATE OF status ON messages
    FOR EACH ROW EXECUTE FUNCTION webhooks_on_status();

CREATE FUNCTION webhooks_on_inbound() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF NEW.direction = 'inbound' THEN
        INSERT INTO webhooks (kind, account_sid, message_seq, url, method, fallback_url, fallback_method, status, created_at, due_at)
        SELECT 'incoming', NEW.account_sid, NEW.seq, p.sms_url, p.sms_method, p.sms_fallback_url, p.sms_fallback_method,
               NEW.status, NEW.date_created, NEW.date_created
        FROM phone_numbers p
        WHERE p.phone_number = NEW.to_addr AND p.account_sid = NEW.account_sid
          AND (p.sms_url <> '' OR p.sms_fallback_url <> '');
    END IF;
    RETURN NULL;
END $$;
CREATE TRIGGER webhooks_on_inbound AFTER INSERT ON messages
    FOR EACH ROW EXECUTE FUNCTION webhooks_on_inbound();

-- Recipients who opted out of a sender (STOP), per (account, sender, recipient).
CREATE TABLE opt_outs (
    account_sid TEXT NOT NULL,
    sender TEXT NOT NULL,
    recipient TEXT NOT NULL,
    date_created BIGINT NOT NULL,
    PRIMARY KEY (account_sid, sender, recipient)
);
