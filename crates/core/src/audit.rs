//! The tamper-evident audit log: recording security-relevant events and verifying the chain.
//!
//! Every entry's `hash` is HMAC-SHA256, under a key derived from the master key, of a
//! canonical encoding of the entry: a domain tag, then every field length-prefixed (and
//! optional fields with a presence byte), including `seq` and the previous entry's hash.
//! Someone who can edit the database but does not hold the master key cannot recompute
//! the chain after editing, removing or reordering an entry; [`Audit::verify`] finds the
//! first such entry.
//!
//! Recording is never skipped silently: [`Audit::record`] returns the store's error, and
//! every caller fails its operation with it (the API answers 500 after a change that did
//! commit; the CLI exits non-zero). Removing the newest entries (truncation) cannot be
//! detected from the log alone; see `docs/audit.md` for the anchor that covers it.

use crate::crypto::{ct_eq, MasterKey};
use hmac::{Hmac, Mac};
use sha2::Sha256;
use std::sync::Arc;
use switchboard_domain::clock::Clock;
use switchboard_domain::ids::AccountSid;
use switchboard_store::{AuditEntry, Chainer, NewAuditEntry, Store};

/// Entries read per page while verifying.
const PAGE: u32 = 500;
const DOMAIN_TAG: &[u8] = b"switchboard-audit-entry-v1";
const KEY_LABEL: &[u8] = b"switchboard audit log key v1";

/// The actor for changes made from the command line.
pub const CLI: &str = "cli";
/// The actor for changes the server makes by itself (the first account at first start).
pub const SYSTEM: &str = "system";

#[derive(Debug, thiserror::Error)]
pub enum AuditError {
    #[error("cannot write or read the audit log: {0}")]
    Store(#[from] switchboard_store::Error),
}

/// A security-relevant event to record.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AuditEvent {
    pub account_sid: Option<AccountSid>,
    pub actor: String,
    pub action: String,
    pub target: Option<String>,
    pub details: Option<String>,
}

impl AuditEvent {
    /// An installation-level event (no account) by `actor`, e.g. `("cli", "account.create")`.
    pub fn new(actor: impl Into<String>, action: impl Into<String>) -> Self {
        Self {
            account_sid: None,
            actor: actor.into(),
            action: action.into(),
            target: None,
            details: None,
        }
    }

    /// The account the event concerns.
    pub fn account(mut self, account: &AccountSid) -> Self {
        self.account_sid = Some(account.clone());
        self
    }

    /// What the event was done to (usually a SID).
    pub fn target(mut self, target: impl Into<String>) -> Self {
        self.target = Some(target.into());
        self
    }

    /// More about it (free text, usually JSON). Never put a secret here.
    pub fn details(mut self, details: impl Into<String>) -> Self {
        self.details = Some(details.into());
        self
    }
}

/// Why verification stopped at an entry.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Broken {
    /// The entry's MAC does not match its content: it was edited.
    Edited,
    /// Entries are missing: the chain jumps from `seq - 1` to `found`.
    Removed { found: i64 },
    /// The entry does not link to the one before it: entries were reordered, or removed
    /// and renumbered.
    Relinked,
    /// The log ends at `head`, before the anchor's entry: newest entries were removed.
    Truncated { head: i64 },
    /// The entry exists but its hash is not the anchor's.
    NotAnchor,
}

/// An entry's `(seq, hash)` kept outside the database (e.g. from an earlier verify), so
/// that removing the newest entries, which the chain alone cannot show, is detected.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Anchor {
    pub seq: i64,
    pub hash: Vec<u8>,
}

impl std::str::FromStr for Anchor {
    type Err = String;

    /// `<seq>:<hash in hex>`, as `switchboard audit verify` prints the head.
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let bad = || format!("an anchor is <seq>:<hash hex>, not '{s}'");
        let (seq, hash) = s.split_once(':').ok_or_else(bad)?;
        Ok(Self {
            seq: seq.parse().map_err(|_| bad())?,
            hash: hex::decode(hash).map_err(|_| bad())?,
        })
    }
}

impl std::fmt::Display for Broken {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Broken::Edited => f.write_str("edited (its MAC does not match its content)"),
            Broken::Removed { found } => {
                write!(f, "removed (missing; the next entry present is {found})")
            }
            Broken::Relinked => f.write_str(
                "reordered or relinked (its previous-hash does not match the entry before it)",
            ),
            Broken::Truncated { head } => {
                write!(f, "removed (truncated: the log ends at entry {head})")
            }
            Broken::NotAnchor => f.write_str("replaced (its hash is not the anchor's)"),
        }
    }
}

/// What verification found.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct VerifyReport {
    /// Entries checked and found good (up to the first bad one).
    pub entries: u64,
    /// The last good entry's `(seq, hash)`: keep it elsewhere to detect truncation later.
    pub head: Option<(i64, Vec<u8>)>,
    /// The first bad entry's `seq` and why; `None` if the whole chain is intact.
    pub broken: Option<(i64, Broken)>,
}

impl VerifyReport {
    pub fn is_intact(&self) -> bool {
        self.broken.is_none()
    }
}

/// The audit log use cases.
pub struct Audit {
    store: Arc<dyn Store>,
    clock: Arc<dyn Clock>,
    chainer: Chainer,
}

impl Audit {
    pub fn new(store: Arc<dyn Store>, clock: Arc<dyn Clock>, key: &MasterKey) -> Self {
        let mac_key = key.hash_secret(KEY_LABEL);
        let chainer: Chainer = Arc::new(move |e: &AuditEntry| mac(&mac_key, e));
        Self {
            store,
            clock,
            chainer,
        }
    }

