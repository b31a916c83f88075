-- One row per part handed to a carrier; receipts are matched here.
CREATE TABLE message_parts (
    message_seq BIGINT NOT NULL,
    part INTEGER NOT NULL,
    carrier_ref TEXT NOT NULL,
    status TEXT,
    error_code INTEGER,
    error_message TEXT,
    PRIMARY KEY (message_seq, part)
);
CREATE UNIQUE INDEX message_parts_ref ON message_parts(carrier_ref);
DROP INDEX messages_carrier_ref;

-- Numbers an account holds on its carriers; inbound messages to them belong to it.
CREATE TABLE phone_numbers (
    sid TEXT PRIMARY KEY,
    account_sid TEXT NOT NULL REFERENCES accounts(sid),
    phone_number TEXT NOT NULL UNIQUE,
    friendly_name TEXT NOT NULL,
    date_created BIGINT NOT NULL,
    date_updated BIGINT NOT NULL
);
CREATE INDEX phone_numbers_account ON phone_numbers(account_sid);
