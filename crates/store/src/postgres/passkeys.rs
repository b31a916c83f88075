//! The Verify passkeys factor on PostgreSQL. A ceremony is taken with
//! `DELETE … RETURNING`, so across nodes exactly one request gets it; a credential id
//! is unique per service by index (a racing second registration gets `CredentialExists`).

use super::rows::{account_sid, corrupt};
use super::PgStore;
use crate::error::{Error, Result};
use crate::passkeys::*;
use crate::PasskeyStore;
use async_trait::async_trait;
use sqlx::postgres::PgRow;
use sqlx::{PgConnection, Row};
use switchboard_domain::clock::Millis;
use switchboard_domain::ids::{EntitySid, FactorSid, VerifyServiceSid};

const FACTOR_COLUMNS: &str = "sid, service_sid, account_sid, entity_sid, identity, friendly_name, \
     status, user_handle, credential_id, transports, static_state, dynamic_state, date_created, \
     date_updated";
const CEREMONY_COLUMNS: &str = "challenge, service_sid, account_sid, kind, sid, factor_sid, \
     identity, state, expires_at, date_created";

fn service_sid(v: &str) -> Result<VerifyServiceSid> {
    VerifyServiceSid::parse(v).map_err(|_| corrupt("verify service sid", v))
}

fn factor(r: &PgRow) -> Result<PasskeyFactorRecord> {
    let (sid, entity): (&str, &str) = (r.try_get(0)?, r.try_get(3)?);
    let id: Option<Vec<u8>> = r.try_get(8)?;
    let credential = match id {
        Some(id) => Some(PasskeyCredential {
            id,
            transports: r.try_get::<Option<Vec<u8>>, _>(9)?.unwrap_or_default(),
            static_state: r.try_get::<Option<Vec<u8>>, _>(10)?.unwrap_or_default(),
            dynamic_state: r.try_get::<Option<Vec<u8>>, _>(11)?.unwrap_or_default(),
        }),
        None => None,
    };
    Ok(PasskeyFactorRecord {
        sid: FactorSid::parse(sid).map_err(|_| corrupt("factor sid", sid))?,
        service_sid: service_sid(r.try_get(1)?)?,
        account_sid: account_sid(r.try_get(2)?)?,
        entity_sid: EntitySid::parse(entity).map_err(|_| corrupt("entity sid", entity))?,
        identity: r.try_get(4)?,
        friendly_name: r.try_get(5)?,
        status: r.try_get(6)?,
        user_handle: r.try_get(7)?,
        credential,
        date_created: r.try_get(12)?,
        date_updated: r.try_get(13)?,
    })
}

fn ceremony(r: &PgRow) -> Result<PasskeyCeremony> {
    let factor: Option<&str> = r.try_get(5)?;
    Ok(PasskeyCeremony {
        challenge: r.try_get(0)?,
        service_sid: service_sid(r.try_get(1)?)?,
        account_sid: account_sid(r.try_get(2)?)?,
        kind: r.try_get(3)?,
        sid: r.try_get(4)?,
        factor_sid: factor
            .map(|f| FactorSid::parse(f).map_err(|_| corrupt("factor sid", f)))
            .transpose()?,
        identity: r.try_get(6)?,
        state: r.try_get(7)?,
        expires_at: r.try_get(8)?,
        date_created: r.try_get(9)?,
    })
}

async fn insert_ceremony(c: &mut PgConnection, e: &PasskeyCeremony) -> Result<()> {
    sqlx::query(&format!(
        "INSERT INTO passkey_ceremonies ({CEREMONY_COLUMNS}) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)"
    ))
    .bind(&e.challenge)
    .bind(e.service_sid.as_str())
    .bind(e.account_sid.as_str())
    .bind(&e.kind)
    .bind(&e.sid)
    .bind(e.factor_sid.as_ref().map(|f| f.as_str()))
    .bind(&e.identity)
    .bind(&e.state)
    .bind(e.expires_at)
    .bind(e.date_created)
    .execute(c)
    .await?;
    Ok(())
}

async fn by_sid(
    c: &mut PgConnection,
    service: &str,
    sid: &str,
) -> Result<Option<PasskeyFactorRecord>> {
    sqlx::query(&format!(
        "SELECT {FACTOR_COLUMNS} FROM passkey_factors WHERE service_sid = $1 AND sid = $2"
    ))
    .bind(service)
    .bind(sid)
    .fetch_optional(c)
    .await?
    .as_ref()
    .map(factor)
    .transpose()
}

#[async_trait]
impl PasskeyStore for PgStore {
    async fn create_passkey_factor(
        &self,
        f: PasskeyFactorRecord,
        e: PasskeyCeremony,
    ) -> Result<()> {
        let mut tx = self.pool().begin().await?;
        let cred = f.credential.as_ref();
        sqlx::query(&format!(
            "INSERT INTO passkey_factors ({FACTOR_COLUMNS}) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14)"
        ))
        .bind(f.sid.as_str())
        .bind(f.service_sid.as_str())
        .bind(f.account_sid.as_str())
        .bind(f.entity_sid.as_str())
        .bind(&f.identity)
        .bind(&f.friendly_name)
        .bind(&f.status)
        .bind(&f.user_handle)
        .bind(cred.map(|c| c.id.clone()))
        .bind(cred.map(|c| c.transports.clone()))
        .bind(cred.map(|c| c.static_state.clone()))
        .bind(cred.map(|c| c.dynamic_state.clone()))
        .bind(f.date_created)
        .bind(f.date_updated)
        .execute(&mut *tx)
        .await?;
        insert_ceremony(&mut tx, &e).await?;
        tx.commit().await?;
        Ok(())
    }

