//! Verify entities, TOTP factors and challenges on PostgreSQL. A code attempt runs in
//! one transaction holding row locks (`FOR UPDATE`) on the challenge, then its factor,
//! so two nodes cannot both accept the same step or lose a failure count.

use super::rows::{account_sid, corrupt, count, int};
use super::PgStore;
use crate::error::{Error, Result};
use crate::factors::*;
use crate::sql::{CHALLENGE_COLUMNS, ENTITY_COLUMNS, FACTOR_COLUMNS};
use crate::FactorStore;
use async_trait::async_trait;
use sqlx::postgres::PgRow;
use sqlx::{PgConnection, Row};
use switchboard_domain::clock::Millis;
use switchboard_domain::ids::{ChallengeSid, EntitySid, FactorSid, VerifyServiceSid};

fn parsed<T, E>(
    r: &PgRow,
    i: usize,
    what: &str,
    parse: impl Fn(&str) -> std::result::Result<T, E>,
) -> Result<T> {
    let v: &str = r.try_get(i)?;
    parse(v).map_err(|_| corrupt(what, v))
}

fn entity(r: &PgRow) -> Result<EntityRecord> {
    Ok(EntityRecord {
        sid: parsed(r, 0, "entity sid", EntitySid::parse)?,
        service_sid: parsed(r, 1, "verify service sid", VerifyServiceSid::parse)?,
        account_sid: account_sid(r.try_get(2)?)?,
        identity: r.try_get(3)?,
        date_created: r.try_get(4)?,
        date_updated: r.try_get(5)?,
    })
}

fn factor(r: &PgRow) -> Result<FactorRecord> {
    Ok(FactorRecord {
        sid: parsed(r, 0, "factor sid", FactorSid::parse)?,
        service_sid: parsed(r, 1, "verify service sid", VerifyServiceSid::parse)?,
        account_sid: account_sid(r.try_get(2)?)?,
        entity_sid: parsed(r, 3, "entity sid", EntitySid::parse)?,
        identity: r.try_get(4)?,
        friendly_name: r.try_get(5)?,
        factor_type: r.try_get(6)?,
        status: r.try_get(7)?,
        sealed_secret: r.try_get(8)?,
        config: TotpConfig {
            time_step: count(r.try_get(9)?),
            code_length: count(r.try_get(10)?),
            skew: count(r.try_get(11)?),
            alg: r.try_get(12)?,
        },
        last_step: r.try_get(13)?,
        failures: count(r.try_get(14)?),
        date_created: r.try_get(15)?,
        date_updated: r.try_get(16)?,
    })
}

fn challenge(r: &PgRow) -> Result<ChallengeRecord> {
    Ok(ChallengeRecord {
        sid: parsed(r, 0, "challenge sid", ChallengeSid::parse)?,
        service_sid: parsed(r, 1, "verify service sid", VerifyServiceSid::parse)?,
        account_sid: account_sid(r.try_get(2)?)?,
        entity_sid: parsed(r, 3, "entity sid", EntitySid::parse)?,
        identity: r.try_get(4)?,
        factor_sid: parsed(r, 5, "factor sid", FactorSid::parse)?,
        status: r.try_get(6)?,
        failures: count(r.try_get(7)?),
        expiration_date: r.try_get(8)?,
        date_responded: r.try_get(9)?,
        date_created: r.try_get(10)?,
        date_updated: r.try_get(11)?,
    })
}

fn lock(yes: bool) -> &'static str {
    if yes {
        " FOR UPDATE"
    } else {
        ""
    }
}

async fn one_factor(
    c: &mut PgConnection,
    s: &str,
    i: &str,
    sid: &str,
    locked: bool,
) -> Result<Option<FactorRecord>> {
    sqlx::query(&format!(
        "SELECT {FACTOR_COLUMNS} FROM verify_factors \
         WHERE service_sid = $1 AND identity = $2 AND sid = $3{}",
        lock(locked)
    ))
    .bind(s)
    .bind(i)
    .bind(sid)
    .fetch_optional(c)
    .await?
    .as_ref()
    .map(factor)
    .transpose()
}

