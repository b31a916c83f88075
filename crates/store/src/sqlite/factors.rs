//! Verify entities, TOTP factors and challenges on SQLite. Every change runs on the
//! single writer, so each read-decide-write below is atomic.

use super::rows::{account_sid, corrupt};
use super::SqliteStore;
use crate::error::{Error, Result};
use crate::factors::*;
use crate::sql::{CHALLENGE_COLUMNS, ENTITY_COLUMNS, FACTOR_COLUMNS};
use crate::FactorStore;
use async_trait::async_trait;
use rusqlite::{params, Connection, OptionalExtension, Row};
use switchboard_domain::clock::Millis;
use switchboard_domain::ids::{ChallengeSid, EntitySid, FactorSid, VerifyServiceSid};

fn parsed<T, E>(
    v: String,
    parse: impl Fn(&str) -> std::result::Result<T, E>,
) -> rusqlite::Result<T> {
    parse(&v).map_err(|_| corrupt("sid", &v))
}

fn entity(r: &Row<'_>) -> rusqlite::Result<EntityRecord> {
    Ok(EntityRecord {
        sid: parsed(r.get(0)?, EntitySid::parse)?,
        service_sid: parsed(r.get(1)?, VerifyServiceSid::parse)?,
        account_sid: account_sid(r.get(2)?)?,
        identity: r.get(3)?,
        date_created: r.get(4)?,
        date_updated: r.get(5)?,
    })
}

fn factor(r: &Row<'_>) -> rusqlite::Result<FactorRecord> {
    Ok(FactorRecord {
        sid: parsed(r.get(0)?, FactorSid::parse)?,
        service_sid: parsed(r.get(1)?, VerifyServiceSid::parse)?,
        account_sid: account_sid(r.get(2)?)?,
        entity_sid: parsed(r.get(3)?, EntitySid::parse)?,
        identity: r.get(4)?,
        friendly_name: r.get(5)?,
        factor_type: r.get(6)?,
        status: r.get(7)?,
        sealed_secret: r.get(8)?,
        config: TotpConfig {
            time_step: r.get(9)?,
            code_length: r.get(10)?,
            skew: r.get(11)?,
            alg: r.get(12)?,
        },
        last_step: r.get(13)?,
        failures: r.get(14)?,
        date_created: r.get(15)?,
        date_updated: r.get(16)?,
    })
}

fn challenge(r: &Row<'_>) -> rusqlite::Result<ChallengeRecord> {
    Ok(ChallengeRecord {
        sid: parsed(r.get(0)?, ChallengeSid::parse)?,
        service_sid: parsed(r.get(1)?, VerifyServiceSid::parse)?,
        account_sid: account_sid(r.get(2)?)?,
        entity_sid: parsed(r.get(3)?, EntitySid::parse)?,
        identity: r.get(4)?,
        factor_sid: parsed(r.get(5)?, FactorSid::parse)?,
        status: r.get(6)?,
        failures: r.get(7)?,
        expiration_date: r.get(8)?,
        date_responded: r.get(9)?,
        date_created: r.get(10)?,
        date_updated: r.get(11)?,
    })
}

type Key = (String, String, String);

fn key(service: &VerifyServiceSid, identity: &str, sid: &str) -> Key {
    (
        service.as_str().to_owned(),
        identity.to_owned(),
        sid.to_owned(),
    )
}

fn one_entity(c: &Connection, service: &str, identity: &str) -> Result<Option<EntityRecord>> {
    Ok(c.prepare_cached(&format!(
        "SELECT {ENTITY_COLUMNS} FROM verify_entities WHERE service_sid = ?1 AND identity = ?2"
    ))?
    .query_row([service, identity], entity)
    .optional()?)
}

fn one_factor(c: &Connection, (s, i, sid): &Key) -> Result<Option<FactorRecord>> {
    Ok(c.prepare_cached(&format!(
        "SELECT {FACTOR_COLUMNS} FROM verify_factors \
         WHERE service_sid = ?1 AND identity = ?2 AND sid = ?3"
    ))?
    .query_row([s, i, sid], factor)
    .optional()?)
}

