-- Each queue entry knows its account, so claims can be fair between accounts
-- (one account's backlog does not hold another's messages back).
ALTER TABLE queue ADD COLUMN account_sid TEXT NOT NULL DEFAULT '';
UPDATE queue SET account_sid = COALESCE((SELECT m.account_sid FROM messages m WHERE m.seq = queue.message_seq), '');
CREATE INDEX queue_account_due ON queue(account_sid, due_at);
