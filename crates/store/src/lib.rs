//! Persistence for Switchboard behind use-case-level traits.
//!
//! Architecture invariants:
//! - this is the only crate that writes SQL; each dialect has its own `migrations/`;
//! - no driver type (`rusqlite`, later `sqlx`) appears in a public signature;
//! - store methods never read the clock: `now` is always a parameter;
//! - a write that returns `Ok` is committed and fsync'd.
//!
//! Layout:
//! - [`model`]: the records going in and out (`NewMessage`, `MessageRecord`, `Claimed`, …).
//! - [`Error`]: `NotFound`, `Conflict`, `Unavailable`, `Other`.
//! - [`audit`]: audit log entries and the `Chainer` core supplies to append them.
//! - [`sqlite`]: `SqliteStore`, a single writer thread doing group commit plus a reader pool.
//! - `testing` (feature `testing`): the conformance suite every backend must pass.

pub mod audit;
pub mod calls;
pub mod console;
mod crypt;
mod error;
pub mod factors;
mod fair;
pub mod model;
pub mod passkeys;
pub mod postgres;
mod sql;
pub mod sqlite;
#[cfg(feature = "testing")]
pub mod testing;
pub mod verify;

pub use audit::*;
pub use calls::*;
pub use console::*;
pub use crypt::KeyRing;
pub use error::{Error, Result};
pub use factors::*;
pub use model::*;
pub use passkeys::*;
pub use postgres::PgStore;
pub use sqlite::SqliteStore;
pub use verify::*;

use async_trait::async_trait;
use switchboard_domain::call::CallStatus;
use switchboard_domain::clock::Millis;
use switchboard_domain::ids::{
    AccountSid, ApiKeySid, BucketSid, CallSid, ChallengeSid, ConsoleUserSid, FactorSid, MessageSid,
    PhoneNumberSid, RateLimitSid, ServiceSid, VerificationSid, VerifyServiceSid,
};
use switchboard_domain::message::MessageStatus;

/// Accounts and their credentials (auth tokens arrive already encrypted, API key secrets already hashed).
#[async_trait]
pub trait AccountStore: Send + Sync {
    async fn create_account(&self, account: NewAccount) -> Result<()>;
    async fn get_account(&self, sid: &AccountSid) -> Result<Option<AccountRecord>>;
    async fn count_accounts(&self) -> Result<u64>;
    async fn create_api_key(&self, key: NewApiKey) -> Result<()>;
    async fn get_api_key(&self, sid: &ApiKeySid) -> Result<Option<ApiKeyRecord>>;
    /// The account's keys, newest first.
    async fn list_api_keys(&self, account: &AccountSid) -> Result<Vec<ApiKeyRecord>>;
    /// Renames one of the account's keys; `None` if the account holds no such key.
    async fn update_api_key(
        &self,
        account: &AccountSid,
        sid: &ApiKeySid,
        friendly_name: &str,
        now: Millis,
    ) -> Result<Option<ApiKeyRecord>>;
    /// Deletes one of the account's keys (it stops authenticating); false if there was none.
    async fn delete_api_key(&self, account: &AccountSid, sid: &ApiKeySid) -> Result<bool>;
    /// Closes an account, in one transaction: marks it `closed`, destroys its data key
    /// (crypto-shredding: its stored message numbers and bodies can no longer be decrypted,
    /// and reading them returns a "data destroyed" error), drops its queued work and pending
    /// webhooks, and deletes its numbers, opt-outs, Messaging Service pools and Verify rows.
    /// `false` if there is no such account.
    async fn close_account(&self, sid: &AccountSid, now: Millis) -> Result<bool>;
}