    async fn get_passkey_factor(
        &self,
        service: &VerifyServiceSid,
        sid: &FactorSid,
    ) -> Result<Option<PasskeyFactorRecord>> {
        let mut c = self.pool().acquire().await?;
        by_sid(&mut c, service.as_str(), sid.as_str()).await
    }

    async fn list_passkey_factors(
        &self,
        service: &VerifyServiceSid,
        identity: &str,
    ) -> Result<Vec<PasskeyFactorRecord>> {
        sqlx::query(&format!(
            "SELECT {FACTOR_COLUMNS} FROM passkey_factors WHERE service_sid = $1 \
             AND identity = $2 ORDER BY date_created, sid"
        ))
        .bind(service.as_str())
        .bind(identity)
        .fetch_all(self.pool())
        .await?
        .iter()
        .map(factor)
        .collect()
    }

    async fn find_passkey_credential(
        &self,
        service: &VerifyServiceSid,
        credential_id: &[u8],
    ) -> Result<Option<PasskeyFactorRecord>> {
        sqlx::query(&format!(
            "SELECT {FACTOR_COLUMNS} FROM passkey_factors WHERE service_sid = $1 \
             AND credential_id = $2 AND status = 'verified'"
        ))
        .bind(service.as_str())
        .bind(credential_id)
        .fetch_optional(self.pool())
        .await?
        .as_ref()
        .map(factor)
        .transpose()
    }

    async fn put_passkey_ceremony(&self, e: PasskeyCeremony, now: Millis) -> Result<()> {
        let mut tx = self.pool().begin().await?;
        sqlx::query("DELETE FROM passkey_ceremonies WHERE service_sid = $1 AND expires_at <= $2")
            .bind(e.service_sid.as_str())
            .bind(now)
            .execute(&mut *tx)
            .await?;
        insert_ceremony(&mut tx, &e).await?;
        tx.commit().await?;
        Ok(())
    }

    async fn take_passkey_ceremony(
        &self,
        service: &VerifyServiceSid,
        challenge: &str,
        now: Millis,
    ) -> Result<Option<PasskeyCeremony>> {
        let row = sqlx::query(&format!(
            "DELETE FROM passkey_ceremonies WHERE service_sid = $1 AND challenge = $2 \
             RETURNING {CEREMONY_COLUMNS}"
        ))
        .bind(service.as_str())
        .bind(challenge)
        .fetch_optional(self.pool())
        .await?;
        Ok(row
            .as_ref()
            .map(ceremony)
            .transpose()?
            .filter(|e| e.expires_at > now))
    }

    async fn verify_passkey_factor(
        &self,
        service: &VerifyServiceSid,
        sid: &FactorSid,
        cred: PasskeyCredential,
        now: Millis,
    ) -> Result<RegisterOutcome> {
        let mut tx = self.pool().begin().await?;
        let updated = sqlx::query(
            "UPDATE passkey_factors SET status = 'verified', credential_id = $3, transports = $4, \
             static_state = $5, dynamic_state = $6, date_updated = $7 \
             WHERE service_sid = $1 AND sid = $2 AND status = 'unverified'",
        )
        .bind(service.as_str())
        .bind(sid.as_str())
        .bind(&cred.id)
        .bind(&cred.transports)
        .bind(&cred.static_state)
        .bind(&cred.dynamic_state)
        .bind(now)
        .execute(&mut *tx)
        .await;
        let n = match updated {
            Ok(r) => r.rows_affected(),
            // The unique index on (service_sid, credential_id).
            Err(e) => match Error::from(e) {
                Error::Conflict(_) => return Ok(RegisterOutcome::CredentialExists),
                e => return Err(e),
            },
        };
        if n == 0 {
            return Ok(RegisterOutcome::NotFound);
        }
        let f = by_sid(&mut tx, service.as_str(), sid.as_str()).await?;
        tx.commit().await?;
        f.map(|f| RegisterOutcome::Verified(Box::new(f)))
            .ok_or_else(|| Error::Other("factor vanished after update".into()))
    }

    async fn update_passkey_dynamic_state(
        &self,
        service: &VerifyServiceSid,
        sid: &FactorSid,
        dynamic_state: Vec<u8>,
        now: Millis,
    ) -> Result<bool> {
        let r = sqlx::query(
            "UPDATE passkey_factors SET dynamic_state = $3, date_updated = $4 \
             WHERE service_sid = $1 AND sid = $2 AND status = 'verified'",
        )
        .bind(service.as_str())
        .bind(sid.as_str())
        .bind(dynamic_state)
        .bind(now)
        .execute(self.pool())
        .await?;
        Ok(r.rows_affected() > 0)
    }
}
