//! The Verify passkeys factor on SQLite. Every change runs on the single writer, so a
//! ceremony is taken by exactly one request and the credential-id check cannot race.

use super::rows::{account_sid, corrupt};
use super::SqliteStore;
use crate::error::{Error, Result};
use crate::passkeys::*;
use crate::PasskeyStore;
use async_trait::async_trait;
use rusqlite::{params, Connection, OptionalExtension, Row};
use switchboard_domain::clock::Millis;
use switchboard_domain::ids::{EntitySid, FactorSid, VerifyServiceSid};

const FACTOR_COLUMNS: &str = "sid, service_sid, account_sid, entity_sid, identity, friendly_name, \
     status, user_handle, credential_id, transports, static_state, dynamic_state, date_created, \
     date_updated";
const CEREMONY_COLUMNS: &str = "challenge, service_sid, account_sid, kind, sid, factor_sid, \
     identity, state, expires_at, date_created";

fn service_sid(v: &str) -> rusqlite::Result<VerifyServiceSid> {
    VerifyServiceSid::parse(v).map_err(|_| corrupt("sid", v))
}

fn factor(r: &Row<'_>) -> rusqlite::Result<PasskeyFactorRecord> {
    let (sid, service, entity): (String, String, String) = (r.get(0)?, r.get(1)?, r.get(3)?);
    let id: Option<Vec<u8>> = r.get(8)?;
    let credential = match id {
        Some(id) => Some(PasskeyCredential {
            id,
            transports: r.get::<_, Option<Vec<u8>>>(9)?.unwrap_or_default(),
            static_state: r.get::<_, Option<Vec<u8>>>(10)?.unwrap_or_default(),
            dynamic_state: r.get::<_, Option<Vec<u8>>>(11)?.unwrap_or_default(),
        }),
        None => None,
    };
    Ok(PasskeyFactorRecord {
        sid: FactorSid::parse(&sid).map_err(|_| corrupt("sid", &sid))?,
        service_sid: service_sid(&service)?,
        account_sid: account_sid(r.get(2)?)?,
        entity_sid: EntitySid::parse(&entity).map_err(|_| corrupt("sid", &entity))?,
        identity: r.get(4)?,
        friendly_name: r.get(5)?,
        status: r.get(6)?,
        user_handle: r.get(7)?,
        credential,
        date_created: r.get(12)?,
        date_updated: r.get(13)?,
    })
}

fn ceremony(r: &Row<'_>) -> rusqlite::Result<PasskeyCeremony> {
    let service: String = r.get(1)?;
    let factor: Option<String> = r.get(5)?;
    Ok(PasskeyCeremony {
        challenge: r.get(0)?,
        service_sid: service_sid(&service)?,
        account_sid: account_sid(r.get(2)?)?,
        kind: r.get(3)?,
        sid: r.get(4)?,
        factor_sid: factor
            .map(|f| FactorSid::parse(&f).map_err(|_| corrupt("sid", &f)))
            .transpose()?,
        identity: r.get(6)?,
        state: r.get(7)?,
        expires_at: r.get(8)?,
        date_created: r.get(9)?,
    })
}

fn insert_ceremony(c: &Connection, e: &PasskeyCeremony) -> Result<()> {
    c.prepare_cached(&format!(
        "INSERT INTO passkey_ceremonies ({CEREMONY_COLUMNS}) \
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10)"
    ))?
    .execute(params![
        e.challenge,
        e.service_sid.as_str(),
        e.account_sid.as_str(),
        e.kind,
        e.sid,
        e.factor_sid.as_ref().map(|f| f.as_str().to_owned()),
        e.identity,
        e.state,
        e.expires_at,
        e.date_created,
    ])?;
    Ok(())
}

fn by_sid(c: &Connection, service: &str, sid: &str) -> Result<Option<PasskeyFactorRecord>> {
    Ok(c.prepare_cached(&format!(
        "SELECT {FACTOR_COLUMNS} FROM passkey_factors WHERE service_sid = ?1 AND sid = ?2"
    ))?
    .query_row([service, sid], factor)
    .optional()?)
}

fn register(
    c: &Connection,
    service: &str,
    sid: &str,
    cred: PasskeyCredential,
    now: Millis,
) -> Result<RegisterOutcome> {
    let taken: bool = c
        .prepare_cached(
            "SELECT EXISTS(SELECT 1 FROM passkey_factors WHERE service_sid = ?1 AND credential_id = ?2)",
        )?
        .query_row(params![service, cred.id], |r| r.get(0))?;
    if taken {
        return Ok(RegisterOutcome::CredentialExists);
    }
    let n = c
        .prepare_cached(
            "UPDATE passkey_factors SET status = 'verified', credential_id = ?3, transports = ?4, \
             static_state = ?5, dynamic_state = ?6, date_updated = ?7 \
             WHERE service_sid = ?1 AND sid = ?2 AND status = 'unverified'",
        )?
        .execute(params![
            service,
            sid,
            cred.id,
            cred.transports,
            cred.static_state,
            cred.dynamic_state,
            now
        ])?;
    if n == 0 {
        return Ok(RegisterOutcome::NotFound);
    }
    by_sid(c, service, sid)?
        .map(|f| RegisterOutcome::Verified(Box::new(f)))
        .ok_or_else(|| Error::Other("factor vanished after update".into()))
}