/// Messages as the API sees them. Every read is scoped to an account.
#[async_trait]
pub trait MessageStore: Send + Sync {
    /// Stores a message; an outbound `queued` message is enqueued for delivery in
    /// the same transaction. Returns the record as stored.
    async fn insert_message(&self, message: NewMessage) -> Result<MessageRecord>;
    /// Like `insert_message`, under an idempotency key: the first request with
    /// `key.key` (within `key.not_before`) creates the message; later ones get
    /// it back if their `request_hash` is the same, `Mismatch` otherwise.
    /// Concurrent requests with one key create exactly one message.
    async fn insert_message_once(
        &self,
        message: NewMessage,
        key: IdempotencyKey,
    ) -> Result<Idempotent>;
    async fn get_message(
        &self,
        account: &AccountSid,
        sid: &MessageSid,
    ) -> Result<Option<MessageRecord>>;
    /// Newest first; `filter.before_seq` is the keyset cursor.
    async fn list_messages(
        &self,
        account: &AccountSid,
        filter: &MessageFilter,
        limit: u32,
    ) -> Result<Vec<MessageRecord>>;
    /// Empties the body (`Body=""`).
    async fn redact_message(
        &self,
        account: &AccountSid,
        sid: &MessageSid,
        now: Millis,
    ) -> Result<Option<MessageRecord>>;
    /// Cancels a message that no carrier has been handed yet.
    async fn cancel_message(
        &self,
        account: &AccountSid,
        sid: &MessageSid,
        now: Millis,
    ) -> Result<CancelResult>;
    async fn delete_message(&self, account: &AccountSid, sid: &MessageSid) -> Result<bool>;
    async fn status_counts(&self) -> Result<Vec<(MessageStatus, u64)>>;
}

/// The delivery queue: leases, outcomes and receipts.
#[async_trait]
pub trait QueueStore: Send + Sync {
    /// Claims up to `limit` due entries, leasing them until `lease_until`.
    /// Entries whose lease ran out are due again.
    async fn claim_due(&self, now: Millis, limit: u32, lease_until: Millis)
        -> Result<Vec<Claimed>>;
    /// Records what happened to claimed entries, all in one transaction.
    async fn record_updates(&self, now: Millis, updates: Vec<QueueUpdate>) -> Result<()>;
    /// Like `record_updates`, but each update is fenced by its claim's
    /// `lease_until`: an update whose entry was claimed again since (its lease
    /// ran out) is skipped, so a slow node cannot undo a newer claim.
    async fn record_fenced(&self, now: Millis, updates: Vec<(Millis, QueueUpdate)>) -> Result<()>;
    /// Applies delivery receipts by carrier reference; unknown references are kept
    /// as orphans and applied when the matching `Sent` update is recorded.
    async fn apply_receipts(&self, now: Millis, receipts: Vec<Receipt>) -> Result<ReceiptStats>;
    async fn queue_depth(&self) -> Result<u64>;
    /// Messages from `sender` still waiting to be handed to a carrier,
    /// counted up to `cap` (the count stops there).
    async fn queued_from(&self, sender: &str, cap: u64) -> Result<u64>;
    /// Applies kept (orphan) receipts whose part is now known. Covers a receipt
    /// and its `Sent` update committing concurrently, each missing the other.
    async fn settle_orphans(&self, now: Millis) -> Result<u64>;
    /// The earliest `due_at` of any entry, if the queue is not empty.
    async fn next_due(&self) -> Result<Option<Millis>>;
    /// Called once at start-up by the only node using this store: makes every
    /// leased entry due now. Stores shared by several nodes do nothing here and
    /// rely on lease expiry instead.
    async fn recover_leases(&self, now: Millis) -> Result<u64>;
}

/// Phone numbers held by accounts (inbound messages to a number belong to its account).
#[async_trait]
pub trait NumberStore: Send + Sync {
    /// Registers a number; a number belongs to exactly one account (`Conflict` otherwise).
    async fn add_number(&self, number: NewNumber) -> Result<()>;
    /// The record for an E.164 number, whichever account holds it.
    async fn find_number(&self, phone_number: &str) -> Result<Option<NumberRecord>>;
    async fn list_numbers(&self, account: &AccountSid) -> Result<Vec<NumberRecord>>;
    async fn get_number(
        &self,
        account: &AccountSid,
        sid: &PhoneNumberSid,
    ) -> Result<Option<NumberRecord>>;
    /// Replaces the friendly name and settings; `false` if the account holds no such number.
    async fn update_number(
        &self,
        account: &AccountSid,
        sid: &PhoneNumberSid,
        friendly_name: String,
        config: NumberConfig,
        now: Millis,
    ) -> Result<bool>;
    async fn delete_number(&self, account: &AccountSid, sid: &PhoneNumberSid) -> Result<bool>;
}

