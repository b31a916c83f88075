-- Each queue entry knows its sender, so a sender's backlog can be capped.
ALTER TABLE queue ADD COLUMN sender TEXT NOT NULL DEFAULT '';
UPDATE queue SET sender = COALESCE((SELECT m.from_addr FROM messages m WHERE m.seq = queue.message_seq), '');
CREATE INDEX queue_sender ON queue(sender) WHERE phase = 'submit';
