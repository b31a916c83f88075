-- Inbound messages to a number in a Messaging Service go to the service's
-- inbound_request_url (and fallback), unless the service defers to the number.
DROP TRIGGER webhooks_on_inbound;
CREATE TRIGGER webhooks_on_inbound AFTER INSERT ON messages
WHEN NEW.direction = 'inbound'
BEGIN
    INSERT INTO webhooks (kind, account_sid, message_seq, url, method, fallback_url, fallback_method, status, created_at, due_at)
    SELECT 'incoming', NEW.account_sid, NEW.seq,
           CASE WHEN s.sid IS NOT NULL AND NOT s.use_inbound_webhook_on_number AND s.inbound_request_url <> ''
                THEN s.inbound_request_url ELSE p.sms_url END,
           CASE WHEN s.sid IS NOT NULL AND NOT s.use_inbound_webhook_on_number AND s.inbound_request_url <> ''
                THEN s.inbound_method ELSE p.sms_method END,
           CASE WHEN s.sid IS NOT NULL AND NOT s.use_inbound_webhook_on_number AND s.inbound_request_url <> ''
                THEN s.fallback_url ELSE p.sms_fallback_url END,
           CASE WHEN s.sid IS NOT NULL AND NOT s.use_inbound_webhook_on_number AND s.inbound_request_url <> ''
                THEN s.fallback_method ELSE p.sms_fallback_method END,
           NEW.status, NEW.date_created, NEW.date_created
    FROM phone_numbers p
    LEFT JOIN service_numbers sn ON sn.number_sid = p.sid
    LEFT JOIN messaging_services s ON s.sid = sn.service_sid
    WHERE p.phone_number = NEW.to_addr AND p.account_sid = NEW.account_sid
      AND (p.sms_url <> '' OR p.sms_fallback_url <> ''
           OR (s.sid IS NOT NULL AND NOT s.use_inbound_webhook_on_number AND s.inbound_request_url <> ''));
END;