/// Voice calls: the Calls resource, and what the call engine needs to run them across
/// nodes. Every change of status is a guarded transition (applied only from the statuses
/// given, atomically), so two nodes never both move a call; each one enqueues the status
/// callback the call asked for in the same transaction (webhook rows of kind `call`).
#[async_trait]
pub trait CallStore: Send + Sync {
    /// Stores a new call (`queued` calls are then claimable).
    async fn insert_call(&self, call: NewCall) -> Result<CallRecord>;
    async fn get_call(&self, account: &AccountSid, sid: &CallSid) -> Result<Option<CallRecord>>;
    /// Newest first; `filter.before_seq` is the keyset cursor.
    async fn list_calls(
        &self,
        account: &AccountSid,
        filter: &CallFilter,
        limit: u32,
    ) -> Result<Vec<CallRecord>>;
    /// Deletes a call whatever its status (the caller checks it is final); `false` if none.
    async fn delete_call(&self, account: &AccountSid, sid: &CallSid) -> Result<bool>;
    /// Claims up to `limit` `queued` calls for `node_id` until `now + lease`: calls never
    /// claimed, or whose lease ran out (the node holding them died). No two claimers get
    /// the same call (PostgreSQL: `FOR UPDATE SKIP LOCKED`; SQLite: the single writer).
    /// Oldest first.
    async fn claim_due_calls(
        &self,
        node_id: &str,
        now: Millis,
        lease: Millis,
        limit: u32,
    ) -> Result<Vec<CallRecord>>;
    /// The engine started dialing: enqueues the `initiated` callback if asked for (once;
    /// the call stays `queued`). `false` if the call is not `queued` any more (canceled).
    async fn mark_initiated(&self, sid: &CallSid, now: Millis) -> Result<bool>;
    /// Moves the call to `to` if its status is one of `allowed_from`, setting the patch's
    /// fields, and enqueues the callback of that event if asked for. Returns whether it
    /// applied; `false` means another request or node moved it first.
    async fn transition(
        &self,
        sid: &CallSid,
        allowed_from: &[CallStatus],
        to: CallStatus,
        patch: CallPatch,
        now: Millis,
    ) -> Result<bool>;
    /// Keeps `action` on the call for the engine. A pending cancel or hang-up is never
    /// replaced by a redirect. `false` if there is no such call or it is final.
    async fn request_action(&self, sid: &CallSid, action: CallAction, now: Millis) -> Result<bool>;
    /// Removes and returns the pending action (at most one caller gets it).
    async fn take_action(&self, sid: &CallSid) -> Result<Option<CallAction>>;
    /// Gives up a claim on a call still `queued` (the engine could not dial it now, e.g.
    /// every trunk is full), so the next claim takes it at once.
    async fn release_call(&self, sid: &CallSid) -> Result<()>;
    /// Records a problem met while running the call (e.g. an unknown TwiML verb).
    async fn add_warning(&self, sid: &CallSid, text: &str, now: Millis) -> Result<()>;
    /// Claims up to `limit` due call status callbacks until `lease_until`, counting an
    /// attempt on each; one call's callbacks go out in order. Outcomes are recorded with
    /// [`WebhookStore::record_webhook`].
    async fn claim_call_webhooks(
        &self,
        now: Millis,
        limit: u32,
        lease_until: Millis,
    ) -> Result<Vec<CallWebhook>>;
    /// The callback rows of one call, oldest first.
    async fn list_call_webhooks(
        &self,
        account: &AccountSid,
        sid: &CallSid,
    ) -> Result<Vec<CallWebhook>>;
}

/// Recipients who replied STOP to a sender; they get nothing more from it until START.
#[async_trait]
pub trait OptOutStore: Send + Sync {
    /// Records the opt-out (idempotent).
    async fn opt_out(
        &self,
        account: &AccountSid,
        sender: &str,
        recipient: &str,
        now: Millis,
    ) -> Result<()>;
    /// Removes it; `false` if there was none.
    async fn opt_in(&self, account: &AccountSid, sender: &str, recipient: &str) -> Result<bool>;
    async fn is_opted_out(
        &self,
        account: &AccountSid,
        sender: &str,
        recipient: &str,
    ) -> Result<bool>;
    async fn list_opt_outs(&self, account: &AccountSid) -> Result<Vec<OptOutRecord>>;
}

