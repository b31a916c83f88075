//! The smishing shield in the message paths: every outbound message is screened before it is
//! stored (a `block` is stored `failed` with 30007 and never sent) and every inbound message
//! before it is stored (its verdict goes to the webhook and, for `flag`/`block`, the account's
//! alert URL). Per-account settings (own names and domains, thresholds, alert URL) come from the
//! store, cached briefly per node.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};

use crate::messages::{reject, MessageError};
use switchboard_domain::clock::{Clock, Millis};
use switchboard_domain::ids::AccountSid;
use switchboard_domain::message::MessageStatus;
use switchboard_filter::{
    AccountContext, Analysis, Direction, FilterInput, Shield, Thresholds, Verdict,
};
use switchboard_store::{NewMessage, ShieldRecord, ShieldSettings, Store};

/// How long an account's settings are reused before they are read again (other nodes see a
/// change within this time; the node that made it, at once).
const CONTEXT_TTL_MS: Millis = 5_000;

/// Which directions are screened.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ShieldPolicy {
    pub outbound: bool,
    pub inbound: bool,
}

/// The shield with the account settings it needs.
pub struct Screening {
    shield: Shield,
    store: Arc<dyn Store>,
    clock: Arc<dyn Clock>,
    policy: ShieldPolicy,
    contexts: Mutex<HashMap<AccountSid, (Millis, Arc<AccountContext>)>>,
    /// `switchboard_shield_verdicts_total` by [direction][verdict], registered once.
    verdicts: [[metrics::Counter; 3]; 2],
}

fn verdict_counters() -> [[metrics::Counter; 3]; 2] {
    [Direction::Outbound, Direction::Inbound].map(|d| {
        [Verdict::Allow, Verdict::Flag, Verdict::Block].map(|v| {
            metrics::counter!("switchboard_shield_verdicts_total",
                "direction" => d.as_str(), "verdict" => v.as_str())
        })
    })
}

impl std::fmt::Debug for Screening {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Screening")
            .field("policy", &self.policy)
            .finish_non_exhaustive()
    }
}

/// The stored form of an analysis.
pub(crate) fn record(a: Analysis) -> ShieldRecord {
    ShieldRecord {
        verdict: a.verdict.as_str().to_owned(),
        score: a.score,
        reasons: a.reasons,
    }
}

impl Screening {
    pub fn new(
        shield: Shield,
        store: Arc<dyn Store>,
        clock: Arc<dyn Clock>,
        policy: ShieldPolicy,
    ) -> Self {
        Self {
            shield,
            store,
            clock,
            policy,
            contexts: Mutex::new(HashMap::new()),
            verdicts: verdict_counters(),
        }
    }

    /// The account's flag and block thresholds: its own where set, else the platform's.
    pub fn thresholds(&self, s: &ShieldSettings) -> Thresholds {
        let platform = self.shield.config().thresholds;
        Thresholds {
            flag: s.flag_threshold.unwrap_or(platform.flag),
            block: s.block_threshold.unwrap_or(platform.block),
        }
    }

    /// The account's names, domains and thresholds (cached for a few seconds).
    async fn context(
        &self,
        account: &AccountSid,
    ) -> Result<Arc<AccountContext>, switchboard_store::Error> {
        let now = self.clock.now_millis();
        if let Some((at, ctx)) = self.lock().get(account) {
            if now - at < CONTEXT_TTL_MS {
                return Ok(ctx.clone());
            }
        }
        let s = self
            .store
            .get_shield_settings(account)
            .await?
            .unwrap_or_default();
        let ctx = Arc::new(
            AccountContext::new(account.as_str(), &s.protected_names, &s.protected_domains)
                .with_thresholds(Some(self.thresholds(&s))),
        );
        let mut map = self.lock();
        if map.len() > 100_000 {
            map.clear();
        }
        map.insert(account.clone(), (now, ctx.clone()));
        Ok(ctx)
    }

    fn lock(
        &self,
    ) -> std::sync::MutexGuard<'_, HashMap<AccountSid, (Millis, Arc<AccountContext>)>> {
        self.contexts.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// Screens one message (recording it in the campaign windows); `None` when this
    /// direction is not screened.
    pub async fn screen(
        &self,
        account: &AccountSid,
        body: &str,
        from: &str,
        to: &str,
        direction: Direction,
    ) -> Result<Option<Analysis>, switchboard_store::Error> {
        let on = match direction {
            Direction::Outbound => self.policy.outbound,
            Direction::Inbound => self.policy.inbound,
        };
        if !on {
            return Ok(None);
        }
        let ctx = self.context(account).await?;
        let input = FilterInput {
            body,
            from: Some(from),
            to: Some(to),
            direction,
            account: Some(&ctx),
        };
        let now = u64::try_from(self.clock.now_millis()).unwrap_or(0);
        let analysis = self.shield.screen(&input, now);
        let d = usize::from(direction == Direction::Inbound);
        let v = match analysis.verdict {
            Verdict::Allow => 0,
            Verdict::Flag => 1,
            Verdict::Block => 2,
        };
        self.verdicts[d][v].increment(1);
        Ok(Some(analysis))
    }