async fn one_challenge(
    c: &mut PgConnection,
    s: &str,
    i: &str,
    sid: &str,
    locked: bool,
) -> Result<Option<ChallengeRecord>> {
    sqlx::query(&format!(
        "SELECT {CHALLENGE_COLUMNS} FROM verify_challenges \
         WHERE service_sid = $1 AND identity = $2 AND sid = $3{}",
        lock(locked)
    ))
    .bind(s)
    .bind(i)
    .bind(sid)
    .fetch_optional(c)
    .await?
    .as_ref()
    .map(challenge)
    .transpose()
}

async fn verify(
    c: &mut PgConnection,
    s: &str,
    i: &str,
    sid: &str,
    a: Answer,
    now: Millis,
    max: u32,
) -> Result<Attempt<FactorRecord>> {
    let Some(mut f) = one_factor(c, s, i, sid, true).await? else {
        return Ok(Attempt::NotFound);
    };
    Ok(match factor_verdict(&f, a, max) {
        Verdict::Unchanged | Verdict::Expired => Attempt::Unchanged(f),
        Verdict::Locked => Attempt::Locked,
        Verdict::Accept(step) => {
            sqlx::query("UPDATE verify_factors SET status = $2, last_step = $3, date_updated = $4 WHERE sid = $1")
                .bind(sid)
                .bind(factor_status::VERIFIED)
                .bind(step)
                .bind(now)
                .execute(&mut *c)
                .await?;
            f.status = factor_status::VERIFIED.into();
            (f.last_step, f.date_updated) = (Some(step), now);
            Attempt::Accepted(f)
        }
        Verdict::Reject => {
            f.failures += 1;
            sqlx::query("UPDATE verify_factors SET failures = $2 WHERE sid = $1")
                .bind(sid)
                .bind(int(f.failures))
                .execute(&mut *c)
                .await?;
            Attempt::Rejected(f)
        }
    })
}

/// Applies a verdict to a stored pending challenge (its factor row is locked).
async fn decide(
    c: &mut PgConnection,
    mut ch: ChallengeRecord,
    v: Verdict,
    now: Millis,
) -> Result<Attempt<ChallengeRecord>> {
    let sid = ch.sid.as_str().to_owned();
    Ok(match v {
        Verdict::Unchanged => Attempt::Unchanged(ch),
        Verdict::Locked => Attempt::Locked,
        Verdict::Expired => {
            sqlx::query(
                "UPDATE verify_challenges SET status = $2, date_updated = $3 WHERE sid = $1",
            )
            .bind(&sid)
            .bind(challenge_status::EXPIRED)
            .bind(now)
            .execute(&mut *c)
            .await?;
            (ch.status, ch.date_updated) = (challenge_status::EXPIRED.into(), now);
            Attempt::Expired(ch)
        }
        Verdict::Accept(step) => {
            sqlx::query(
                "UPDATE verify_factors SET last_step = $2, date_updated = $3 WHERE sid = $1",
            )
            .bind(ch.factor_sid.as_str())
            .bind(step)
            .bind(now)
            .execute(&mut *c)
            .await?;
            sqlx::query(
                "UPDATE verify_challenges SET status = $2, date_responded = $3, date_updated = $3 WHERE sid = $1",
            )
            .bind(&sid)
            .bind(challenge_status::APPROVED)
            .bind(now)
            .execute(&mut *c)
            .await?;
            ch.status = challenge_status::APPROVED.into();
            (ch.date_responded, ch.date_updated) = (Some(now), now);
            Attempt::Accepted(ch)
        }
        Verdict::Reject => {
            ch.failures += 1;
            sqlx::query("UPDATE verify_challenges SET failures = $2 WHERE sid = $1")
                .bind(&sid)
                .bind(int(ch.failures))
                .execute(&mut *c)
                .await?;
            Attempt::Rejected(ch)
        }
    })
}

async fn answer(
    c: &mut PgConnection,
    s: &str,
    i: &str,
    sid: &str,
    a: Answer,
    now: Millis,
    max: u32,
) -> Result<Attempt<ChallengeRecord>> {
    let Some(ch) = one_challenge(c, s, i, sid, true).await? else {
        return Ok(Attempt::NotFound);
    };
    let Some(f) = one_factor(c, s, i, ch.factor_sid.as_str(), true).await? else {
        return Ok(Attempt::NotFound);
    };
    let v = challenge_verdict(&ch, f.last_step, a, now, max);
    decide(c, ch, v, now).await
}