fn one_challenge(c: &Connection, (s, i, sid): &Key) -> Result<Option<ChallengeRecord>> {
    Ok(c.prepare_cached(&format!(
        "SELECT {CHALLENGE_COLUMNS} FROM verify_challenges \
         WHERE service_sid = ?1 AND identity = ?2 AND sid = ?3"
    ))?
    .query_row([s, i, sid], challenge)
    .optional()?)
}

fn set_last_step(c: &Connection, factor: &str, step: i64, now: Millis) -> Result<()> {
    c.prepare_cached("UPDATE verify_factors SET last_step = ?2, date_updated = ?3 WHERE sid = ?1")?
        .execute(params![factor, step, now])?;
    Ok(())
}

fn verify(
    c: &Connection,
    k: &Key,
    answer: Answer,
    now: Millis,
    max: u32,
) -> Result<Attempt<FactorRecord>> {
    let Some(mut f) = one_factor(c, k)? else {
        return Ok(Attempt::NotFound);
    };
    Ok(match factor_verdict(&f, answer, max) {
        Verdict::Unchanged | Verdict::Expired => Attempt::Unchanged(f),
        Verdict::Locked => Attempt::Locked,
        Verdict::Accept(step) => {
            c.prepare_cached(
                "UPDATE verify_factors SET status = ?2, last_step = ?3, date_updated = ?4 WHERE sid = ?1",
            )?
            .execute(params![f.sid.as_str(), factor_status::VERIFIED, step, now])?;
            f.status = factor_status::VERIFIED.into();
            (f.last_step, f.date_updated) = (Some(step), now);
            Attempt::Accepted(f)
        }
        Verdict::Reject => {
            f.failures += 1;
            c.prepare_cached("UPDATE verify_factors SET failures = ?2 WHERE sid = ?1")?
                .execute(params![f.sid.as_str(), f.failures])?;
            Attempt::Rejected(f)
        }
    })
}

/// Applies a verdict to a stored pending challenge.
fn decide(
    c: &Connection,
    mut ch: ChallengeRecord,
    v: Verdict,
    now: Millis,
) -> Result<Attempt<ChallengeRecord>> {
    let sid = ch.sid.as_str().to_owned();
    Ok(match v {
        Verdict::Unchanged => Attempt::Unchanged(ch),
        Verdict::Locked => Attempt::Locked,
        Verdict::Expired => {
            c.prepare_cached(
                "UPDATE verify_challenges SET status = ?2, date_updated = ?3 WHERE sid = ?1",
            )?
            .execute(params![sid, challenge_status::EXPIRED, now])?;
            (ch.status, ch.date_updated) = (challenge_status::EXPIRED.into(), now);
            Attempt::Expired(ch)
        }
        Verdict::Accept(step) => {
            set_last_step(c, ch.factor_sid.as_str(), step, now)?;
            c.prepare_cached(
                "UPDATE verify_challenges SET status = ?2, date_responded = ?3, date_updated = ?3 WHERE sid = ?1",
            )?
            .execute(params![sid, challenge_status::APPROVED, now])?;
            ch.status = challenge_status::APPROVED.into();
            (ch.date_responded, ch.date_updated) = (Some(now), now);
            Attempt::Accepted(ch)
        }
        Verdict::Reject => {
            ch.failures += 1;
            c.prepare_cached("UPDATE verify_challenges SET failures = ?2 WHERE sid = ?1")?
                .execute(params![sid, ch.failures])?;
            Attempt::Rejected(ch)
        }
    })
}