    /// Screens an outbound message (API sends and TwiML replies alike): the verdict is stored
    /// with it, and `block` stores it `failed` with 30007 (Message filtered), so it is never
    /// sent. On an error the message is left as it was.
    pub async fn outbound(&self, new: &mut NewMessage) -> Result<(), switchboard_store::Error> {
        let Some(a) = self
            .screen(
                &new.account_sid,
                &new.body,
                &new.from,
                &new.to,
                Direction::Outbound,
            )
            .await?
        else {
            return Ok(());
        };
        if a.verdict == Verdict::Block {
            tracing::info!(account_sid = %new.account_sid, message_sid = %new.sid, score = a.score, tags = ?a.tags, "The shield blocked an outbound message.");
            new.status = MessageStatus::Failed;
            new.error_code = Some(30007);
            new.error_message = Some(format!(
                "Message filtered: the smishing shield scored it {} ({}).",
                a.score,
                a.tags.join(", ")
            ));
        }
        new.shield = Some(record(a));
        Ok(())
    }

    /// A dry run (no campaign state), with the account's context.
    pub async fn analyze(
        &self,
        account: &AccountSid,
        body: &str,
        from: Option<&str>,
        to: Option<&str>,
        direction: Direction,
    ) -> Result<Analysis, MessageError> {
        let ctx = self.context(account).await?;
        Ok(self.shield.analyze(&FilterInput {
            body,
            from,
            to,
            direction,
            account: Some(&ctx),
        }))
    }

    pub async fn settings(&self, account: &AccountSid) -> Result<ShieldSettings, MessageError> {
        Ok(self
            .store
            .get_shield_settings(account)
            .await?
            .unwrap_or_default())
    }

    /// Validates and stores an account's settings; this node uses them at once.
    pub async fn update_settings(
        &self,
        account: &AccountSid,
        update: SettingsUpdate,
    ) -> Result<ShieldSettings, MessageError> {
        let mut s = self.settings(account).await?;
        if let Some(names) = update.protected_names {
            s.protected_names = names
                .iter()
                .map(|n| name(n))
                .collect::<Result<Vec<_>, _>>()?;
        }
        if let Some(domains) = update.protected_domains {
            s.protected_domains = domains
                .iter()
                .map(|d| domain(d))
                .collect::<Result<Vec<_>, _>>()?;
        }
        crate::numbers::url("AlertUrl", update.alert_url, &mut s.alert_url)?;
        if let Some(f) = update.flag_threshold {
            s.flag_threshold = f;
        }
        if let Some(b) = update.block_threshold {
            s.block_threshold = b;
        }
        let t = self.thresholds(&s);
        if !(1..=100).contains(&t.flag) || !(1..=100).contains(&t.block) || t.flag > t.block {
            return Err(reject(
                20001,
                format!(
                    "Thresholds must be 1 to 100 with FlagThreshold <= BlockThreshold (got {} and {}).",
                    t.flag, t.block
                ),
            ));
        }
        s.date_updated = self.clock.now_millis();
        self.store.put_shield_settings(account, s.clone()).await?;
        self.lock().remove(account);
        Ok(s)
    }
}

/// A partial update of the settings (`None` keeps a field).
#[derive(Debug, Clone, Default)]
pub struct SettingsUpdate {
    pub protected_names: Option<Vec<String>>,
    pub protected_domains: Option<Vec<String>>,
    pub alert_url: Option<String>,
    /// `Some(None)` returns to the platform's threshold.
    pub flag_threshold: Option<Option<u32>>,
    pub block_threshold: Option<Option<u32>>,
}

fn name(n: &str) -> Result<String, MessageError> {
    AccountContext::parse_name(n).ok_or_else(|| {
        reject(
            20001,
            format!("ProtectedNames: '{n}' must be 3 to 63 letters, digits or hyphens, as in a domain name."),
        )
    })
}

fn domain(d: &str) -> Result<String, MessageError> {
    AccountContext::parse_domain(d).ok_or_else(|| {
        reject(
            20001,
            format!("ProtectedDomains: '{d}' is not a domain name."),
        )
    })
}