/// The durable webhook outbox. Rows are written by the store itself, in the
/// transaction that changes a message (status callbacks) or stores an inbound
/// message for a number with an `sms_url`.
#[async_trait]
pub trait WebhookStore: Send + Sync {
    /// Claims up to `limit` due rows until `lease_until`, counting an attempt
    /// on each. Only the oldest pending row of a message is ever due, so one
    /// message's webhooks go out in order, across nodes too.
    async fn claim_webhooks(
        &self,
        now: Millis,
        limit: u32,
        lease_until: Millis,
    ) -> Result<Vec<WebhookRecord>>;
    /// Records how an attempt ended (and stores any replies in the same transaction).
    async fn record_webhook(&self, id: i64, now: Millis, outcome: WebhookOutcome) -> Result<()>;
    /// The webhook rows of one message, oldest first.
    async fn list_webhooks(
        &self,
        account: &AccountSid,
        message: &MessageSid,
    ) -> Result<Vec<WebhookRecord>>;
    /// When the next pending row is due, if any.
    async fn next_webhook_due(&self) -> Result<Option<Millis>>;
}

/// Messaging Services: sender pools with sticky senders.
#[async_trait]
pub trait ServiceStore: Send + Sync {
    async fn create_service(&self, service: ServiceRecord) -> Result<()>;
    async fn get_service(
        &self,
        account: &AccountSid,
        sid: &ServiceSid,
    ) -> Result<Option<ServiceRecord>>;
    async fn list_services(&self, account: &AccountSid) -> Result<Vec<ServiceRecord>>;
    /// `false` if the account has no such service.
    async fn update_service(
        &self,
        account: &AccountSid,
        sid: &ServiceSid,
        config: ServiceConfig,
        now: Millis,
    ) -> Result<bool>;
    /// Deletes the service and releases its numbers.
    async fn delete_service(&self, account: &AccountSid, sid: &ServiceSid) -> Result<bool>;
    /// Adds one of the account's numbers to the pool (`Conflict` if it is in a service already).
    async fn add_service_number(&self, number: ServiceNumber) -> Result<()>;
    async fn list_service_numbers(&self, service: &ServiceSid) -> Result<Vec<ServiceNumber>>;
    async fn remove_service_number(
        &self,
        service: &ServiceSid,
        number: &PhoneNumberSid,
    ) -> Result<bool>;
    /// The sender for `recipient`: with `sticky`, the one it had before if it
    /// is still in the pool, otherwise one chosen from the pool (and, with
    /// `sticky`, remembered). `None` if the pool is empty.
    async fn pick_sender(
        &self,
        service: &ServiceSid,
        recipient: &str,
        sticky: bool,
    ) -> Result<Option<String>>;
    /// The service whose pool holds this number, if any.
    async fn service_of_number(&self, number: &PhoneNumberSid) -> Result<Option<ServiceSid>>;
}

/// The smishing shield's per-account settings.
#[async_trait]
pub trait ShieldStore: Send + Sync {
    async fn get_shield_settings(&self, account: &AccountSid) -> Result<Option<ShieldSettings>>;
    /// Creates or replaces the account's settings.
    async fn put_shield_settings(
        &self,
        account: &AccountSid,
        settings: ShieldSettings,
    ) -> Result<()>;
}

