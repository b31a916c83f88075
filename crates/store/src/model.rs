//! Records exchanged with the store. Plain data; no wire formats.

use switchboard_domain::clock::Millis;
use switchboard_domain::ids::{AccountSid, ApiKeySid, MessageSid, PhoneNumberSid};
use switchboard_domain::message::{DeliveryOutcome, Direction, MessageStatus};

#[derive(Debug, Clone)]
pub struct NewAccount {
    pub sid: AccountSid,
    pub friendly_name: String,
    /// The auth token sealed with the master key (AEAD); the store never sees it in clear.
    pub auth_token_sealed: Vec<u8>,
    pub now: Millis,
}

#[derive(Debug, Clone)]
pub struct AccountRecord {
    pub sid: AccountSid,
    pub friendly_name: String,
    pub status: String,
    pub auth_token_sealed: Vec<u8>,
    pub date_created: Millis,
    pub date_updated: Millis,
}

#[derive(Debug, Clone)]
pub struct NewApiKey {
    pub sid: ApiKeySid,
    pub account_sid: AccountSid,
    pub friendly_name: String,
    /// A keyed hash of the secret; the secret itself is never stored.
    pub secret_hash: Vec<u8>,
    pub now: Millis,
}

#[derive(Debug, Clone)]
pub struct ApiKeyRecord {
    pub sid: ApiKeySid,
    pub account_sid: AccountSid,
    pub friendly_name: String,
    pub secret_hash: Vec<u8>,
    pub date_created: Millis,
}

#[derive(Debug, Clone)]
pub struct NewMessage {
    pub sid: MessageSid,
    pub account_sid: AccountSid,
    pub direction: Direction,
    pub status: MessageStatus,
    pub to: String,
    pub from: String,
    pub body: String,
    pub num_segments: u32,
    pub media_urls: Vec<String>,
    pub encoding: String,
    pub messaging_service_sid: Option<String>,
    pub status_callback: Option<String>,
    pub validity_secs: Option<u32>,
    pub now: Millis,
    /// When the first delivery attempt is due (only for `queued`).
    pub due_at: Millis,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MessageRecord {
    /// Insertion order; the keyset cursor for listing.
    pub seq: i64,
    pub sid: MessageSid,
    pub account_sid: AccountSid,
    pub direction: Direction,
    pub status: MessageStatus,
    pub to: String,
    pub from: String,
    pub body: String,
    pub num_segments: u32,
    pub media_urls: Vec<String>,
    pub messaging_service_sid: Option<String>,
    pub status_callback: Option<String>,
    pub error_code: Option<u32>,
    pub error_message: Option<String>,
    pub price: Option<String>,
    pub price_unit: Option<String>,
    pub carrier_ref: Option<String>,
    pub attempts: u32,
    pub date_created: Millis,
    pub date_updated: Millis,
    pub date_sent: Option<Millis>,
}

impl MessageRecord {
    /// The record of a freshly inserted message.
    pub fn stored(m: NewMessage, seq: i64) -> Self {
        Self {
            seq,
            sid: m.sid,
            account_sid: m.account_sid,
            direction: m.direction,
            status: m.status,
            to: m.to,
            from: m.from,
            body: m.body,
            num_segments: m.num_segments,
            media_urls: m.media_urls,
            messaging_service_sid: m.messaging_service_sid,
            status_callback: m.status_callback,
            error_code: None,
            error_message: None,
            price: None,
            price_unit: None,
            carrier_ref: None,
            attempts: 0,
            date_created: m.now,
            date_updated: m.now,
            date_sent: None,
        }
    }
}

/// Filters for listing; all optional, combined with AND.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct MessageFilter {
    pub to: Option<String>,
    pub from: Option<String>,
    /// `date_sent >= sent_from`
    pub sent_from: Option<Millis>,
    /// `date_sent < sent_until`
    pub sent_until: Option<Millis>,
    /// Only messages older than this cursor.
    pub before_seq: Option<i64>,
}

#[derive(Debug, Clone)]
pub enum CancelResult {
    Canceled(Box<MessageRecord>),
    NotCancelable(MessageStatus),
    NotFound,
}

/// What a queue entry is waiting for.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Phase {
    /// To be handed to a carrier.
    Submit,
    /// Handed over; waiting for delivery receipts for these parts.
    AwaitReceipt { carrier_refs: Vec<String> },
}

/// A leased queue entry with what the pipeline needs to act on it.
#[derive(Debug, Clone)]
pub struct Claimed {
    pub sid: MessageSid,
    pub account_sid: AccountSid,
    pub to: String,
    pub from: String,
    pub body: String,
    pub encoding: String,
    /// Submission attempts including this one (for `Submit`).
    pub attempts: u32,
    pub date_created: Millis,
    pub validity_secs: Option<u32>,
    pub phase: Phase,
    /// The end of this claim's lease, also its fencing token: updates recorded
    /// with it apply only while no one else has claimed the entry since.
    pub lease_until: Millis,
}

/// The result of acting on a claimed entry.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum QueueUpdate {
    /// The carrier accepted it (one reference per part): `sent`, then wait for
    /// receipts until `receipt_due`. The message is final once every part is.
    Sent {
        sid: MessageSid,
        carrier_refs: Vec<String>,
        receipt_due: Millis,
    },
    /// Try again at `due_at`; the message goes back to `queued`.
    Retry {
        sid: MessageSid,
        due_at: Millis,
        error: Option<(u32, String)>,
    },
    /// A final outcome; the entry leaves the queue.
    Finish {
        sid: MessageSid,
        outcome: DeliveryOutcome,
    },
    /// Stop waiting for a receipt; the message stays `sent` (as Twilio leaves it).
    StopWaiting { sid: MessageSid },
}

/// A delivery receipt for one part, matched by carrier reference. A message is
/// `delivered` when all its parts are; otherwise it takes the first failed part's
/// status and error.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Receipt {
    pub carrier_ref: String,
    pub outcome: DeliveryOutcome,
}

#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct ReceiptStats {
    pub matched: u64,
    pub orphaned: u64,
}

#[derive(Debug, Clone)]
pub struct NewNumber {
    pub sid: PhoneNumberSid,
    pub account_sid: AccountSid,
    /// E.164.
    pub phone_number: String,
    pub friendly_name: String,
    pub now: Millis,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NumberRecord {
    pub sid: PhoneNumberSid,
    pub account_sid: AccountSid,
    pub phone_number: String,
    pub friendly_name: String,
    pub date_created: Millis,
    pub date_updated: Millis,
}
