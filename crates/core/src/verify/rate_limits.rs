//! Verify's programmable rate limits: named keys (`RK…`) with buckets (`BL…`) of at most
//! `Max` requests per `Interval` seconds, charged on every verification start that passes a
//! value for the key in its `RateLimits` map. Counters live in the store, so the limits
//! hold across nodes.

use super::{invalid, not_found, Verify};
use crate::messages::{reject, MessageError};
use switchboard_domain::ids::{AccountSid, BucketSid, RateLimitSid, VerifyServiceSid};
use switchboard_store::{BucketRecord, Charge, ChargeOutcome, RateLimitRecord};

/// Rate limits per service (60207 beyond).
pub const MAX_RATE_LIMITS: usize = 20;
/// Buckets per rate limit (60210 beyond).
pub const MAX_BUCKETS: usize = 10;
/// Longest bucket interval: one day.
pub const MAX_INTERVAL_SECS: u32 = 86_400;

fn valid_unique_name(n: &str) -> bool {
    (1..=100).contains(&n.len())
        && n.bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'_' || b == b'-' || b == b'.')
}

fn conflict(e: switchboard_store::Error, code: u32, message: String) -> MessageError {
    match e {
        switchboard_store::Error::Conflict(_) => reject(code, message),
        other => other.into(),
    }
}

impl Verify {
    pub(super) async fn own_service(
        &self,
        account: &AccountSid,
        service: &VerifyServiceSid,
    ) -> Result<(), MessageError> {
        self.store
            .get_verify_service(account, service)
            .await?
            .map(|_| ())
            .ok_or_else(not_found)
    }

    pub async fn create_rate_limit(
        &self,
        account: &AccountSid,
        service: &VerifyServiceSid,
        unique_name: Option<&str>,
        description: Option<&str>,
    ) -> Result<RateLimitRecord, MessageError> {
        self.own_service(account, service).await?;
        let name = unique_name
            .filter(|n| !n.is_empty())
            .ok_or_else(|| invalid("Missing required parameter UniqueName in the post body."))?;
        if !valid_unique_name(name) {
            return Err(reject(
                60209,
                "UniqueName format is invalid: use 1 to 100 letters, digits, '_', '-' or '.' (never personal data).",
            ));
        }
        if self.store.list_rate_limits(service).await?.len() >= MAX_RATE_LIMITS {
            return Err(reject(
                60207,
                format!("Max rate limits per service reached ({MAX_RATE_LIMITS})."),
            ));
        }
        let now = self.clock.now_millis();
        let l = RateLimitRecord {
            sid: RateLimitSid::generate_at(now),
            service_sid: service.clone(),
            account_sid: account.clone(),
            unique_name: name.to_owned(),
            description: description.unwrap_or_default().to_owned(),
            date_created: now,
            date_updated: now,
        };
        self.store.create_rate_limit(l.clone()).await.map_err(|e| {
            conflict(
                e,
                60208,
                format!("Rate limit with UniqueName {name} already exists."),
            )
        })?;
        Ok(l)
    }

    pub async fn rate_limits(
        &self,
        account: &AccountSid,
        service: &VerifyServiceSid,
    ) -> Result<Vec<RateLimitRecord>, MessageError> {
        self.own_service(account, service).await?;
        Ok(self.store.list_rate_limits(service).await?)
    }

    pub async fn rate_limit(
        &self,
        account: &AccountSid,
        service: &VerifyServiceSid,
        sid: &RateLimitSid,
    ) -> Result<Option<RateLimitRecord>, MessageError> {
        self.own_service(account, service).await?;
        Ok(self.store.get_rate_limit(service, sid).await?)
    }

    pub async fn update_rate_limit(
        &self,
        account: &AccountSid,
        service: &VerifyServiceSid,
        sid: &RateLimitSid,
        description: Option<&str>,
    ) -> Result<Option<RateLimitRecord>, MessageError> {
        self.own_service(account, service).await?;
        let Some(l) = self.store.get_rate_limit(service, sid).await? else {
            return Ok(None);
        };
        let description = description.map_or(l.description, str::to_owned);
        let now = self.clock.now_millis();
        self.store
            .update_rate_limit(service, sid, description, now)
            .await?;
        Ok(self.store.get_rate_limit(service, sid).await?)
    }

    pub async fn delete_rate_limit(
        &self,
        account: &AccountSid,
        service: &VerifyServiceSid,
        sid: &RateLimitSid,
    ) -> Result<bool, MessageError> {
        self.own_service(account, service).await?;
        Ok(self.store.delete_rate_limit(service, sid).await?)
    }

    fn bucket_params(max: Option<u32>, interval: Option<u32>) -> Result<(u32, u32), MessageError> {
        let max = max.ok_or_else(|| invalid("Missing required parameter Max in the post body."))?;
        let interval = interval
            .ok_or_else(|| invalid("Missing required parameter Interval in the post body."))?;
        if max == 0 {
            return Err(invalid("Invalid parameter `Max`: it must be at least 1."));
        }
        if !(1..=MAX_INTERVAL_SECS).contains(&interval) {
            return Err(invalid(format!(
                "Invalid parameter `Interval`: 1 to {MAX_INTERVAL_SECS} seconds."
            )));
        }
        Ok((max, interval))
    }

