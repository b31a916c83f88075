//! Verify rate limits, buckets and their counters on SQLite (one writer: a charge's
//! read-then-write is atomic).

use super::rows::{account_sid, corrupt};
use super::SqliteStore;
use crate::error::Result;
use crate::sql::{gcra, BUCKET_COLUMNS, RATE_LIMIT_COLUMNS};
use crate::verify::{BucketRecord, Charge, ChargeOutcome, RateLimitRecord};
use crate::RateLimitStore;
use async_trait::async_trait;
use rusqlite::{params, Connection, OptionalExtension, Row};
use switchboard_domain::clock::Millis;
use switchboard_domain::ids::{BucketSid, RateLimitSid, VerifyServiceSid};

fn rate_limit(r: &Row<'_>) -> rusqlite::Result<RateLimitRecord> {
    let (sid, svc): (String, String) = (r.get(0)?, r.get(1)?);
    Ok(RateLimitRecord {
        sid: RateLimitSid::parse(&sid).map_err(|_| corrupt("sid", &sid))?,
        service_sid: VerifyServiceSid::parse(&svc).map_err(|_| corrupt("sid", &svc))?,
        account_sid: account_sid(r.get(2)?)?,
        unique_name: r.get(3)?,
        description: r.get(4)?,
        date_created: r.get(5)?,
        date_updated: r.get(6)?,
    })
}

fn bucket(r: &Row<'_>) -> rusqlite::Result<BucketRecord> {
    let (sid, rk, svc): (String, String, String) = (r.get(0)?, r.get(1)?, r.get(2)?);
    Ok(BucketRecord {
        sid: BucketSid::parse(&sid).map_err(|_| corrupt("sid", &sid))?,
        rate_limit_sid: RateLimitSid::parse(&rk).map_err(|_| corrupt("sid", &rk))?,
        service_sid: VerifyServiceSid::parse(&svc).map_err(|_| corrupt("sid", &svc))?,
        account_sid: account_sid(r.get(3)?)?,
        max: r.get(4)?,
        interval_secs: r.get(5)?,
        date_created: r.get(6)?,
        date_updated: r.get(7)?,
    })
}

/// Charges every bucket once, all or nothing, inside the caller's transaction (the
/// single writer makes the read-then-write atomic).
pub(super) fn charge_in(c: &Connection, charges: &[Charge], now: Millis) -> Result<ChargeOutcome> {
    let mut next = Vec::with_capacity(charges.len());
    for ch in charges {
        let tat: Option<i64> = c
            .prepare_cached("SELECT tat FROM rate_counters WHERE bucket_sid = ?1 AND value = ?2")?
            .query_row([ch.bucket.sid.as_str(), ch.value.as_str()], |r| r.get(0))
            .optional()?;
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
        c.prepare_cached(
            "INSERT INTO rate_counters (bucket_sid, value, tat) VALUES (?1, ?2, ?3) \
             ON CONFLICT (bucket_sid, value) DO UPDATE SET tat = excluded.tat",
        )?
        .execute(params![ch.bucket.sid.as_str(), ch.value, tat])?;
    }
    Ok(ChargeOutcome::Allowed)
}

#[async_trait]
impl RateLimitStore for SqliteStore {
    async fn create_rate_limit(&self, l: RateLimitRecord) -> Result<()> {
        self.write(move |c| {
            c.prepare_cached(&format!(
                "INSERT INTO rate_limits ({RATE_LIMIT_COLUMNS}) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?6)"
            ))?
            .execute(params![
                l.sid.as_str(),
                l.service_sid.as_str(),
                l.account_sid.as_str(),
                l.unique_name,
                l.description,
                l.date_created
            ])?;
            Ok(())
        })
        .await
    }

    async fn list_rate_limits(&self, service: &VerifyServiceSid) -> Result<Vec<RateLimitRecord>> {
        let service = service.as_str().to_owned();
        self.read(move |c| {
            let mut st = c.prepare_cached(&format!(
                "SELECT {RATE_LIMIT_COLUMNS} FROM rate_limits WHERE service_sid = ?1 ORDER BY date_created, sid"
            ))?;
            let rows = st.query_map([service], rate_limit)?;
            Ok(rows.collect::<rusqlite::Result<Vec<_>>>()?)
        })
        .await
    }

    async fn get_rate_limit(
        &self,
        service: &VerifyServiceSid,
        sid: &RateLimitSid,
    ) -> Result<Option<RateLimitRecord>> {
        let (service, sid) = (service.as_str().to_owned(), sid.as_str().to_owned());
        self.read(move |c| {
            Ok(c.prepare_cached(&format!(
                "SELECT {RATE_LIMIT_COLUMNS} FROM rate_limits WHERE service_sid = ?1 AND sid = ?2"
            ))?
            .query_row([service, sid], rate_limit)
            .optional()?)
        })
        .await
    }

