-- The smishing shield: its verdict is stored with each screened message, and
-- each account may protect its own names and domains and name an alert URL.
ALTER TABLE messages ADD COLUMN shield_verdict TEXT;
ALTER TABLE messages ADD COLUMN shield_score INTEGER;
ALTER TABLE messages ADD COLUMN shield_reasons TEXT;

CREATE TABLE shield_settings (
    account_sid TEXT PRIMARY KEY,
    protected_names TEXT NOT NULL DEFAULT '[]',
    protected_domains TEXT NOT NULL DEFAULT '[]',
    alert_url TEXT NOT NULL DEFAULT '',
    flag_threshold INTEGER,
    block_threshold INTEGER,
    date_updated BIGINT NOT NULL
);

-- An outbound message refused before sending (30007, filtered) is stored
-- `failed`: its status callback reports that, like any later failure.
-- An inbound message the shield flagged or blocked is reported to the
-- account's alert URL (its own row kind, ordered only among alerts).
CREATE FUNCTION webhooks_on_insert_shield() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF NEW.direction <> 'inbound' AND NEW.status = 'failed' AND COALESCE(NEW.status_callback, '') <> '' THEN
        INSERT INTO webhooks (kind, account_sid, message_seq, url, method, status, error_code, error_message,
                              created_at, due_at)
        VALUES ('status', NEW.account_sid, NEW.seq, NEW.status_callback, 'POST', NEW.status,
                NEW.error_code, NEW.error_message, NEW.date_created, NEW.date_created);
    END IF;
    IF NEW.direction = 'inbound' AND NEW.shield_verdict IN ('flag', 'block') THEN
        INSERT INTO webhooks (kind, account_sid, message_seq, url, method, status, created_at, due_at)
        SELECT 'alert', NEW.account_sid, NEW.seq, s.alert_url, 'POST', NEW.status, NEW.date_created, NEW.date_created
        FROM shield_settings s WHERE s.account_sid = NEW.account_sid AND s.alert_url <> '';
    END IF;
    RETURN NULL;
END $$;
CREATE TRIGGER webhooks_on_shield AFTER INSERT ON messages
    FOR EACH ROW EXECUTE FUNCTION webhooks_on_insert_shield();
