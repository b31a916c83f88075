-- `sending` is reported once per message, however often it goes back to
-- `queued` (a retry, or a wait for its sender's rate).
CREATE INDEX webhooks_by_message ON webhooks(message_seq, status);
CREATE OR REPLACE FUNCTION webhooks_on_status() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF NEW.status <> OLD.status
       AND COALESCE(NEW.status_callback, '') <> ''
       AND (NEW.status IN ('sent', 'delivered', 'undelivered', 'failed', 'canceled', 'read')
            OR (NEW.status = 'sending'
                AND NOT EXISTS (SELECT 1 FROM webhooks w WHERE w.message_seq = NEW.seq AND w.status = 'sending'))) THEN
        INSERT INTO webhooks (kind, account_sid, message_seq, url, method, status, error_code, error_message,
                              raw_dlr_done_date, created_at, due_at)
        VALUES ('status', NEW.account_sid, NEW.seq, NEW.status_callback, 'POST', NEW.status,
                NEW.error_code, NEW.error_message,
                CASE WHEN NEW.status IN ('delivered', 'undelivered', 'failed') THEN NEW.raw_dlr_done_date END,
                NEW.date_updated, NEW.date_updated);
    END IF;
    RETURN NULL;
END $$;