/// Twilio Verify: services and verifications. Every change to a verification is atomic
/// across nodes (a row lock or a single-writer transaction), so send and check limits hold
/// under concurrent requests.
#[async_trait]
pub trait VerifyStore: Send + Sync {
    async fn create_verify_service(&self, service: VerifyServiceRecord) -> Result<()>;
    async fn get_verify_service(
        &self,
        account: &AccountSid,
        sid: &VerifyServiceSid,
    ) -> Result<Option<VerifyServiceRecord>>;
    /// Oldest first.
    async fn list_verify_services(&self, account: &AccountSid) -> Result<Vec<VerifyServiceRecord>>;
    /// `false` if the account has no such service.
    async fn update_verify_service(
        &self,
        account: &AccountSid,
        sid: &VerifyServiceSid,
        config: VerifyServiceConfig,
        now: Millis,
    ) -> Result<bool>;
    /// Deletes the service and its verifications.
    async fn delete_verify_service(
        &self,
        account: &AccountSid,
        sid: &VerifyServiceSid,
    ) -> Result<bool>;
    /// In one transaction: charges `charges` (all or nothing, as
    /// [`RateLimitStore::charge`]; `Limited` if one is full); marks the service's pending
    /// verifications for `new.to` that expired by `new.now` as expired; then adds a send to
    /// the pending one (unless it has `max_sends` already) or, if there is none, stores `new`.
    async fn start_verification(
        &self,
        new: NewVerification,
        max_sends: u32,
        charges: Vec<Charge>,
    ) -> Result<StartOutcome>;
    async fn get_verification(
        &self,
        service: &VerifyServiceSid,
        sid: &VerificationSid,
    ) -> Result<Option<VerificationRecord>>;
    /// The newest verification of the service for `to`, whatever its status.
    async fn find_verification(
        &self,
        service: &VerifyServiceSid,
        to: &str,
    ) -> Result<Option<VerificationRecord>>;
    /// Checks a code, in one transaction: `NotFound` unless the verification is pending and
    /// unexpired at `now` (or already `max_attempts_reached`: `MaxAttempts`); with
    /// `max_checks` already made it becomes `max_attempts_reached` (`MaxAttempts`);
    /// otherwise the check is counted and `candidate` (the keyed hash of the guess) is
    /// compared with the stored hash in constant time: a match approves it.
    async fn check_code(
        &self,
        service: &VerifyServiceSid,
        sid: &VerificationSid,
        candidate: Vec<u8>,
        now: Millis,
        max_checks: u32,
    ) -> Result<CheckSlot>;
    /// Adds a number to the account's safe list (idempotent); returns the entry.
    async fn add_safe_number(&self, entry: SafeNumber) -> Result<SafeNumber>;
    async fn get_safe_number(
        &self,
        account: &AccountSid,
        number: &str,
    ) -> Result<Option<SafeNumber>>;
    async fn remove_safe_number(&self, account: &AccountSid, number: &str) -> Result<bool>;
    async fn record_fraud_event(&self, event: FraudEvent) -> Result<()>;
    /// Newest first, at most `limit`.
    async fn list_fraud_events(
        &self,
        service: &VerifyServiceSid,
        limit: u32,
    ) -> Result<Vec<FraudEvent>>;
    /// Moves a pending verification to `status`; `None` if it was not pending.
    async fn finish_verification(
        &self,
        service: &VerifyServiceSid,
        sid: &VerificationSid,
        status: &str,
        now: Millis,
    ) -> Result<Option<VerificationRecord>>;
}

/// Verify's rate limits and their buckets, and the shared counters that enforce them
/// (GCRA per bucket and value, so a limit holds across nodes).
#[async_trait]
pub trait RateLimitStore: Send + Sync {
    /// `Conflict` if the service already has one with this unique name.
    async fn create_rate_limit(&self, limit: RateLimitRecord) -> Result<()>;
    /// Oldest first.
    async fn list_rate_limits(&self, service: &VerifyServiceSid) -> Result<Vec<RateLimitRecord>>;
    async fn get_rate_limit(
        &self,
        service: &VerifyServiceSid,
        sid: &RateLimitSid,
    ) -> Result<Option<RateLimitRecord>>;
    async fn update_rate_limit(
        &self,
        service: &VerifyServiceSid,
        sid: &RateLimitSid,
        description: String,
        now: Millis,
    ) -> Result<bool>;
    /// Deletes it with its buckets and counters.
    async fn delete_rate_limit(
        &self,
        service: &VerifyServiceSid,
        sid: &RateLimitSid,
    ) -> Result<bool>;
    /// `Conflict` if the rate limit has a bucket with this interval.
    async fn create_bucket(&self, bucket: BucketRecord) -> Result<()>;
    /// Shortest interval first.
    async fn list_buckets(&self, limit: &RateLimitSid) -> Result<Vec<BucketRecord>>;
    async fn get_bucket(
        &self,
        limit: &RateLimitSid,
        sid: &BucketSid,
    ) -> Result<Option<BucketRecord>>;
    /// Sets `max` and `interval_secs`; `Conflict` if another bucket has that interval.
    async fn update_bucket(
        &self,
        limit: &RateLimitSid,
        sid: &BucketSid,
        max: u32,
        interval_secs: u32,
        now: Millis,
    ) -> Result<bool>;
    async fn delete_bucket(&self, limit: &RateLimitSid, sid: &BucketSid) -> Result<bool>;
    /// Charges one request to every bucket in `charges` at `now`, all or nothing, atomically
    /// across nodes: a bucket allows `max` requests at once and then one per
    /// `interval / max` (the generic cell rate algorithm).
    async fn charge(&self, charges: Vec<Charge>, now: Millis) -> Result<ChargeOutcome>;
}

