//! Applying the fraud guard ([`super::fraud`]) to a verification start: the safe list, geo
//! permissions, store-backed velocity counters and the per-node windows; every suspicion is
//! logged, counted and stored, and refused in `enforce` mode.

use super::fraud::{ip_network, prefix_of, Mode, Suspicion};
use super::Verify;
use crate::messages::{reject, MessageError};
use sha2::{Digest, Sha256};
use switchboard_domain::ids::{AccountSid, BucketSid, RateLimitSid};
use switchboard_store::{BucketRecord, Charge, FraudEvent, VerifyServiceRecord};

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
    /// The fraud guard for a start to `to` (an E.164 number): `Err` when it blocks; else the
    /// velocity buckets to charge in the start's own transaction (none unless enforcing).
    pub(super) async fn guard(
        &self,
        account: &AccountSid,
        service: &VerifyServiceRecord,
        to: &str,
        device_ip: Option<&str>,
    ) -> Result<Vec<Charge>, MessageError> {
        let p = &self.policy.fraud;
        let mode = self.mode(service);
        if mode == Mode::Off {
            return Ok(Vec::new());
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
            if !self.is_safe(account, to).await? {
                self.suspect(service, to, s, mode, 60238).await?;
            }
            return Ok(Vec::new());
        }
        let now = self.clock.now_millis();
        if let Some(s) = self.windows.assess(p, service.sid.as_str(), to, now) {
            if self.is_safe(account, to).await? {
                return Ok(Vec::new());
            }
            self.suspect(service, to, s, mode, 60410).await?;
        }
        if mode != Mode::Enforce {
            return Ok(Vec::new());
        }
        let (prefix, _) = prefix_of(to, p.prefix_digits);
        let mut charges = vec![
            Charge {
                bucket: guard_bucket(service, "number", p.per_number),
                value: to.to_owned(),
            },
            Charge {
                bucket: guard_bucket(service, "prefix", p.per_prefix),
                value: prefix,
            },
        ];
        if let Some(net) = device_ip.and_then(ip_network) {
            charges.push(Charge {
                bucket: guard_bucket(service, "ip", p.per_ip),
                value: net,
            });
        }
        Ok(charges)
    }

    /// Whether `to` is on the account's safe list (read only when a check would block it,
    /// so ordinary starts pay nothing for it).
    pub(super) async fn is_safe(
        &self,
        account: &AccountSid,
        to: &str,
    ) -> Result<bool, MessageError> {
        Ok(self.store.get_safe_number(account, to).await?.is_some())
    }

    fn mode(&self, service: &VerifyServiceRecord) -> Mode {
        Mode::parse(&service.config.fraud_mode).unwrap_or(self.policy.fraud.mode)
    }

    /// A start refused because one of the guard's velocity buckets (charged with it) was full.
    pub(super) async fn over_velocity(
        &self,
        service: &VerifyServiceRecord,
        to: &str,
        device_ip: Option<&str>,
        bucket: &BucketRecord,
    ) -> MessageError {
        let p = &self.policy.fraud;
        let (kind, what) = if bucket.sid == guard_bucket(service, "number", p.per_number).sid {
            ("velocity_number", format!("number {to}"))
        } else if bucket.sid == guard_bucket(service, "prefix", p.per_prefix).sid {
            (
                "velocity_prefix",
                format!("prefix +{}", prefix_of(to, p.prefix_digits).0),
            )
        } else {
            let net = device_ip.and_then(ip_network).unwrap_or_default();
            ("velocity_ip", format!("network {net}"))
        };
        let s = Suspicion {
            kind,
            reason: format!(
                "more than {} starts in {} s for {what}",
                bucket.max, bucket.interval_secs
            ),
        };
        match self.suspect(service, to, s, Mode::Enforce, 60410).await {
            Err(e) => e,
            Ok(()) => reject(60410, "Verification blocked by the fraud guard."),
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