    async fn update_rate_limit(
        &self,
        service: &VerifyServiceSid,
        sid: &RateLimitSid,
        description: String,
        now: Millis,
    ) -> Result<bool> {
        let (service, sid) = (service.as_str().to_owned(), sid.as_str().to_owned());
        self.write(move |c| {
            Ok(c.prepare_cached(
                "UPDATE rate_limits SET description = ?3, date_updated = ?4 WHERE service_sid = ?1 AND sid = ?2",
            )?
            .execute(params![service, sid, description, now])?
                > 0)
        })
        .await
    }

    async fn delete_rate_limit(
        &self,
        service: &VerifyServiceSid,
        sid: &RateLimitSid,
    ) -> Result<bool> {
        let (service, sid) = (service.as_str().to_owned(), sid.as_str().to_owned());
        self.write(move |c| {
            let n = c
                .prepare_cached("DELETE FROM rate_limits WHERE service_sid = ?1 AND sid = ?2")?
                .execute([&service, &sid])?;
            if n > 0 {
                c.prepare_cached(
                    "DELETE FROM rate_counters WHERE bucket_sid IN \
                     (SELECT sid FROM rate_buckets WHERE rate_limit_sid = ?1)",
                )?
                .execute([&sid])?;
                c.prepare_cached("DELETE FROM rate_buckets WHERE rate_limit_sid = ?1")?
                    .execute([&sid])?;
            }
            Ok(n > 0)
        })
        .await
    }

    async fn create_bucket(&self, b: BucketRecord) -> Result<()> {
        self.write(move |c| {
            c.prepare_cached(&format!(
                "INSERT INTO rate_buckets ({BUCKET_COLUMNS}) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?7)"
            ))?
            .execute(params![
                b.sid.as_str(),
                b.rate_limit_sid.as_str(),
                b.service_sid.as_str(),
                b.account_sid.as_str(),
                b.max,
                b.interval_secs,
                b.date_created
            ])?;
            Ok(())
        })
        .await
    }

    async fn list_buckets(&self, limit: &RateLimitSid) -> Result<Vec<BucketRecord>> {
        let limit = limit.as_str().to_owned();
        self.read(move |c| {
            let mut st = c.prepare_cached(&format!(
                "SELECT {BUCKET_COLUMNS} FROM rate_buckets WHERE rate_limit_sid = ?1 ORDER BY interval_secs"
            ))?;
            let rows = st.query_map([limit], bucket)?;
            Ok(rows.collect::<rusqlite::Result<Vec<_>>>()?)
        })
        .await
    }

    async fn get_bucket(
        &self,
        limit: &RateLimitSid,
        sid: &BucketSid,
    ) -> Result<Option<BucketRecord>> {
        let (limit, sid) = (limit.as_str().to_owned(), sid.as_str().to_owned());
        self.read(move |c| {
            Ok(c.prepare_cached(&format!(
                "SELECT {BUCKET_COLUMNS} FROM rate_buckets WHERE rate_limit_sid = ?1 AND sid = ?2"
            ))?
            .query_row([limit, sid], bucket)
            .optional()?)
        })
        .await
    }

    async fn update_bucket(
        &self,
        limit: &RateLimitSid,
        sid: &BucketSid,
        max: u32,
        interval_secs: u32,
        now: Millis,
    ) -> Result<bool> {
        let (limit, sid) = (limit.as_str().to_owned(), sid.as_str().to_owned());
        self.write(move |c| {
            let n = c
                .prepare_cached(
                    "UPDATE rate_buckets SET max_requests = ?3, interval_secs = ?4, date_updated = ?5 \
                     WHERE rate_limit_sid = ?1 AND sid = ?2",
                )?
                .execute(params![limit, sid, max, interval_secs, now])?;
            Ok(n > 0)
        })
        .await
    }

    async fn delete_bucket(&self, limit: &RateLimitSid, sid: &BucketSid) -> Result<bool> {
        let (limit, sid) = (limit.as_str().to_owned(), sid.as_str().to_owned());
        self.write(move |c| {
            let n = c
                .prepare_cached("DELETE FROM rate_buckets WHERE rate_limit_sid = ?1 AND sid = ?2")?
                .execute([&limit, &sid])?;
            c.prepare_cached("DELETE FROM rate_counters WHERE bucket_sid = ?1")?
                .execute([&sid])?;
            Ok(n > 0)
        })
        .await
    }

    async fn charge(&self, charges: Vec<Charge>, now: Millis) -> Result<ChargeOutcome> {
        if charges.is_empty() {
            return Ok(ChargeOutcome::Allowed);
        }
        let charges = self.inner.crypt.seal_charges(charges);
        self.write(move |c| charge_in(c, &charges, now)).await
    }
}