/// Twilio Verify entities, TOTP factors and challenges. Every method is scoped by the
/// Verify service (whose account the caller has already checked) and the entity's
/// identity. Code attempts are atomic across nodes (a row lock or the single writer):
/// a factor's `last_step` only grows, so a code is accepted at most once, and wrong
/// codes are counted without lost updates.
#[async_trait]
pub trait FactorStore: Send + Sync {
    /// Stores `entity` unless the service already has one with its identity; returns the
    /// stored one and whether it was created.
    async fn ensure_entity(&self, entity: EntityRecord) -> Result<(EntityRecord, bool)>;
    async fn get_entity(
        &self,
        service: &VerifyServiceSid,
        identity: &str,
    ) -> Result<Option<EntityRecord>>;
    /// Oldest first.
    async fn list_entities(&self, service: &VerifyServiceSid) -> Result<Vec<EntityRecord>>;
    /// Deletes the entity with its factors and challenges; `false` if there was none.
    async fn delete_entity(&self, service: &VerifyServiceSid, identity: &str) -> Result<bool>;
    /// Stores a new factor (its entity must exist).
    async fn create_factor(&self, factor: FactorRecord) -> Result<()>;
    async fn get_factor(
        &self,
        service: &VerifyServiceSid,
        identity: &str,
        sid: &FactorSid,
    ) -> Result<Option<FactorRecord>>;
    /// Oldest first.
    async fn list_factors(
        &self,
        service: &VerifyServiceSid,
        identity: &str,
    ) -> Result<Vec<FactorRecord>>;
    /// Deletes the factor and its challenges; `false` if there was none.
    async fn delete_factor(
        &self,
        service: &VerifyServiceSid,
        identity: &str,
        sid: &FactorSid,
    ) -> Result<bool>;
    /// First verification of an unverified factor: `Locked` once it has `max_failures`
    /// wrong codes; a `Step` later than `last_step` verifies it (and becomes `last_step`);
    /// anything else counts a failure. A verified factor is `Unchanged`.
    async fn verify_factor(
        &self,
        service: &VerifyServiceSid,
        identity: &str,
        sid: &FactorSid,
        answer: Answer,
        now: Millis,
        max_failures: u32,
    ) -> Result<Attempt<FactorRecord>>;
    /// Stores a pending challenge of its factor and, with an answer, decides it at once
    /// as [`FactorStore::answer_challenge`] would (an accepted step moves the factor's
    /// `last_step`). `None` if the factor does not exist.
    async fn create_challenge(
        &self,
        challenge: ChallengeRecord,
        answer: Option<Answer>,
    ) -> Result<Option<ChallengeRecord>>;
    /// A code for a pending challenge: `Expired` past its expiration date; `Locked` once it
    /// has `max_failures` wrong codes; a `Step` later than the factor's `last_step`
    /// approves it (and becomes `last_step`); anything else counts a failure.
    async fn answer_challenge(
        &self,
        service: &VerifyServiceSid,
        identity: &str,
        sid: &ChallengeSid,
        answer: Answer,
        now: Millis,
        max_failures: u32,
    ) -> Result<Attempt<ChallengeRecord>>;
    async fn get_challenge(
        &self,
        service: &VerifyServiceSid,
        identity: &str,
        sid: &ChallengeSid,
    ) -> Result<Option<ChallengeRecord>>;
    /// Oldest first.
    async fn list_challenges(
        &self,
        service: &VerifyServiceSid,
        identity: &str,
    ) -> Result<Vec<ChallengeRecord>>;
}