#[async_trait]
impl PasskeyStore for SqliteStore {
    async fn create_passkey_factor(
        &self,
        f: PasskeyFactorRecord,
        e: PasskeyCeremony,
    ) -> Result<()> {
        self.write(move |c| {
            let cred = f.credential.as_ref();
            c.prepare_cached(&format!(
                "INSERT INTO passkey_factors ({FACTOR_COLUMNS}) \
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14)"
            ))?
            .execute(params![
                f.sid.as_str(),
                f.service_sid.as_str(),
                f.account_sid.as_str(),
                f.entity_sid.as_str(),
                f.identity,
                f.friendly_name,
                f.status,
                f.user_handle,
                cred.map(|c| c.id.clone()),
                cred.map(|c| c.transports.clone()),
                cred.map(|c| c.static_state.clone()),
                cred.map(|c| c.dynamic_state.clone()),
                f.date_created,
                f.date_updated,
            ])?;
            insert_ceremony(c, &e)
        })
        .await
    }

    async fn get_passkey_factor(
        &self,
        service: &VerifyServiceSid,
        sid: &FactorSid,
    ) -> Result<Option<PasskeyFactorRecord>> {
        let (service, sid) = (service.as_str().to_owned(), sid.as_str().to_owned());
        self.read(move |c| by_sid(c, &service, &sid)).await
    }

    async fn list_passkey_factors(
        &self,
        service: &VerifyServiceSid,
        identity: &str,
    ) -> Result<Vec<PasskeyFactorRecord>> {
        let (service, identity) = (service.as_str().to_owned(), identity.to_owned());
        self.read(move |c| {
            let mut st = c.prepare_cached(&format!(
                "SELECT {FACTOR_COLUMNS} FROM passkey_factors WHERE service_sid = ?1 \
                 AND identity = ?2 ORDER BY date_created, sid"
            ))?;
            let rows = st.query_map([service, identity], factor)?;
            Ok(rows.collect::<rusqlite::Result<Vec<_>>>()?)
        })
        .await
    }

    async fn find_passkey_credential(
        &self,
        service: &VerifyServiceSid,
        credential_id: &[u8],
    ) -> Result<Option<PasskeyFactorRecord>> {
        let (service, id) = (service.as_str().to_owned(), credential_id.to_vec());
        self.read(move |c| {
            Ok(c.prepare_cached(&format!(
                "SELECT {FACTOR_COLUMNS} FROM passkey_factors WHERE service_sid = ?1 \
                 AND credential_id = ?2 AND status = 'verified'"
            ))?
            .query_row(params![service, id], factor)
            .optional()?)
        })
        .await
    }

    async fn put_passkey_ceremony(&self, e: PasskeyCeremony, now: Millis) -> Result<()> {
        self.write(move |c| {
            c.prepare_cached(
                "DELETE FROM passkey_ceremonies WHERE service_sid = ?1 AND expires_at <= ?2",
            )?
            .execute(params![e.service_sid.as_str(), now])?;
            insert_ceremony(c, &e)
        })
        .await
    }

    async fn take_passkey_ceremony(
        &self,
        service: &VerifyServiceSid,
        challenge: &str,
        now: Millis,
    ) -> Result<Option<PasskeyCeremony>> {
        let (service, challenge) = (service.as_str().to_owned(), challenge.to_owned());
        self.write(move |c| {
            let found = c
                .prepare_cached(&format!(
                    "SELECT {CEREMONY_COLUMNS} FROM passkey_ceremonies \
                     WHERE service_sid = ?1 AND challenge = ?2"
                ))?
                .query_row([&service, &challenge], ceremony)
                .optional()?;
            if found.is_some() {
                c.prepare_cached(
                    "DELETE FROM passkey_ceremonies WHERE service_sid = ?1 AND challenge = ?2",
                )?
                .execute([&service, &challenge])?;
            }
            Ok(found.filter(|e| e.expires_at > now))
        })
        .await
    }

    async fn verify_passkey_factor(
        &self,
        service: &VerifyServiceSid,
        sid: &FactorSid,
        credential: PasskeyCredential,
        now: Millis,
    ) -> Result<RegisterOutcome> {
        let (service, sid) = (service.as_str().to_owned(), sid.as_str().to_owned());
        self.write(move |c| register(c, &service, &sid, credential, now))
            .await
    }

    async fn update_passkey_dynamic_state(
        &self,
        service: &VerifyServiceSid,
        sid: &FactorSid,
        dynamic_state: Vec<u8>,
        now: Millis,
    ) -> Result<bool> {
        let (service, sid) = (service.as_str().to_owned(), sid.as_str().to_owned());
        self.write(move |c| {
            let n = c
                .prepare_cached(
                    "UPDATE passkey_factors SET dynamic_state = ?3, date_updated = ?4 \
                     WHERE service_sid = ?1 AND sid = ?2 AND status = 'verified'",
                )?
                .execute(params![service, sid, dynamic_state, now])?;
            Ok(n > 0)
        })
        .await
    }
}
