//! Records exchanged with the store. Plain data; no wire formats.

use switchboard_domain::clock::Millis;
use switchboard_domain::ids::{AccountSid, ApiKeySid, MessageSid, PhoneNumberSid};
use switchboard_domain::message::{DeliveryOutcome, Direction, MessageStatus};
use switchboard_domain::scopes::ScopeSet;

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
    /// What the key may do (already resolved: a standard key arrives as `ScopeSet::standard()`).
    pub scopes: ScopeSet,
    pub now: Millis,
}

#[derive(Debug, Clone)]
pub struct ApiKeyRecord {
    pub sid: ApiKeySid,
    pub account_sid: AccountSid,
    pub friendly_name: String,
    pub secret_hash: Vec<u8>,
    /// What the key may do. Keys stored before scopes existed read as standard keys.
    pub scopes: ScopeSet,
    pub date_created: Millis,
    pub date_updated: Millis,
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
    /// Why a message is stored already `failed` (e.g. 30007, filtered by the shield).
    pub error_code: Option<u32>,
    pub error_message: Option<String>,
    /// The smishing shield's verdict, when the message was screened.
    pub shield: Option<ShieldRecord>,
}

/// The smishing shield's verdict on one message, stored with it.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct ShieldRecord {
    /// `allow`, `flag` or `block`.
    pub verdict: String,
    /// 0–100.
    pub score: u32,
    /// Human-readable reasons, in the order the signals fired.
    pub reasons: Vec<String>,
}

/// An account's shield settings (`/v1/Shield/Settings`).
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct ShieldSettings {
    /// The enterprise's own names, protected like built-in brands.
    pub protected_names: Vec<String>,
    /// Its genuine registrable domains (allow-listed).
    pub protected_domains: Vec<String>,
    /// Where inbound messages the shield flags or blocks are reported (empty = nowhere).
    pub alert_url: String,
    pub flag_threshold: Option<u32>,
    pub block_threshold: Option<u32>,
    pub date_updated: Millis,
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
    pub shield: Option<ShieldRecord>,
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
            error_code: m.error_code,
            error_message: m.error_message,
            price: None,
            price_unit: None,
            carrier_ref: None,
            attempts: 0,
            date_created: m.now,
            date_updated: m.now,
            date_sent: None,
            shield: m.shield,
        }
    }
}

/// Filters for listing; all optional, combined with AND.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct MessageFilter {
    pub to: Option<String>,
    pub from: Option<String>,
    /// Only messages in this status (the console's log; Twilio's API has no such filter).
    pub status: Option<MessageStatus>,
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
    /// Not sent yet by choice (its sender's rate): back to `queued` until
    /// `due_at`, and the claim does not count as an attempt.
    Defer { sid: MessageSid, due_at: Millis },
}

/// A delivery receipt for one part, matched by carrier reference. A message is
/// `delivered` when all its parts are; otherwise it takes the first failed part's
/// status and error.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Receipt {
    pub carrier_ref: String,
    pub outcome: DeliveryOutcome,
    /// The receipt's `done date` as the carrier wrote it (`YYMMDDhhmm`),
    /// reported to status callbacks as `RawDlrDoneDate`.
    pub done_date: Option<String>,
}

#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct ReceiptStats {
    pub matched: u64,
    pub orphaned: u64,
}

/// A number's webhook settings (Twilio's IncomingPhoneNumber fields; `""` = unset)
/// and its replies to opt-out keywords (`None`: the default text, `Some("")`: none).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NumberConfig {
    pub sms_url: String,
    pub sms_method: String,
    pub sms_fallback_url: String,
    pub sms_fallback_method: String,
    pub status_callback: String,
    pub status_callback_method: String,
    pub voice_url: String,
    pub voice_method: String,
    pub voice_fallback_url: String,
    pub voice_fallback_method: String,
    pub stop_reply: Option<String>,
    pub start_reply: Option<String>,
    pub help_reply: Option<String>,
}

impl Default for NumberConfig {
    fn default() -> Self {
        let post = || "POST".to_owned();
        Self {
            sms_url: String::new(),
            sms_method: post(),
            sms_fallback_url: String::new(),
            sms_fallback_method: post(),
            status_callback: String::new(),
            status_callback_method: post(),
            voice_url: String::new(),
            voice_method: post(),
            voice_fallback_url: String::new(),
            voice_fallback_method: post(),
            stop_reply: None,
            start_reply: None,
            help_reply: None,
        }
    }
}

#[derive(Debug, Clone)]
pub struct NewNumber {
    pub sid: PhoneNumberSid,
    pub account_sid: AccountSid,
    /// E.164.
    pub phone_number: String,
    pub friendly_name: String,
    pub config: NumberConfig,
    pub now: Millis,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NumberRecord {
    pub sid: PhoneNumberSid,
    pub account_sid: AccountSid,
    pub phone_number: String,
    pub friendly_name: String,
    pub config: NumberConfig,
    pub date_created: Millis,
    pub date_updated: Millis,
}

/// A recipient's opt-out from one sender of an account.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OptOutRecord {
    pub account_sid: AccountSid,
    pub sender: String,
    pub recipient: String,
    pub date_created: Millis,
}