/// The Verify passkeys factor: factors (credentials) and open ceremonies. A ceremony is
/// taken atomically, so each challenge is finished at most once across all nodes.
#[async_trait]
pub trait PasskeyStore: Send + Sync {
    /// Stores an unverified factor and its registration ceremony, in one transaction.
    async fn create_passkey_factor(
        &self,
        factor: PasskeyFactorRecord,
        ceremony: PasskeyCeremony,
    ) -> Result<()>;
    async fn get_passkey_factor(
        &self,
        service: &VerifyServiceSid,
        sid: &FactorSid,
    ) -> Result<Option<PasskeyFactorRecord>>;
    /// The service's factors for `identity`, oldest first.
    async fn list_passkey_factors(
        &self,
        service: &VerifyServiceSid,
        identity: &str,
    ) -> Result<Vec<PasskeyFactorRecord>>;
    /// The verified factor holding the credential `credential_id`.
    async fn find_passkey_credential(
        &self,
        service: &VerifyServiceSid,
        credential_id: &[u8],
    ) -> Result<Option<PasskeyFactorRecord>>;
    /// Stores a sign-in ceremony; drops the service's ceremonies that expired by `now`.
    async fn put_passkey_ceremony(&self, ceremony: PasskeyCeremony, now: Millis) -> Result<()>;
    /// Removes the ceremony with this challenge and returns it, unless it expired by `now`
    /// (an expired one is removed too). At most one caller gets a given ceremony.
    async fn take_passkey_ceremony(
        &self,
        service: &VerifyServiceSid,
        challenge: &str,
        now: Millis,
    ) -> Result<Option<PasskeyCeremony>>;
    /// Moves an unverified factor to verified with `credential`, unless the service already
    /// has a credential with that id.
    async fn verify_passkey_factor(
        &self,
        service: &VerifyServiceSid,
        sid: &FactorSid,
        credential: PasskeyCredential,
        now: Millis,
    ) -> Result<RegisterOutcome>;
    /// Writes back a verified factor's dynamic state after a sign-in; `false` if none.
    async fn update_passkey_dynamic_state(
        &self,
        service: &VerifyServiceSid,
        sid: &FactorSid,
        dynamic_state: Vec<u8>,
        now: Millis,
    ) -> Result<bool>;
}

/// The web console and the operator plane: users, keys, invites, ceremonies, sessions and
/// support grants. Invites and ceremonies are taken atomically, so each is used at most
/// once across all nodes.
#[async_trait]
pub trait ConsoleStore: Send + Sync {
    async fn create_console_invite(&self, invite: ConsoleInvite) -> Result<()>;
    /// The invite, if unused and not expired by `now` (does not use it up).
    async fn get_console_invite(
        &self,
        token_hash: &[u8],
        now: Millis,
    ) -> Result<Option<ConsoleInvite>>;
    /// In one transaction: uses up the invite (unless used or expired by `now`), creates
    /// `user` and stores its first `credential`.
    async fn redeem_console_invite(
        &self,
        token_hash: &[u8],
        user: ConsoleUser,
        credential: ConsoleCredential,
        now: Millis,
    ) -> Result<RedeemOutcome>;
    async fn get_console_user(&self, sid: &ConsoleUserSid) -> Result<Option<ConsoleUser>>;
    async fn get_console_user_by_handle(&self, handle: &[u8]) -> Result<Option<ConsoleUser>>;
    /// Users of a realm (and of `account`, when given), oldest first.
    async fn list_console_users(
        &self,
        realm: &str,
        account: Option<&AccountSid>,
    ) -> Result<Vec<ConsoleUser>>;
    /// Sets role and status; `false` if no such user.
    async fn update_console_user(
        &self,
        sid: &ConsoleUserSid,
        role: &str,
        status: &str,
        now: Millis,
    ) -> Result<bool>;
    /// Adds a key to an existing user; `false` if a credential with that id exists.
    async fn add_console_credential(&self, credential: ConsoleCredential) -> Result<bool>;
    /// The credential with this id (any user).
    async fn get_console_credential(&self, id: &[u8]) -> Result<Option<ConsoleCredential>>;
    /// A user's keys, oldest first.
    async fn list_console_credentials(
        &self,
        user: &ConsoleUserSid,
    ) -> Result<Vec<ConsoleCredential>>;
    /// Writes back the dynamic state after a sign-in and sets `last_used`; `false` if none.
    async fn update_console_credential(
        &self,
        id: &[u8],
        dynamic_state: Vec<u8>,
        now: Millis,
    ) -> Result<bool>;
    /// Stores a ceremony; drops ceremonies that expired by `now`.
    async fn put_console_ceremony(&self, ceremony: ConsoleCeremony, now: Millis) -> Result<()>;
    /// Removes and returns the ceremony, unless it expired by `now` (removed too). At most
    /// one caller gets a given ceremony.
    async fn take_console_ceremony(
        &self,
        challenge: &str,
        now: Millis,
    ) -> Result<Option<ConsoleCeremony>>;
    /// Stores a session; drops sessions that expired by `now`.
    async fn create_console_session(&self, session: ConsoleSession, now: Millis) -> Result<()>;
    /// The session, unless it expired by `now`.
    async fn get_console_session(
        &self,
        id_hash: &[u8],
        now: Millis,
    ) -> Result<Option<ConsoleSession>>;
    /// Records a fresh assertion; `false` if no such session.
    async fn set_console_session_fresh(&self, id_hash: &[u8], at: Millis) -> Result<bool>;
    async fn delete_console_session(&self, id_hash: &[u8]) -> Result<()>;
    /// Ends every session of a user (role change, disable, recovery); returns how many.
    async fn delete_console_sessions_of(&self, user: &ConsoleUserSid) -> Result<u64>;
    /// Stores a grant and returns it with its id.
    async fn create_support_grant(&self, grant: SupportGrant) -> Result<SupportGrant>;
    /// The account's grant that is neither revoked nor expired at `now` (latest expiry).
    async fn active_support_grant(
        &self,
        account: &AccountSid,
        now: Millis,
    ) -> Result<Option<SupportGrant>>;
    /// The account's grants, newest first.
    async fn list_support_grants(&self, account: &AccountSid) -> Result<Vec<SupportGrant>>;
    /// Ends a grant early; `false` if no such unrevoked grant of that account.
    async fn revoke_support_grant(
        &self,
        account: &AccountSid,
        id: i64,
        now: Millis,
    ) -> Result<bool>;
}

