//! Records of Twilio Verify entities, TOTP factors and their challenges.
//!
//! A factor's secret is stored sealed under the master key (the store never sees it in
//! clear). Codes are checked outside the store; the store is told which time step a code
//! matched and accepts it only if that step is later than the last one the factor
//! accepted, atomically, so a code is never accepted twice.

use switchboard_domain::clock::Millis;
use switchboard_domain::ids::{AccountSid, ChallengeSid, EntitySid, FactorSid, VerifyServiceSid};

/// An entity: the owner (one of your users) of factors, named by your `Identity`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EntityRecord {
    pub sid: EntitySid,
    pub service_sid: VerifyServiceSid,
    pub account_sid: AccountSid,
    pub identity: String,
    pub date_created: Millis,
    pub date_updated: Millis,
}

/// A TOTP factor's code parameters.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TotpConfig {
    /// Seconds per code, 20–60.
    pub time_step: u32,
    /// Digits per code, 3–8.
    pub code_length: u32,
    /// Steps either side of now that are accepted, 0–2.
    pub skew: u32,
    /// `sha1`, `sha256` or `sha512`.
    pub alg: String,
}

impl Default for TotpConfig {
    fn default() -> Self {
        Self {
            time_step: 30,
            code_length: 6,
            skew: 1,
            alg: "sha1".into(),
        }
    }
}

/// Factor statuses, as Twilio names them.
pub mod factor_status {
    pub const UNVERIFIED: &str = "unverified";
    pub const VERIFIED: &str = "verified";
}

/// Challenge statuses, as Twilio names them.
pub mod challenge_status {
    pub const PENDING: &str = "pending";
    pub const APPROVED: &str = "approved";
    pub const EXPIRED: &str = "expired";
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FactorRecord {
    pub sid: FactorSid,
    pub service_sid: VerifyServiceSid,
    pub account_sid: AccountSid,
    pub entity_sid: EntitySid,
    pub identity: String,
    pub friendly_name: String,
    /// `totp`.
    pub factor_type: String,
    /// One of [`factor_status`].
    pub status: String,
    /// The TOTP secret sealed under the master key.
    pub sealed_secret: Vec<u8>,
    pub config: TotpConfig,
    /// The last time step whose code was accepted; codes of this or earlier steps are refused.
    pub last_step: Option<i64>,
    /// Wrong codes while verifying the factor.
    pub failures: u32,
    pub date_created: Millis,
    pub date_updated: Millis,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ChallengeRecord {
    pub sid: ChallengeSid,
    pub service_sid: VerifyServiceSid,
    pub account_sid: AccountSid,
    pub entity_sid: EntitySid,
    pub identity: String,
    pub factor_sid: FactorSid,
    /// One of [`challenge_status`] (a pending one past `expiration_date` is expired).
    pub status: String,
    /// Wrong codes given for this challenge.
    pub failures: u32,
    pub expiration_date: Millis,
    pub date_responded: Option<Millis>,
    pub date_created: Millis,
    pub date_updated: Millis,
}

/// What a code turned out to be, as far as the caller could tell without the store.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Answer {
    /// It matches no step in the accepted window.
    NoMatch,
    /// It is the code of this time step (the latest step it matches).
    Step(i64),
}

/// What giving a code to a factor or challenge did (atomically).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Attempt<T> {
    /// No such factor or challenge.
    NotFound,
    /// It already had the maximum number of wrong codes; nothing changed.
    Locked,
    /// A challenge past its expiration date (now stored as expired); nothing else changed.
    Expired(T),
    /// Nothing left to decide (a verified factor, an approved challenge); nothing changed.
    Unchanged(T),
    /// The code was right and of a later step than any accepted before: approved/verified.
    Accepted(T),
    /// Wrong or replayed: one more failure counted.
    Rejected(T),
}

/// What a backend does with a code attempt (the same rules on every backend).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Verdict {
    Unchanged,
    Locked,
    Expired,
    /// Accept; the factor's `last_step` becomes this.
    Accept(i64),
    Reject,
}

/// A step is accepted only if it is later than the last accepted one.
fn step_rule(last_step: Option<i64>, answer: Answer) -> Verdict {
    match answer {
        Answer::Step(s) if last_step.is_none_or(|last| s > last) => Verdict::Accept(s),
        _ => Verdict::Reject,
    }
}

pub(crate) fn factor_verdict(f: &FactorRecord, answer: Answer, max_failures: u32) -> Verdict {
    if f.status == factor_status::VERIFIED {
        Verdict::Unchanged
    } else if f.failures >= max_failures {
        Verdict::Locked
    } else {
        step_rule(f.last_step, answer)
    }
}

pub(crate) fn challenge_verdict(
    c: &ChallengeRecord,
    factor_last_step: Option<i64>,
    answer: Answer,
    now: Millis,
    max_failures: u32,
) -> Verdict {
    if c.status != challenge_status::PENDING {
        Verdict::Unchanged
    } else if c.expiration_date <= now {
        Verdict::Expired
    } else if c.failures >= max_failures {
        Verdict::Locked
    } else {
        step_rule(factor_last_step, answer)
    }
}