fn answer(
    c: &Connection,
    k: &Key,
    a: Answer,
    now: Millis,
    max: u32,
) -> Result<Attempt<ChallengeRecord>> {
    let Some(ch) = one_challenge(c, k)? else {
        return Ok(Attempt::NotFound);
    };
    let fk = (k.0.clone(), k.1.clone(), ch.factor_sid.as_str().to_owned());
    let Some(f) = one_factor(c, &fk)? else {
        return Ok(Attempt::NotFound);
    };
    let v = challenge_verdict(&ch, f.last_step, a, now, max);
    decide(c, ch, v, now)
}

fn create_challenge(
    c: &Connection,
    ch: ChallengeRecord,
    a: Option<Answer>,
) -> Result<Option<ChallengeRecord>> {
    let fk = key(&ch.service_sid, &ch.identity, ch.factor_sid.as_str());
    let Some(f) = one_factor(c, &fk)? else {
        return Ok(None);
    };
    c.prepare_cached(&format!(
        "INSERT INTO verify_challenges ({CHALLENGE_COLUMNS}) \
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12)"
    ))?
    .execute(params![
        ch.sid.as_str(),
        ch.service_sid.as_str(),
        ch.account_sid.as_str(),
        ch.entity_sid.as_str(),
        ch.identity,
        ch.factor_sid.as_str(),
        ch.status,
        ch.failures,
        ch.expiration_date,
        ch.date_responded,
        ch.date_created,
        ch.date_updated,
    ])?;
    let Some(a) = a else {
        return Ok(Some(ch));
    };
    let now = ch.date_created;
    let v = challenge_verdict(&ch, f.last_step, a, now, u32::MAX);
    match decide(c, ch, v, now)? {
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
impl FactorStore for SqliteStore {
    async fn ensure_entity(&self, e: EntityRecord) -> Result<(EntityRecord, bool)> {
        self.write(move |c| {
            let n = c
                .prepare_cached(&format!(
                    "INSERT INTO verify_entities ({ENTITY_COLUMNS}) VALUES (?1, ?2, ?3, ?4, ?5, ?6) \
                     ON CONFLICT (service_sid, identity) DO NOTHING"
                ))?
                .execute(params![
                    e.sid.as_str(),
                    e.service_sid.as_str(),
                    e.account_sid.as_str(),
                    e.identity,
                    e.date_created,
                    e.date_updated,
                ])?;
            let stored = one_entity(c, e.service_sid.as_str(), &e.identity)?
                .ok_or_else(|| Error::Other("entity vanished after insert".into()))?;
            Ok((stored, n > 0))
        })
        .await
    }

    async fn get_entity(
        &self,
        service: &VerifyServiceSid,
        identity: &str,
    ) -> Result<Option<EntityRecord>> {
        let (s, i) = (service.as_str().to_owned(), identity.to_owned());
        self.read(move |c| one_entity(c, &s, &i)).await
    }

    async fn list_entities(&self, service: &VerifyServiceSid) -> Result<Vec<EntityRecord>> {
        let s = service.as_str().to_owned();
        self.read(move |c| {
            let mut st = c.prepare_cached(&format!(
                "SELECT {ENTITY_COLUMNS} FROM verify_entities WHERE service_sid = ?1 \
                 ORDER BY date_created, sid"
            ))?;
            let rows = st.query_map([s], entity)?;
            Ok(rows.collect::<rusqlite::Result<Vec<_>>>()?)
        })
        .await
    }

    async fn delete_entity(&self, service: &VerifyServiceSid, identity: &str) -> Result<bool> {
        let (s, i) = (service.as_str().to_owned(), identity.to_owned());
        self.write(move |c| {
            for table in ["verify_challenges", "verify_factors"] {
                c.prepare_cached(&format!(
                    "DELETE FROM {table} WHERE service_sid = ?1 AND identity = ?2"
                ))?
                .execute([&s, &i])?;
            }
            let n = c
                .prepare_cached(
                    "DELETE FROM verify_entities WHERE service_sid = ?1 AND identity = ?2",
                )?
                .execute([&s, &i])?;
            Ok(n > 0)
        })
        .await
    }

    async fn create_factor(&self, f: FactorRecord) -> Result<()> {
        self.write(move |c| {
            c.prepare_cached(&format!(
                "INSERT INTO verify_factors ({FACTOR_COLUMNS}) VALUES \
                 (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15, ?16, ?17)"
            ))?
            .execute(params![
                f.sid.as_str(),
                f.service_sid.as_str(),
                f.account_sid.as_str(),
                f.entity_sid.as_str(),
                f.identity,
                f.friendly_name,
                f.factor_type,
                f.status,
                f.sealed_secret,
                f.config.time_step,
                f.config.code_length,
                f.config.skew,
                f.config.alg,
                f.last_step,
                f.failures,
                f.date_created,
                f.date_updated,
            ])?;
            Ok(())
        })
        .await
    }

    async fn get_factor(
        &self,
        service: &VerifyServiceSid,
        identity: &str,
        sid: &FactorSid,
    ) -> Result<Option<FactorRecord>> {
        let k = key(service, identity, sid.as_str());
        self.read(move |c| one_factor(c, &k)).await
    }

    async fn list_factors(
        &self,
        service: &VerifyServiceSid,
        identity: &str,
    ) -> Result<Vec<FactorRecord>> {
        let (s, i) = (service.as_str().to_owned(), identity.to_owned());
        self.read(move |c| {
            let mut st = c.prepare_cached(&format!(
                "SELECT {FACTOR_COLUMNS} FROM verify_factors WHERE service_sid = ?1 AND identity = ?2 \
                 ORDER BY date_created, sid"
            ))?;
            let rows = st.query_map([s, i], factor)?;
            Ok(rows.collect::<rusqlite::Result<Vec<_>>>()?)
        })
        .await
    }

    async fn delete_factor(
        &self,
        service: &VerifyServiceSid,
        identity: &str,
        sid: &FactorSid,
    ) -> Result<bool> {
        let (s, i, sid) = key(service, identity, sid.as_str());
        self.write(move |c| {
            let n = c
                .prepare_cached("DELETE FROM verify_factors WHERE service_sid = ?1 AND identity = ?2 AND sid = ?3")?
                .execute([&s, &i, &sid])?;
            if n > 0 {
                c.prepare_cached("DELETE FROM verify_challenges WHERE factor_sid = ?1")?
                    .execute([&sid])?;
            }
            Ok(n > 0)
        })
        .await
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
        let k = key(service, identity, sid.as_str());
        self.write(move |c| verify(c, &k, a, now, max_failures))
            .await
    }

    async fn create_challenge(
        &self,
        ch: ChallengeRecord,
        a: Option<Answer>,
    ) -> Result<Option<ChallengeRecord>> {
        self.write(move |c| create_challenge(c, ch, a)).await
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
        let k = key(service, identity, sid.as_str());
        self.write(move |c| answer(c, &k, a, now, max_failures))
            .await
    }

    async fn get_challenge(
        &self,
        service: &VerifyServiceSid,
        identity: &str,
        sid: &ChallengeSid,
    ) -> Result<Option<ChallengeRecord>> {
        let k = key(service, identity, sid.as_str());
        self.read(move |c| one_challenge(c, &k)).await
    }

    async fn list_challenges(
        &self,
        service: &VerifyServiceSid,
        identity: &str,
    ) -> Result<Vec<ChallengeRecord>> {
        let (s, i) = (service.as_str().to_owned(), identity.to_owned());
        self.read(move |c| {
            let mut st = c.prepare_cached(&format!(
                "SELECT {CHALLENGE_COLUMNS} FROM verify_challenges WHERE service_sid = ?1 AND identity = ?2 \
                 ORDER BY date_created, sid"
            ))?;
            let rows = st.query_map([s, i], challenge)?;
            Ok(rows.collect::<rusqlite::Result<Vec<_>>>()?)
        })
        .await
    }
}
