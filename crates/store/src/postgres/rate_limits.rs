//! Verify rate limits, buckets and their counters on PostgreSQL. A charge locks its
//! (bucket, value) pairs with transaction-scoped advisory locks, in a fixed order, so
//! concurrent charges from several nodes never overspend a bucket.

use super::rows::{account_sid, corrupt, count, int};
use super::PgStore;
use crate::error::Result;
use crate::sql::{gcra, BUCKET_COLUMNS, RATE_LIMIT_COLUMNS};
use crate::verify::{BucketRecord, Charge, ChargeOutcome, RateLimitRecord};
use crate::RateLimitStore;
use async_trait::async_trait;
use sqlx::postgres::PgRow;
use sqlx::{PgConnection, Row};
use switchboard_domain::clock::Millis;
use switchboard_domain::ids::{BucketSid, RateLimitSid, VerifyServiceSid};

fn rate_limit(r: &PgRow) -> Result<RateLimitRecord> {
    let (sid, svc): (&str, &str) = (r.try_get(0)?, r.try_get(1)?);
    Ok(RateLimitRecord {
        sid: RateLimitSid::parse(sid).map_err(|_| corrupt("rate limit sid", sid))?,
        service_sid: VerifyServiceSid::parse(svc).map_err(|_| corrupt("service sid", svc))?,
        account_sid: account_sid(r.try_get(2)?)?,
        unique_name: r.try_get(3)?,
        description: r.try_get(4)?,
        date_created: r.try_get(5)?,
        date_updated: r.try_get(6)?,
    })
}

fn bucket(r: &PgRow) -> Result<BucketRecord> {
    let (sid, rk, svc): (&str, &str, &str) = (r.try_get(0)?, r.try_get(1)?, r.try_get(2)?);
    let n = |i: usize| -> Result<u32> { Ok(count(r.try_get(i)?)) };
    Ok(BucketRecord {
        sid: BucketSid::parse(sid).map_err(|_| corrupt("bucket sid", sid))?,
        rate_limit_sid: RateLimitSid::parse(rk).map_err(|_| corrupt("rate limit sid", rk))?,
        service_sid: VerifyServiceSid::parse(svc).map_err(|_| corrupt("service sid", svc))?,
        account_sid: account_sid(r.try_get(3)?)?,
        max: n(4)?,
        interval_secs: n(5)?,
        date_created: r.try_get(6)?,
        date_updated: r.try_get(7)?,
    })
}

/// Charges every bucket once inside the caller's transaction: locks the (bucket, value)
/// pairs in a fixed order, then writes nothing unless every bucket has room.
pub(super) async fn charge_in(
    c: &mut PgConnection,
    mut charges: Vec<Charge>,
    now: Millis,
) -> Result<ChargeOutcome> {
    charges
        .sort_by(|a, b| (a.bucket.sid.as_str(), &a.value).cmp(&(b.bucket.sid.as_str(), &b.value)));
    let mut next = Vec::with_capacity(charges.len());
    for ch in &charges {
        sqlx::query("SELECT pg_advisory_xact_lock(hashtextextended($1 || ' ' || $2, 11))")
            .bind(ch.bucket.sid.as_str())
            .bind(&ch.value)
            .execute(&mut *c)
            .await?;
        let tat: Option<i64> = sqlx::query_scalar(
            "SELECT tat FROM rate_counters WHERE bucket_sid = $1 AND value = $2",
        )
        .bind(ch.bucket.sid.as_str())
        .bind(&ch.value)
        .fetch_optional(&mut *c)
        .await?;
        match gcra(&ch.bucket, tat, now) {
            Ok(t) => next.push(t),
            Err(wait) => {
                return Ok(ChargeOutcome::Limited {
                    bucket: Box::new(ch.bucket.clone()),
                    retry_after_ms: wait,
                })
            }
        }
    }
    for (ch, tat) in charges.iter().zip(next) {
        sqlx::query(
            "INSERT INTO rate_counters (bucket_sid, value, tat) VALUES ($1, $2, $3) \
             ON CONFLICT (bucket_sid, value) DO UPDATE SET tat = excluded.tat",
        )
        .bind(ch.bucket.sid.as_str())
        .bind(&ch.value)
        .bind(tat)
        .execute(&mut *c)
        .await?;
    }
    Ok(ChargeOutcome::Allowed)
}

#[async_trait]
impl RateLimitStore for PgStore {
    async fn create_rate_limit(&self, l: RateLimitRecord) -> Result<()> {
        sqlx::query(&format!(
            "INSERT INTO rate_limits ({RATE_LIMIT_COLUMNS}) VALUES ($1, $2, $3, $4, $5, $6, $6)"
        ))
        .bind(l.sid.as_str())
        .bind(l.service_sid.as_str())
        .bind(l.account_sid.as_str())
        .bind(&l.unique_name)
        .bind(&l.description)
        .bind(l.date_created)
        .execute(self.pool())
        .await?;
        Ok(())
    }

    async fn list_rate_limits(&self, service: &VerifyServiceSid) -> Result<Vec<RateLimitRecord>> {
        sqlx::query(&format!(
            "SELECT {RATE_LIMIT_COLUMNS} FROM rate_limits WHERE service_sid = $1 ORDER BY date_created, sid"
        ))
        .bind(service.as_str())
        .fetch_all(self.pool())
        .await?
        .iter()
        .map(rate_limit)
        .collect()
    }