async fn create_challenge(
    c: &mut PgConnection,
    ch: ChallengeRecord,
    a: Option<Answer>,
) -> Result<Option<ChallengeRecord>> {
    let (s, i) = (ch.service_sid.as_str().to_owned(), ch.identity.clone());
    let Some(f) = one_factor(c, &s, &i, ch.factor_sid.as_str(), true).await? else {
        return Ok(None);
    };
    sqlx::query(&format!(
        "INSERT INTO verify_challenges ({CHALLENGE_COLUMNS}) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12)"
    ))
    .bind(ch.sid.as_str())
    .bind(&s)
    .bind(ch.account_sid.as_str())
    .bind(ch.entity_sid.as_str())
    .bind(&i)
    .bind(ch.factor_sid.as_str())
    .bind(&ch.status)
    .bind(int(ch.failures))
    .bind(ch.expiration_date)
    .bind(ch.date_responded)
    .bind(ch.date_created)
    .bind(ch.date_updated)
    .execute(&mut *c)
    .await?;
    let Some(a) = a else {
        return Ok(Some(ch));
    };
    let now = ch.date_created;
    let v = challenge_verdict(&ch, f.last_step, a, now, u32::MAX);
    match decide(c, ch, v, now).await? {
        Attempt::Accepted(ch)
        | Attempt::Rejected(ch)
        | Attempt::Unchanged(ch)
        | Attempt::Expired(ch) => Ok(Some(ch)),
        Attempt::NotFound | Attempt::Locked => {
            Err(Error::Other("new challenge not decided".into()))
        }
    }
}

#[async_trait]
impl FactorStore for PgStore {
    async fn ensure_entity(&self, e: EntityRecord) -> Result<(EntityRecord, bool)> {
        let n = sqlx::query(&format!(
            "INSERT INTO verify_entities ({ENTITY_COLUMNS}) VALUES ($1, $2, $3, $4, $5, $6) \
             ON CONFLICT (service_sid, identity) DO NOTHING"
        ))
        .bind(e.sid.as_str())
        .bind(e.service_sid.as_str())
        .bind(e.account_sid.as_str())
        .bind(&e.identity)
        .bind(e.date_created)
        .bind(e.date_updated)
        .execute(self.pool())
        .await?
        .rows_affected();
        let stored = self
            .get_entity(&e.service_sid, &e.identity)
            .await?
            .ok_or_else(|| Error::Other("entity vanished after insert".into()))?;
        Ok((stored, n > 0))
    }

    async fn get_entity(
        &self,
        service: &VerifyServiceSid,
        identity: &str,
    ) -> Result<Option<EntityRecord>> {
        sqlx::query(&format!(
            "SELECT {ENTITY_COLUMNS} FROM verify_entities WHERE service_sid = $1 AND identity = $2"
        ))
        .bind(service.as_str())
        .bind(identity)
        .fetch_optional(self.pool())
        .await?
        .as_ref()
        .map(entity)
        .transpose()
    }

    async fn list_entities(&self, service: &VerifyServiceSid) -> Result<Vec<EntityRecord>> {
        sqlx::query(&format!(
            "SELECT {ENTITY_COLUMNS} FROM verify_entities WHERE service_sid = $1 ORDER BY date_created, sid"
        ))
        .bind(service.as_str())
        .fetch_all(self.pool())
        .await?
        .iter()
        .map(entity)
        .collect()
    }

    async fn delete_entity(&self, service: &VerifyServiceSid, identity: &str) -> Result<bool> {
        let mut tx = self.pool().begin().await?;
        for table in ["verify_challenges", "verify_factors"] {
            sqlx::query(&format!(
                "DELETE FROM {table} WHERE service_sid = $1 AND identity = $2"
            ))
            .bind(service.as_str())
            .bind(identity)
            .execute(&mut *tx)
            .await?;
        }
        let n = sqlx::query("DELETE FROM verify_entities WHERE service_sid = $1 AND identity = $2")
            .bind(service.as_str())
            .bind(identity)
            .execute(&mut *tx)
            .await?
            .rows_affected();
        tx.commit().await?;
        Ok(n > 0)
    }