/// Read models for the console: per-account message counts over time, the shield's
/// flagged/blocked queue and the webhook delivery log (with a manual retry).
#[async_trait]
pub trait ConsoleViewStore: Send + Sync {
    /// Messages of `account` created at or after `since`, counted per `bucket_ms` window
    /// (bucket = window start) and status, oldest window first.
    async fn message_counts(
        &self,
        account: &AccountSid,
        since: Millis,
        bucket_ms: Millis,
    ) -> Result<Vec<StatusCount>>;
    /// Messages the shield flagged or blocked, newest first, older than `before_seq`.
    async fn shield_queue(
        &self,
        account: &AccountSid,
        before_seq: Option<i64>,
        limit: u32,
    ) -> Result<Vec<QueuedVerdict>>;
    /// The account's webhook deliveries, newest first, older than `before_id`.
    async fn webhook_log(
        &self,
        account: &AccountSid,
        before_id: Option<i64>,
        limit: u32,
    ) -> Result<Vec<WebhookLogEntry>>;
    /// Makes a finished (failed or given-up) webhook of the account due again at `now`
    /// with a fresh attempt count; `false` if no such finished row.
    async fn retry_webhook(&self, account: &AccountSid, id: i64, now: Millis) -> Result<bool>;
    /// Every account's metadata (no credentials), oldest first, for the operator plane.
    async fn list_accounts(&self) -> Result<Vec<AccountSummary>>;
}

/// The tamper-evident audit log: one hash chain for the installation (see [`audit`]).
#[async_trait]
pub trait AuditStore: Send + Sync {
    /// Appends `entry` as the chain's next link, in one transaction that no other append
    /// (from any node) interleaves with: reads the head, sets `seq` to the head's plus one
    /// (1 for the first entry) and `prev_hash` to the head's `hash` (empty for the first),
    /// sets `hash` to `chainer(&entry)`, and inserts it. Returns the stored entry.
    async fn append_audit(&self, entry: NewAuditEntry, chainer: Chainer) -> Result<AuditEntry>;
    /// Entries newest first: only `account`'s when given (all otherwise), only those with
    /// `seq < before` when given (the keyset cursor), at most `limit`.
    async fn list_audit(
        &self,
        account: Option<&AccountSid>,
        before: Option<i64>,
        limit: u32,
    ) -> Result<Vec<AuditEntry>>;
    /// The whole chain in `seq` order, a page at a time: entries with `seq > after`, at
    /// most `limit` (for verification without loading the log into memory).
    async fn audit_page(&self, after: i64, limit: u32) -> Result<Vec<AuditEntry>>;
}

/// Everything the application needs from storage.
pub trait Store:
    AccountStore
    + MessageStore
    + CallStore
    + QueueStore
    + NumberStore
    + OptOutStore
    + WebhookStore
    + ServiceStore
    + ShieldStore
    + VerifyStore
    + RateLimitStore
    + FactorStore
    + PasskeyStore
    + ConsoleStore
    + ConsoleViewStore
    + AuditStore
{
}
impl<T> Store for T where
    T: AccountStore
        + MessageStore
        + CallStore
        + QueueStore
        + NumberStore
        + OptOutStore
        + WebhookStore
        + ServiceStore
        + ShieldStore
        + VerifyStore
        + RateLimitStore
        + FactorStore
        + PasskeyStore
        + ConsoleStore
        + ConsoleViewStore
        + AuditStore
{
}
