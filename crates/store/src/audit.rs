//! Records of the tamper-evident audit log.
//!
//! The log is one hash chain for the whole installation. The store assigns each entry's
//! `seq` (the head's plus one, gap-free) and `prev_hash` (the head's `hash`) inside the
//! append's transaction, serialized across nodes, and asks the caller's [`Chainer`] for
//! the entry's `hash`. The chainer is keyed by core under the master key, which the store
//! never sees: someone with database access alone cannot recompute a valid chain.

use std::sync::Arc;
use switchboard_domain::clock::Millis;
use switchboard_domain::ids::AccountSid;

/// An entry to append, as the caller describes it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewAuditEntry {
    /// When it happened (the caller's clock).
    pub at: Millis,
    /// The account concerned; `None` for installation-level events.
    pub account_sid: Option<AccountSid>,
    /// Who did it: `cli`, `key:SK…`, `account:AC…`, `user:US…`, `operator:OP…`.
    pub actor: String,
    /// What was done, e.g. `api_key.create`.
    pub action: String,
    /// What it was done to (usually a SID).
    pub target: Option<String>,
    /// More about it (text, usually JSON).
    pub details: Option<String>,
}

/// An entry as stored. Fields are returned as stored (the account SID is not parsed), so
/// an edited row can still be read and reported by verification.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AuditEntry {
    /// Position in the chain: 1, 2, 3, … with no gaps.
    pub seq: i64,
    pub at: Millis,
    pub account_sid: Option<String>,
    pub actor: String,
    pub action: String,
    pub target: Option<String>,
    pub details: Option<String>,
    /// The previous entry's `hash` (empty for the first entry).
    pub prev_hash: Vec<u8>,
    /// The chainer's MAC over this entry (including `seq` and `prev_hash`).
    pub hash: Vec<u8>,
}

impl AuditEntry {
    /// The entry `new` would become at `seq` after `prev_hash`, before its hash is set.
    pub fn unhashed(new: NewAuditEntry, seq: i64, prev_hash: Vec<u8>) -> Self {
        Self {
            seq,
            at: new.at,
            account_sid: new.account_sid.map(|a| a.as_str().to_owned()),
            actor: new.actor,
            action: new.action,
            target: new.target,
            details: new.details,
            prev_hash,
            hash: Vec::new(),
        }
    }
}

/// Computes an entry's `hash` from every other field of it (its `hash` is empty when called).
/// Runs inside the store's append transaction, so it must be quick and must not block.
pub type Chainer = Arc<dyn Fn(&AuditEntry) -> Vec<u8> + Send + Sync>;