    async fn create_factor(&self, f: FactorRecord) -> Result<()> {
        sqlx::query(&format!(
            "INSERT INTO verify_factors ({FACTOR_COLUMNS}) VALUES \
             ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17)"
        ))
        .bind(f.sid.as_str())
        .bind(f.service_sid.as_str())
        .bind(f.account_sid.as_str())
        .bind(f.entity_sid.as_str())
        .bind(&f.identity)
        .bind(&f.friendly_name)
        .bind(&f.factor_type)
        .bind(&f.status)
        .bind(&f.sealed_secret)
        .bind(int(f.config.time_step))
        .bind(int(f.config.code_length))
        .bind(int(f.config.skew))
        .bind(&f.config.alg)
        .bind(f.last_step)
        .bind(int(f.failures))
        .bind(f.date_created)
        .bind(f.date_updated)
        .execute(self.pool())
        .await?;
        Ok(())
    }

    async fn get_factor(
        &self,
        service: &VerifyServiceSid,
        identity: &str,
        sid: &FactorSid,
    ) -> Result<Option<FactorRecord>> {
        let mut c = self.pool().acquire().await?;
        one_factor(&mut c, service.as_str(), identity, sid.as_str(), false).await
    }

    async fn list_factors(
        &self,
        service: &VerifyServiceSid,
        identity: &str,
    ) -> Result<Vec<FactorRecord>> {
        sqlx::query(&format!(
            "SELECT {FACTOR_COLUMNS} FROM verify_factors WHERE service_sid = $1 AND identity = $2 \
             ORDER BY date_created, sid"
        ))
        .bind(service.as_str())
        .bind(identity)
        .fetch_all(self.pool())
        .await?
        .iter()
        .map(factor)
        .collect()
    }

    async fn delete_factor(
        &self,
        service: &VerifyServiceSid,
        identity: &str,
        sid: &FactorSid,
    ) -> Result<bool> {
        let mut tx = self.pool().begin().await?;
        let n = sqlx::query(
            "DELETE FROM verify_factors WHERE service_sid = $1 AND identity = $2 AND sid = $3",
        )
        .bind(service.as_str())
        .bind(identity)
        .bind(sid.as_str())
        .execute(&mut *tx)
        .await?
        .rows_affected();
        if n > 0 {
            sqlx::query("DELETE FROM verify_challenges WHERE factor_sid = $1")
                .bind(sid.as_str())
                .execute(&mut *tx)
                .await?;
        }
        tx.commit().await?;
        Ok(n > 0)
    }

    async fn verify_factor(
        &self,
        service: &VerifyServiceSid,
        identity: &str,
        sid: &FactorSid,
        a: Answer,
        now: Millis,
        max_failures: u32,
    ) -> Result<Attempt<FactorRecord>> {
        let mut tx = self.pool().begin().await?;
        let out = verify(
            &mut tx,
            service.as_str(),
            identity,
            sid.as_str(),
            a,
            now,
            max_failures,
        )
        .await?;
        tx.commit().await?;
        Ok(out)
    }

    async fn create_challenge(
        &self,
        ch: ChallengeRecord,
        a: Option<Answer>,
    ) -> Result<Option<ChallengeRecord>> {
        let mut tx = self.pool().begin().await?;
        let out = create_challenge(&mut tx, ch, a).await?;
        tx.commit().await?;
        Ok(out)
    }

    async fn answer_challenge(
        &self,
        service: &VerifyServiceSid,
        identity: &str,
        sid: &ChallengeSid,
        a: Answer,
        now: Millis,
        max_failures: u32,
    ) -> Result<Attempt<ChallengeRecord>> {
        let mut tx = self.pool().begin().await?;
        let out = answer(
            &mut tx,
            service.as_str(),
            identity,
            sid.as_str(),
            a,
            now,
            max_failures,
        )
        .await?;
        tx.commit().await?;
        Ok(out)
    }

    async fn get_challenge(
        &self,
        service: &VerifyServiceSid,
        identity: &str,
        sid: &ChallengeSid,
    ) -> Result<Option<ChallengeRecord>> {
        let mut c = self.pool().acquire().await?;
        one_challenge(&mut c, service.as_str(), identity, sid.as_str(), false).await
    }

    async fn list_challenges(
        &self,
        service: &VerifyServiceSid,
        identity: &str,
    ) -> Result<Vec<ChallengeRecord>> {
        sqlx::query(&format!(
            "SELECT {CHALLENGE_COLUMNS} FROM verify_challenges WHERE service_sid = $1 AND identity = $2 \
             ORDER BY date_created, sid"
        ))
        .bind(service.as_str())
        .bind(identity)
        .fetch_all(self.pool())
        .await?
        .iter()
        .map(challenge)
        .collect()
    }
}