    /// Appends `event` (stamped now) to the chain. An error means it was not recorded:
    /// the caller must fail its operation.
    pub async fn record(&self, event: AuditEvent) -> Result<AuditEntry, AuditError> {
        let entry = NewAuditEntry {
            at: self.clock.now_millis(),
            account_sid: event.account_sid,
            actor: event.actor,
            action: event.action,
            target: event.target,
            details: event.details,
        };
        Ok(self.store.append_audit(entry, self.chainer.clone()).await?)
    }

    /// The account's entries, newest first; `before` is the `seq` cursor of the next page.
    pub async fn list_for_account(
        &self,
        account: &AccountSid,
        before: Option<i64>,
        limit: u32,
    ) -> Result<Vec<AuditEntry>, AuditError> {
        Ok(self.store.list_audit(Some(account), before, limit).await?)
    }

    /// Every entry (all accounts and installation events), newest first.
    pub async fn list_all(
        &self,
        before: Option<i64>,
        limit: u32,
    ) -> Result<Vec<AuditEntry>, AuditError> {
        Ok(self.store.list_audit(None, before, limit).await?)
    }

    /// Walks the whole chain in order, a page at a time, and stops at the first entry that
    /// is missing, does not link to the one before it, or whose MAC does not match.
    pub async fn verify(&self) -> Result<VerifyReport, AuditError> {
        self.verify_with(None).await
    }

    /// [`Audit::verify`], and the chain must also reach `anchor`'s entry with its hash.
    pub async fn verify_with(&self, anchor: Option<Anchor>) -> Result<VerifyReport, AuditError> {
        let mut walk = Walk::new(self.chainer.clone());
        walk.anchor = anchor;
        let mut after = 0;
        loop {
            let page = self.store.audit_page(after, PAGE).await?;
            let Some(last) = page.last() else {
                walk.finish();
                return Ok(walk.report);
            };
            after = last.seq;
            for e in &page {
                if !walk.step(e) {
                    return Ok(walk.report);
                }
            }
        }
    }
}

/// Verification state: the entries seen so far, in `seq` order.
struct Walk {
    chainer: Chainer,
    anchor: Option<Anchor>,
    report: VerifyReport,
}

impl Walk {
    fn new(chainer: Chainer) -> Self {
        Self {
            chainer,
            anchor: None,
            report: VerifyReport {
                entries: 0,
                head: None,
                broken: None,
            },
        }
    }

    /// Checks the next entry; `false` (with `report.broken` set) if it is bad.
    fn step(&mut self, e: &AuditEntry) -> bool {
        let (expected, prev) = match &self.report.head {
            Some((seq, hash)) => (seq + 1, hash.as_slice()),
            None => (1, [].as_slice()),
        };
        let reason = if e.seq != expected {
            Some(Broken::Removed { found: e.seq })
        } else if !ct_eq(&e.prev_hash, prev) {
            Some(Broken::Relinked)
        } else {
            let unhashed = AuditEntry {
                hash: Vec::new(),
                ..e.clone()
            };
            let anchored = self.anchor.as_ref().filter(|a| a.seq == e.seq);
            if !ct_eq(&(self.chainer)(&unhashed), &e.hash) {
                Some(Broken::Edited)
            } else if anchored.is_some_and(|a| !ct_eq(&a.hash, &e.hash)) {
                Some(Broken::NotAnchor)
            } else {
                None
            }
        };
        if let Some(reason) = reason {
            self.report.broken = Some((expected, reason));
            return false;
        }
        self.report.entries += 1;
        self.report.head = Some((e.seq, e.hash.clone()));
        true
    }

    /// At the end of an intact chain: the anchor's entry must have been reached.
    fn finish(&mut self) {
        let head = self.report.head.as_ref().map_or(0, |(seq, _)| *seq);
        if self.anchor.as_ref().is_some_and(|a| a.seq > head) {
            self.report.broken = Some((head + 1, Broken::Truncated { head }));
        }
    }
}

/// HMAC-SHA256 under `key` of the canonical encoding of `e` (its `hash` is not included).
fn mac(key: &[u8], e: &AuditEntry) -> Vec<u8> {
    let Ok(mut m) = <Hmac<Sha256> as Mac>::new_from_slice(key) else {
        return Vec::new();
    };
    m.update(&canonical(e));
    m.finalize().into_bytes().to_vec()
}

/// The bytes the MAC covers: a domain tag, then each field as an 8-byte big-endian length
/// and its bytes; optional fields start with a presence byte (0 absent, 1 present).
/// Different entries never encode to the same bytes.
pub fn canonical(e: &AuditEntry) -> Vec<u8> {
    fn field(out: &mut Vec<u8>, bytes: &[u8]) {
        out.extend_from_slice(&(bytes.len() as u64).to_be_bytes());
        out.extend_from_slice(bytes);
    }
    fn optional(out: &mut Vec<u8>, v: Option<&str>) {
        match v {
            None => out.push(0),
            Some(s) => {
                out.push(1);
                field(out, s.as_bytes());
            }
        }
    }
    let mut out = Vec::with_capacity(128);
    field(&mut out, DOMAIN_TAG);
    field(&mut out, &e.seq.to_be_bytes());
    field(&mut out, &e.at.to_be_bytes());
    optional(&mut out, e.account_sid.as_deref());
    field(&mut out, e.actor.as_bytes());
    field(&mut out, e.action.as_bytes());
    optional(&mut out, e.target.as_deref());
    optional(&mut out, e.details.as_deref());
    field(&mut out, &e.prev_hash);
    out
}

#[cfg(test)]
mod tests;
