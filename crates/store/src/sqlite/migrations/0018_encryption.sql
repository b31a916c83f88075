-- Encryption at rest (docs/encryption.md). Each account's data key, stored only wrapped
-- (sealed under a key derived from the installation's master key). Deleting the row
-- destroys the account's data (crypto-shredding).
CREATE TABLE account_keys (
    account_sid TEXT PRIMARY KEY,
    wrapped BLOB NOT NULL
);

-- phone_numbers.phone_number is encrypted under the installation's key (inbound routing
-- looks a number up across accounts); account_number holds the same number as the
-- account's messages store it (under the account's key), for the inbound trigger.
-- Rows written before encryption hold the plaintext in both.
ALTER TABLE phone_numbers ADD COLUMN account_number TEXT NOT NULL DEFAULT '';
UPDATE phone_numbers SET account_number = phone_number;
CREATE INDEX phone_numbers_account_number ON phone_numbers(account_sid, account_number);

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
    WHERE p.account_number = NEW.to_addr AND p.account_sid = NEW.account_sid
      AND (p.sms_url <> '' OR p.sms_fallback_url <> ''
           OR (s.sid IS NOT NULL AND NOT s.use_inbound_webhook_on_number AND s.inbound_request_url <> ''));
END;
