//! Applying the fraud guard ([`super::fraud`]) to a verification start: the safe list, geo
//! permissions, store-backed velocity counters and the per-node windows; every suspicion is
//! logged, counted and stored, and refused in `enforce` mode.

use super::fraud::{ip_network, prefix_of, Mode, Suspicion};
use super::Verify;
use crate::messages::{reject, MessageError};
use sha2::{Digest, Sha256};
use switchboard_domain::ids::{AccountSid, BucketSid, RateLimitSid};
use switchboard_store::{BucketRecord, Charge, ChargeOutcome, FraudEvent, VerifyServiceRecord};

/// A velocity bucket of the fraud guard (not one of the service's own rate limits): its
/// SID is derived from the service and the kind, so every node charges the same counters.
fn guard_bucket(
    service: &VerifyServiceRecord,
    kind: &str,
    (max, secs): (u32, u32),
) -> BucketRecord {
    let digest = Sha256::digest(format!("fraud-guard {} {kind}", service.sid).as_bytes());
    let hex32 = hex::encode(&digest[..16]);
    BucketRecord {
        sid: BucketSid::parse(&format!("BL{hex32}")).unwrap_or_else(|_| BucketSid::generate()),
        rate_limit_sid: RateLimitSid::parse(&format!("RK{hex32}"))
            .unwrap_or_else(|_| RateLimitSid::generate()),
        service_sid: service.sid.clone(),
        account_sid: service.account_sid.clone(),
        max,
        interval_secs: secs,
        date_created: 0,
        date_updated: 0,
    }
}

impl Verify {
    /// The fraud guard for a start to `to` (an E.164 number); `Err` when it blocks.
    pub(super) async fn guard(
        &self,
        account: &AccountSid,
        service: &VerifyServiceRecord,
        to: &str,
        device_ip: Option<&str>,
    ) -> Result<(), MessageError> {
        let p = &self.policy.fraud;
        let mode = Mode::parse(&service.config.fraud_mode).unwrap_or(p.mode);
        if mode == Mode::Off || self.store.get_safe_number(account, to).await?.is_some() {
            return Ok(());
        }
        let countries = if service.config.allowed_countries.is_empty() {
            &p.allowed_countries
        } else {
            &service.config.allowed_countries
        };
        let country = switchboard_domain::address::region_of(to).unwrap_or_default();
        if !countries.iter().any(|c| c.eq_ignore_ascii_case(&country)) {
            let s = Suspicion {
                kind: "geo",
                reason: format!(
                    "the service may not send to {} (country {}); allowed: {}",
                    to,
                    if country.is_empty() {
                        "unknown"
                    } else {
                        &country
                    },
                    countries.join(", ")
                ),
            };
            return self.suspect(service, to, s, mode, 60238).await;
        }
        let (prefix, _) = prefix_of(to, p.prefix_digits);
        let mut charges = vec![
            Charge {
                bucket: guard_bucket(service, "number", p.per_number),
                value: to.to_owned(),
            },
            Charge {
                bucket: guard_bucket(service, "prefix", p.per_prefix),
                value: prefix.clone(),
            },
        ];
        if let Some(net) = device_ip.and_then(ip_network) {
            charges.push(Charge {
                bucket: guard_bucket(service, "ip", p.per_ip),
                value: net,
            });
        }
        let now = self.clock.now_millis();
        if mode == Mode::Enforce {
            if let ChargeOutcome::Limited { bucket, .. } =
                self.store.charge(charges.clone(), now).await?
            {
                let (kind, what) = match charges.iter().find(|c| c.bucket.sid == bucket.sid) {
                    Some(c)
                        if c.bucket.sid == guard_bucket(service, "number", p.per_number).sid =>
                    {
                        ("velocity_number", format!("number {}", c.value))
                    }
                    Some(c)
                        if c.bucket.sid == guard_bucket(service, "prefix", p.per_prefix).sid =>
                    {
                        ("velocity_prefix", format!("prefix +{}", c.value))
                    }
                    Some(c) => ("velocity_ip", format!("network {}", c.value)),
                    None => ("velocity", String::new()),
                };
                let s = Suspicion {
                    kind,
                    reason: format!(
                        "more than {} starts in {} s for {what}",
                        bucket.max, bucket.interval_secs
                    ),
                };
                return self.suspect(service, to, s, mode, 60410).await;
            }
        }
        match self.windows.assess(p, service.sid.as_str(), to, now) {
            Some(s) => self.suspect(service, to, s, mode, 60410).await,
            None => Ok(()),
        }
    }

    /// Records a suspicion; refuses the start (`code`) in enforce mode.
    async fn suspect(
        &self,
        service: &VerifyServiceRecord,
        to: &str,
        s: Suspicion,
        mode: Mode,
        code: u32,
    ) -> Result<(), MessageError> {
        let enforced = mode == Mode::Enforce;
        tracing::warn!(service_sid = %service.sid, kind = s.kind, enforced, reason = %s.reason, "The Verify fraud guard flagged a start.");
        metrics::counter!("switchboard_verify_fraud_total", "kind" => s.kind, "enforced" => if enforced { "true" } else { "false" }).increment(1);
        self.store
            .record_fraud_event(FraudEvent {
                service_sid: service.sid.clone(),
                account_sid: service.account_sid.clone(),
                to: to.to_owned(),
                kind: s.kind.to_owned(),
                reason: s.reason.clone(),
                enforced,
                at: self.clock.now_millis(),
            })
            .await?;
        if !enforced {
            return Ok(());
        }
        Err(reject(
            code,
            format!(
                "Verification blocked by the fraud guard ({}): {}. If this number is legitimate, add it to the safe list (/v2/SafeList/Numbers).",
                s.kind, s.reason
            ),
        ))
    }
}
