//! Records of Twilio Verify: services and verifications.

use switchboard_domain::clock::Millis;
use switchboard_domain::ids::{
    AccountSid, VerificationAttemptSid, VerificationSid, VerifyServiceSid,
};

/// A Verify service's settings (what `POST /v2/Services` sets).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct VerifyServiceConfig {
    /// Named in the SMS text.
    pub friendly_name: String,
    /// Digits in a generated code, 4–10.
    pub code_length: u32,
    pub custom_code_enabled: bool,
    pub do_not_share_warning_enabled: bool,
    pub skip_sms_to_landlines: bool,
    pub lookup_enabled: bool,
    pub psd2_enabled: bool,
    pub dtmf_input_required: bool,
    /// Fraud guard mode (`off`, `monitor`, `enforce`); empty = the platform's.
    pub fraud_mode: String,
    /// ISO 3166 alpha-2 codes this service may send to; empty = the platform's list.
    pub allowed_countries: Vec<String>,
    /// The passkeys factor's relying party (`Passkeys.*`).
    pub passkeys: crate::passkeys::PasskeysConfig,
}

impl Default for VerifyServiceConfig {
    fn default() -> Self {
        Self {
            friendly_name: String::new(),
            code_length: 6,
            custom_code_enabled: false,
            do_not_share_warning_enabled: false,
            skip_sms_to_landlines: false,
            lookup_enabled: false,
            psd2_enabled: false,
            dtmf_input_required: true,
            fraud_mode: String::new(),
            allowed_countries: Vec::new(),
            passkeys: crate::passkeys::PasskeysConfig::default(),
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct VerifyServiceRecord {
    pub sid: VerifyServiceSid,
    pub account_sid: AccountSid,
    pub config: VerifyServiceConfig,
    pub date_created: Millis,
    pub date_updated: Millis,
}

/// One delivery of a verification's code.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SendAttempt {
    pub sid: VerificationAttemptSid,
    pub channel: String,
    pub at: Millis,
}

/// A verification as started (its first send).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewVerification {
    pub sid: VerificationSid,
    pub service_sid: VerifyServiceSid,
    pub account_sid: AccountSid,
    pub to: String,
    pub channel: String,
    /// Secret: the code is derived from it under the master key (the code itself is never stored).
    pub seed: Vec<u8>,
    /// Keyed hash of the code (HMAC under the master key), compared in constant time.
    pub code_hash: Vec<u8>,
    pub attempt: SendAttempt,
    pub now: Millis,
    pub expires_at: Millis,
}

impl NewVerification {
    /// The record as stored by its first send: pending, no checks yet.
    pub(crate) fn into_record(self) -> VerificationRecord {
        VerificationRecord {
            sid: self.sid,
            service_sid: self.service_sid,
            account_sid: self.account_sid,
            to: self.to,
            channel: self.channel,
            status: status::PENDING.to_owned(),
            seed: self.seed,
            code_hash: self.code_hash,
            sends: vec![self.attempt],
            checks: 0,
            expires_at: self.expires_at,
            date_created: self.now,
            date_updated: self.now,
        }
    }
}

/// Verification statuses, as Twilio names them.
pub mod status {
    pub const PENDING: &str = "pending";
    pub const APPROVED: &str = "approved";
    pub const CANCELED: &str = "canceled";
    pub const MAX_ATTEMPTS_REACHED: &str = "max_attempts_reached";
    pub const EXPIRED: &str = "expired";
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct VerificationRecord {
    pub sid: VerificationSid,
    pub service_sid: VerifyServiceSid,
    pub account_sid: AccountSid,
    pub to: String,
    pub channel: String,
    /// One of [`status`].
    pub status: String,
    pub seed: Vec<u8>,
    pub code_hash: Vec<u8>,
    /// Oldest first; the first is the start.
    pub sends: Vec<SendAttempt>,
    /// Checks made so far.
    pub checks: u32,
    pub expires_at: Millis,
    pub date_created: Millis,
    pub date_updated: Millis,
}

/// What starting a verification did.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum StartOutcome {
    /// No pending verification for `To`: this one was stored.
    Created(VerificationRecord),
    /// A pending, unexpired one exists: a send was added to it (same code).
    Resent(VerificationRecord),
    /// A pending one already had the maximum number of sends; nothing changed.
    MaxSends(VerificationRecord),
    /// One of the start's velocity buckets was full; nothing changed.
    Limited {
        bucket: Box<BucketRecord>,
        retry_after_ms: Millis,
    },
}

/// What a code check did.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum CheckSlot {
    /// No pending, unexpired verification.
    NotFound,
    /// It has had the maximum number of checks (now `max_attempts_reached`).
    MaxAttempts,
    /// One check counted; the code was wrong (still pending).
    Wrong(Box<VerificationRecord>),
    /// One check counted; the code was right: now approved.
    Approved(Box<VerificationRecord>),
}

/// A Verify rate limit: a named key the application meters (`RK…`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RateLimitRecord {
    pub sid: switchboard_domain::ids::RateLimitSid,
    pub service_sid: VerifyServiceSid,
    pub account_sid: AccountSid,
    pub unique_name: String,
    pub description: String,
    pub date_created: Millis,
    pub date_updated: Millis,
}

/// A bucket of a rate limit: at most `max` requests per `interval_secs` for one value (`BL…`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BucketRecord {
    pub sid: switchboard_domain::ids::BucketSid,
    pub rate_limit_sid: switchboard_domain::ids::RateLimitSid,
    pub service_sid: VerifyServiceSid,
    pub account_sid: AccountSid,
    pub max: u32,
    pub interval_secs: u32,
    pub date_created: Millis,
    pub date_updated: Millis,
}

/// One bucket to charge for a request: the bucket and the metered value (`RateLimits` map).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Charge {
    pub bucket: BucketRecord,
    pub value: String,
}

/// What charging a request's buckets did.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ChargeOutcome {
    /// Every bucket had room; each was charged once.
    Allowed,
    /// This bucket was full (nothing was charged); it has room again after `retry_after_ms`.
    Limited {
        bucket: Box<BucketRecord>,
        retry_after_ms: Millis,
    },
}

/// A number on an account's safe list (`GN…`): never blocked by the fraud guard.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SafeNumber {
    pub sid: String,
    pub account_sid: AccountSid,
    pub phone_number: String,
    pub date_created: Millis,
}

/// A start the fraud guard blocked, or would have blocked in monitor mode.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FraudEvent {
    pub service_sid: VerifyServiceSid,
    pub account_sid: AccountSid,
    pub to: String,
    /// `geo`, `velocity_number`, `velocity_ip`, `velocity_prefix`, `sequential`, `low_conversion`, `blocked_prefix`.
    pub kind: String,
    pub reason: String,
    pub enforced: bool,
    pub at: Millis,
}