    async fn get_rate_limit(
        &self,
        service: &VerifyServiceSid,
        sid: &RateLimitSid,
    ) -> Result<Option<RateLimitRecord>> {
        sqlx::query(&format!(
            "SELECT {RATE_LIMIT_COLUMNS} FROM rate_limits WHERE service_sid = $1 AND sid = $2"
        ))
        .bind(service.as_str())
        .bind(sid.as_str())
        .fetch_optional(self.pool())
        .await?
        .as_ref()
        .map(rate_limit)
        .transpose()
    }

    async fn update_rate_limit(
        &self,
        service: &VerifyServiceSid,
        sid: &RateLimitSid,
        description: String,
        now: Millis,
    ) -> Result<bool> {
        let r = sqlx::query(
            "UPDATE rate_limits SET description = $3, date_updated = $4 WHERE service_sid = $1 AND sid = $2",
        )
        .bind(service.as_str())
        .bind(sid.as_str())
        .bind(description)
        .bind(now)
        .execute(self.pool())
        .await?;
        Ok(r.rows_affected() > 0)
    }

    async fn delete_rate_limit(
        &self,
        service: &VerifyServiceSid,
        sid: &RateLimitSid,
    ) -> Result<bool> {
        let mut tx = self.pool().begin().await?;
        let n = sqlx::query("DELETE FROM rate_limits WHERE service_sid = $1 AND sid = $2")
            .bind(service.as_str())
            .bind(sid.as_str())
            .execute(&mut *tx)
            .await?
            .rows_affected();
        if n > 0 {
            sqlx::query(
                "DELETE FROM rate_counters WHERE bucket_sid IN \
                 (SELECT sid FROM rate_buckets WHERE rate_limit_sid = $1)",
            )
            .bind(sid.as_str())
            .execute(&mut *tx)
            .await?;
            sqlx::query("DELETE FROM rate_buckets WHERE rate_limit_sid = $1")
                .bind(sid.as_str())
                .execute(&mut *tx)
                .await?;
        }
        tx.commit().await?;
        Ok(n > 0)
    }

    async fn create_bucket(&self, b: BucketRecord) -> Result<()> {
        sqlx::query(&format!(
            "INSERT INTO rate_buckets ({BUCKET_COLUMNS}) VALUES ($1, $2, $3, $4, $5, $6, $7, $7)"
        ))
        .bind(b.sid.as_str())
        .bind(b.rate_limit_sid.as_str())
        .bind(b.service_sid.as_str())
        .bind(b.account_sid.as_str())
        .bind(int(b.max))
        .bind(int(b.interval_secs))
        .bind(b.date_created)
        .execute(self.pool())
        .await?;
        Ok(())
    }

    async fn list_buckets(&self, limit: &RateLimitSid) -> Result<Vec<BucketRecord>> {
        sqlx::query(&format!(
            "SELECT {BUCKET_COLUMNS} FROM rate_buckets WHERE rate_limit_sid = $1 ORDER BY interval_secs"
        ))
        .bind(limit.as_str())
        .fetch_all(self.pool())
        .await?
        .iter()
        .map(bucket)
        .collect()
    }

    async fn get_bucket(
        &self,
        limit: &RateLimitSid,
        sid: &BucketSid,
    ) -> Result<Option<BucketRecord>> {
        sqlx::query(&format!(
            "SELECT {BUCKET_COLUMNS} FROM rate_buckets WHERE rate_limit_sid = $1 AND sid = $2"
        ))
        .bind(limit.as_str())
        .bind(sid.as_str())
        .fetch_optional(self.pool())
        .await?
        .as_ref()
        .map(bucket)
        .transpose()
    }

    async fn update_bucket(
        &self,
        limit: &RateLimitSid,
        sid: &BucketSid,
        max: u32,
        interval_secs: u32,
        now: Millis,
    ) -> Result<bool> {
        let r = sqlx::query(
            "UPDATE rate_buckets SET max_requests = $3, interval_secs = $4, date_updated = $5 \
             WHERE rate_limit_sid = $1 AND sid = $2",
        )
        .bind(limit.as_str())
        .bind(sid.as_str())
        .bind(int(max))
        .bind(int(interval_secs))
        .bind(now)
        .execute(self.pool())
        .await?;
        Ok(r.rows_affected() > 0)
    }

    async fn delete_bucket(&self, limit: &RateLimitSid, sid: &BucketSid) -> Result<bool> {
        let mut tx = self.pool().begin().await?;
        let n = sqlx::query("DELETE FROM rate_buckets WHERE rate_limit_sid = $1 AND sid = $2")
            .bind(limit.as_str())
            .bind(sid.as_str())
            .execute(&mut *tx)
            .await?
            .rows_affected();
        sqlx::query("DELETE FROM rate_counters WHERE bucket_sid = $1")
            .bind(sid.as_str())
            .execute(&mut *tx)
            .await?;
        tx.commit().await?;
        Ok(n > 0)
    }

    async fn charge(&self, charges: Vec<Charge>, now: Millis) -> Result<ChargeOutcome> {
        if charges.is_empty() {
            return Ok(ChargeOutcome::Allowed);
        }
        let charges = self.crypt.seal_charges(charges);
        let mut tx = self.pool().begin().await?;
        let out = charge_in(&mut tx, charges, now).await?;
        match out {
            ChargeOutcome::Allowed => tx.commit().await?,
            ChargeOutcome::Limited { .. } => tx.rollback().await?,
        }
        Ok(out)
    }
}