    pub async fn create_bucket(
        &self,
        account: &AccountSid,
        service: &VerifyServiceSid,
        limit: &RateLimitSid,
        max: Option<u32>,
        interval: Option<u32>,
    ) -> Result<BucketRecord, MessageError> {
        if self.rate_limit(account, service, limit).await?.is_none() {
            return Err(not_found());
        }
        let (max, interval_secs) = Self::bucket_params(max, interval)?;
        if self.store.list_buckets(limit).await?.len() >= MAX_BUCKETS {
            return Err(reject(
                60210,
                format!("Max Buckets per Rate limit reached ({MAX_BUCKETS})."),
            ));
        }
        let now = self.clock.now_millis();
        let b = BucketRecord {
            sid: BucketSid::generate_at(now),
            rate_limit_sid: limit.clone(),
            service_sid: service.clone(),
            account_sid: account.clone(),
            max,
            interval_secs,
            date_created: now,
            date_updated: now,
        };
        self.store.create_bucket(b.clone()).await.map_err(|e| {
            conflict(
                e,
                60211,
                format!("Bucket with Interval {interval_secs} already exists."),
            )
        })?;
        Ok(b)
    }

    pub async fn buckets(
        &self,
        account: &AccountSid,
        service: &VerifyServiceSid,
        limit: &RateLimitSid,
    ) -> Result<Vec<BucketRecord>, MessageError> {
        if self.rate_limit(account, service, limit).await?.is_none() {
            return Err(not_found());
        }
        Ok(self.store.list_buckets(limit).await?)
    }

    pub async fn bucket(
        &self,
        account: &AccountSid,
        service: &VerifyServiceSid,
        limit: &RateLimitSid,
        sid: &BucketSid,
    ) -> Result<Option<BucketRecord>, MessageError> {
        if self.rate_limit(account, service, limit).await?.is_none() {
            return Ok(None);
        }
        Ok(self.store.get_bucket(limit, sid).await?)
    }

    pub async fn update_bucket(
        &self,
        account: &AccountSid,
        service: &VerifyServiceSid,
        limit: &RateLimitSid,
        sid: &BucketSid,
        max: Option<u32>,
        interval: Option<u32>,
    ) -> Result<Option<BucketRecord>, MessageError> {
        let Some(b) = self.bucket(account, service, limit, sid).await? else {
            return Ok(None);
        };
        let (max, interval_secs) = Self::bucket_params(
            Some(max.unwrap_or(b.max)),
            Some(interval.unwrap_or(b.interval_secs)),
        )?;
        let now = self.clock.now_millis();
        self.store
            .update_bucket(limit, sid, max, interval_secs, now)
            .await
            .map_err(|e| {
                conflict(
                    e,
                    60211,
                    format!("Bucket with Interval {interval_secs} already exists."),
                )
            })?;
        Ok(self.store.get_bucket(limit, sid).await?)
    }

    pub async fn delete_bucket(
        &self,
        account: &AccountSid,
        service: &VerifyServiceSid,
        limit: &RateLimitSid,
        sid: &BucketSid,
    ) -> Result<bool, MessageError> {
        if self.rate_limit(account, service, limit).await?.is_none() {
            return Ok(false);
        }
        Ok(self.store.delete_bucket(limit, sid).await?)
    }

    /// Charges a start's `RateLimits` values (`(unique_name, value)`) to every bucket of
    /// the named limits; 429 (20429) when one is full, with the seconds until it has room.
    pub(super) async fn charge_rate_limits(
        &self,
        service: &VerifyServiceSid,
        values: &[(String, String)],
    ) -> Result<(), MessageError> {
        if values.is_empty() {
            return Ok(());
        }
        let limits = self.store.list_rate_limits(service).await?;
        let mut charges = Vec::new();
        for (name, value) in values {
            let limit = limits
                .iter()
                .find(|l| &l.unique_name == name)
                .ok_or_else(|| invalid(format!("Invalid parameter `RateLimits`: this service has no rate limit named {name}.")))?;
            for bucket in self.store.list_buckets(&limit.sid).await? {
                charges.push(Charge {
                    bucket,
                    value: value.clone(),
                });
            }
        }
        let now = self.clock.now_millis();
        match self.store.charge(charges, now).await? {
            ChargeOutcome::Allowed => Ok(()),
            ChargeOutcome::Limited {
                bucket,
                retry_after_ms,
            } => {
                let name = limits
                    .iter()
                    .find(|l| l.sid == bucket.rate_limit_sid)
                    .map_or("", |l| l.unique_name.as_str());
                Err(MessageError::Limited {
                    code: 20429,
                    message: format!(
                        "Too many requests: rate limit {name} allows {} per {} s for this value.",
                        bucket.max, bucket.interval_secs
                    ),
                    retry_after_secs: u64::try_from((retry_after_ms + 999) / 1000).unwrap_or(1),
                })
            }
        }
    }
}