/// What a webhook row carries.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum WebhookKind {
    /// An inbound message for its number's `sms_url`; the answer is TwiML.
    Incoming,
    /// A message status change for its `StatusCallback`.
    Status,
    /// An inbound message the smishing shield flagged or blocked, for the account's alert URL.
    /// Ordered only among alerts: a down alert receiver never holds up the message's webhooks.
    Alert,
}

impl WebhookKind {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Incoming => "incoming",
            Self::Status => "status",
            Self::Alert => "alert",
        }
    }
    pub fn parse(s: &str) -> Option<Self> {
        match s {
            "incoming" => Some(Self::Incoming),
            "status" => Some(Self::Status),
            "alert" => Some(Self::Alert),
            _ => None,
        }
    }
}

/// Where a webhook row stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum WebhookState {
    Pending,
    Delivered,
    /// Given up after its attempts.
    Failed,
    /// Never sent: the destination is not allowed (e.g. a private address).
    Refused,
}

impl WebhookState {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Pending => "pending",
            Self::Delivered => "delivered",
            Self::Failed => "failed",
            Self::Refused => "refused",
        }
    }
    pub fn parse(s: &str) -> Option<Self> {
        match s {
            "pending" => Some(Self::Pending),
            "delivered" => Some(Self::Delivered),
            "failed" => Some(Self::Failed),
            "refused" => Some(Self::Refused),
            _ => None,
        }
    }
}

/// A webhook row, with the message it is about.
#[derive(Debug, Clone)]
pub struct WebhookRecord {
    pub id: i64,
    pub kind: WebhookKind,
    pub url: String,
    pub method: String,
    pub fallback_url: String,
    pub fallback_method: String,
    /// The message status this row reports (status rows) or had (incoming rows).
    pub status: MessageStatus,
    pub error_code: Option<u32>,
    pub error_message: Option<String>,
    /// The carrier's receipt done date (status rows of final statuses).
    pub raw_dlr_done_date: Option<String>,
    pub created_at: Millis,
    /// Attempts so far, counting the current claim.
    pub attempts: u32,
    pub state: WebhookState,
    pub last_error: Option<String>,
    pub response_code: Option<u16>,
    pub message: MessageRecord,
}

/// How one webhook attempt ended.
#[derive(Debug, Clone)]
pub enum WebhookOutcome {
    /// Done: delivered, or given up / refused, with the messages its answer
    /// asked for (TwiML replies), stored in the same transaction.
    Finish {
        state: WebhookState,
        response_code: Option<u16>,
        error: Option<String>,
        replies: Vec<NewMessage>,
        /// Recorded on the message itself (an inbound message whose TwiML
        /// answer could not be executed), readable through the API.
        message_error: Option<(u32, String)>,
    },
    /// Try again at `due_at`.
    Retry {
        due_at: Millis,
        response_code: Option<u16>,
        error: String,
    },
}

/// An `Idempotency-Key` with what identifies the request it came with.
#[derive(Debug, Clone)]
pub struct IdempotencyKey {
    pub key: String,
    /// A digest of the request's parameters.
    pub request_hash: String,
    /// Keys recorded before this are forgotten (24 h in the API).
    pub not_before: Millis,
}

/// What an idempotent insert did.
#[derive(Debug, Clone)]
pub enum Idempotent {
    Created(MessageRecord),
    /// The key was used before with the same parameters: that message.
    Replayed(MessageRecord),
    /// The key was used before with other parameters.
    Mismatch,
}

/// A Messaging Service's settings (Twilio's field names; `""` = unset).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ServiceConfig {
    pub friendly_name: String,
    pub inbound_request_url: String,
    pub inbound_method: String,
    pub fallback_url: String,
    pub fallback_method: String,
    pub status_callback: String,
    pub sticky_sender: bool,
    pub use_inbound_webhook_on_number: bool,
}

impl Default for ServiceConfig {
    fn default() -> Self {
        Self {
            friendly_name: String::new(),
            inbound_request_url: String::new(),
            inbound_method: "POST".into(),
            fallback_url: String::new(),
            fallback_method: "POST".into(),
            status_callback: String::new(),
            sticky_sender: true,
            use_inbound_webhook_on_number: false,
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ServiceRecord {
    pub sid: switchboard_domain::ids::ServiceSid,
    pub account_sid: AccountSid,
    pub config: ServiceConfig,
    pub date_created: Millis,
    pub date_updated: Millis,
}

/// A number in a service's sender pool.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ServiceNumber {
    pub service_sid: switchboard_domain::ids::ServiceSid,
    pub number_sid: PhoneNumberSid,
    pub phone_number: String,
    pub date_created: Millis,
}
