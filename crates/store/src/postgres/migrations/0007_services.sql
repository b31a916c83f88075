-- Messaging Services: a pool of the account's numbers, with sticky senders.
CREATE TABLE messaging_services (
    sid TEXT PRIMARY KEY,
    account_sid TEXT NOT NULL,
    friendly_name TEXT NOT NULL,
    inbound_request_url TEXT NOT NULL DEFAULT '',
    inbound_method TEXT NOT NULL DEFAULT 'POST',
    fallback_url TEXT NOT NULL DEFAULT '',
    fallback_method TEXT NOT NULL DEFAULT 'POST',
    status_callback TEXT NOT NULL DEFAULT '',
    sticky_sender BOOLEAN NOT NULL DEFAULT TRUE,
    use_inbound_webhook_on_number BOOLEAN NOT NULL DEFAULT FALSE,
    date_created BIGINT NOT NULL,
    date_updated BIGINT NOT NULL
);
CREATE INDEX messaging_services_account ON messaging_services(account_sid, date_created);

CREATE TABLE service_numbers (
    service_sid TEXT NOT NULL,
    number_sid TEXT NOT NULL UNIQUE,
    phone_number TEXT NOT NULL,
    date_created BIGINT NOT NULL,
    PRIMARY KEY (service_sid, number_sid)
);

CREATE TABLE sticky_senders (
    service_sid TEXT NOT NULL,
    recipient TEXT NOT NULL,
    sender TEXT NOT NULL,
    PRIMARY KEY (service_sid, recipient)
);
