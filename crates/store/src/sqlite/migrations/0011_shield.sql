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
    date_updated INTEGER NOT NULL
);

-- An outbound message refused before sending (30007, filtered) is stored
-- `failed`: its status callback reports that, like any later failure.
CREATE TRIGGER webhooks_on_refused AFTER INSERT ON messages
WHEN NEW.direction <> 'inbound' AND NEW.status = 'failed'
 AND NEW.status_callback IS NOT NULL AND NEW.status_callback <> ''
BEGIN
    INSERT INTO webhooks (kind, account_sid, message_seq, url, method, status, error_code, error_message,
                          created_at, due_at)
    VALUES ('status', NEW.account_sid, NEW.seq, NEW.status_callback, 'POST', NEW.status,
            NEW.error_code, NEW.error_message, NEW.date_created, NEW.date_created);
END;

-- An inbound message the shield flagged or blocked is reported to the
-- account's alert URL (its own row kind, ordered only among alerts).
CREATE TRIGGER webhooks_on_shield_alert AFTER INSERT ON messages
WHEN NEW.direction = 'inbound' AND NEW.shield_verdict IN ('flag', 'block')
BEGIN
    INSERT INTO webhooks (kind, account_sid, message_seq, url, method, status, created_at, due_at)
    SELECT 'alert', NEW.account_sid, NEW.seq, s.alert_url, 'POST', NEW.status, NEW.date_created, NEW.date_created
    FROM shield_settings s WHERE s.account_sid = NEW.account_sid AND s.alert_url <> '';
END;
