-- Only the rows the shield trigger acts on call its function: refused
-- outbound messages and flagged or blocked inbound ones (as SQLite's
-- triggers already say in their WHEN clauses), not every insert.
DROP TRIGGER webhooks_on_shield ON messages;
CREATE TRIGGER webhooks_on_shield AFTER INSERT ON messages
    FOR EACH ROW
    WHEN ((NEW.direction <> 'inbound' AND NEW.status = 'failed')
          OR (NEW.direction = 'inbound' AND NEW.shield_verdict IN ('flag', 'block')))
    EXECUTE FUNCTION webhooks_on_insert_shield();
