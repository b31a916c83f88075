//! Twilio Verify on SQLite. Every change runs on the single writer, so the
//! read-then-write steps below are atomic.

use super::rows::{account_sid, corrupt};
use super::SqliteStore;
use crate::error::Result;
use crate::passkeys::PasskeysConfig;
use crate::sql::{
    list_from_text, list_to_text, sends_from_text, sends_to_text, VERIFICATION_COLUMNS,
    VERIFY_SERVICE_COLUMNS,
};
use crate::verify::*;
use crate::VerifyStore;
use async_trait::async_trait;
use rusqlite::{params, Connection, OptionalExtension, Row};
use subtle::ConstantTimeEq;
use switchboard_domain::clock::Millis;
use switchboard_domain::ids::{AccountSid, VerificationSid, VerifyServiceSid};

fn service(r: &Row<'_>) -> rusqlite::Result<VerifyServiceRecord> {
    let sid: String = r.get(0)?;
    Ok(VerifyServiceRecord {
        sid: VerifyServiceSid::parse(&sid).map_err(|_| corrupt("sid", &sid))?,
        account_sid: account_sid(r.get(1)?)?,
        config: VerifyServiceConfig {
            friendly_name: r.get(2)?,
            code_length: r.get(3)?,
            custom_code_enabled: r.get(4)?,
            do_not_share_warning_enabled: r.get(5)?,
            skip_sms_to_landlines: r.get(6)?,
            lookup_enabled: r.get(7)?,
            psd2_enabled: r.get(8)?,
            dtmf_input_required: r.get(9)?,
            fraud_mode: r.get(12)?,
            allowed_countries: list_from_text(&r.get::<_, String>(13)?),
            passkeys: PasskeysConfig {
                rp_id: r.get(14)?,
                rp_name: r.get(15)?,
                origins: list_from_text(&r.get::<_, String>(16)?),
                authenticator_attachment: r.get(17)?,
                discoverable_credentials: r.get(18)?,
                user_verification: r.get(19)?,
            },
        },
        date_created: r.get(10)?,
        date_updated: r.get(11)?,
    })
}

fn verification(r: &Row<'_>) -> rusqlite::Result<VerificationRecord> {
    let (sid, service): (String, String) = (r.get(0)?, r.get(1)?);
    Ok(VerificationRecord {
        sid: VerificationSid::parse(&sid).map_err(|_| corrupt("sid", &sid))?,
        service_sid: VerifyServiceSid::parse(&service).map_err(|_| corrupt("sid", &service))?,
        account_sid: account_sid(r.get(2)?)?,
        to: r.get(3)?,
        channel: r.get(4)?,
        status: r.get(5)?,
        seed: r.get(6)?,
        code_hash: r.get(7)?,
        sends: sends_from_text(&r.get::<_, String>(8)?),
        checks: r.get(9)?,
        expires_at: r.get(10)?,
        date_created: r.get(11)?,
        date_updated: r.get(12)?,
    })
}

fn by_sid(c: &Connection, service: &str, sid: &str) -> Result<Option<VerificationRecord>> {
    Ok(c.prepare_cached(&format!(
        "SELECT {VERIFICATION_COLUMNS} FROM verifications WHERE service_sid = ?1 AND sid = ?2"
    ))?
    .query_row([service, sid], verification)
    .optional()?)
}

fn safe_number(c: &Connection, account: &str, number: &str) -> Result<Option<SafeNumber>> {
    Ok(c.prepare_cached(
        "SELECT sid, account_sid, phone_number, date_created FROM verify_safe_list \
         WHERE account_sid = ?1 AND phone_number = ?2",
    )?
    .query_row([account, number], |r| {
        Ok(SafeNumber {
            sid: r.get(0)?,
            account_sid: account_sid(r.get(1)?)?,
            phone_number: r.get(2)?,
            date_created: r.get(3)?,
        })
    })
    .optional()?)
}

fn start(
    c: &Connection,
    new: NewVerification,
    max_sends: u32,
    charges: &[Charge],
) -> Result<StartOutcome> {
    if let ChargeOutcome::Limited {
        bucket,
        retry_after_ms,
    } = super::rate_limits::charge_in(c, charges, new.now)?
    {
        return Ok(StartOutcome::Limited {
            bucket,
            retry_after_ms,
        });
    }
    let (service, to) = (new.service_sid.as_str(), new.to.as_str());
    c.prepare_cached(
        "UPDATE verifications SET status = 'expired', date_updated = ?3 \
         WHERE service_sid = ?1 AND to_addr = ?2 AND status = 'pending' AND expires_at <= ?3",
    )?
    .execute(params![service, to, new.now])?;
    let pending = c
        .prepare_cached(&format!(
            "SELECT {VERIFICATION_COLUMNS} FROM verifications \
             WHERE service_sid = ?1 AND to_addr = ?2 AND status = 'pending'"
        ))?
        .query_row([service, to], verification)
        .optional()?;
    if let Some(mut v) = pending {
        if v.sends.len() >= max_sends as usize {
            return Ok(StartOutcome::MaxSends(v));
        }
        v.sends.push(new.attempt);
        v.date_updated = new.now;
        c.prepare_cached(
            "UPDATE verifications SET sends = ?2, send_count = ?3, date_updated = ?4 WHERE sid = ?1",
        )?
        .execute(params![
            v.sid.as_str(),
            sends_to_text(&v.sends),
            v.sends.len() as i64,
            new.now
        ])?;
        return Ok(StartOutcome::Resent(v));
    }
    c.prepare_cached(
        "INSERT INTO verifications (sid, service_sid, account_sid, to_addr, channel, status, seed, \
         code_hash, sends, send_count, checks, expires_at, date_created, date_updated) \
         VALUES (?1, ?2, ?3, ?4, ?5, 'pending', ?6, ?7, ?8, 1, 0, ?9, ?10, ?10)",
    )?
    .execute(params![
        new.sid.as_str(),
        service,
        new.account_sid.as_str(),
        to,
        new.channel,
        new.seed,
        new.code_hash,
        sends_to_text(std::slice::from_ref(&new.attempt)),
        new.expires_at,
        new.now,
    ])?;
    Ok(StartOutcome::Created(new.into_record()))
}

fn check(
    c: &Connection,
    service: &str,
    sid: &str,
    candidate: &[u8],
    now: Millis,
    max_checks: u32,
) -> Result<CheckSlot> {
    let Some(mut v) = by_sid(c, service, sid)? else {
        return Ok(CheckSlot::NotFound);
    };
    if v.status == status::MAX_ATTEMPTS_REACHED {
        return Ok(CheckSlot::MaxAttempts);
    }
    if v.status != status::PENDING || v.expires_at <= now {
        return Ok(CheckSlot::NotFound);
    }
    if v.checks >= max_checks {
        c.prepare_cached(
            "UPDATE verifications SET status = 'max_attempts_reached', date_updated = ?2 WHERE sid = ?1",
        )?
        .execute(params![sid, now])?;
        return Ok(CheckSlot::MaxAttempts);
    }
    v.checks += 1;
    if bool::from(v.code_hash.as_slice().ct_eq(candidate)) {
        v.status = status::APPROVED.to_owned();
        v.date_updated = now;
        c.prepare_cached(
            "UPDATE verifications SET checks = ?2, status = 'approved', date_updated = ?3 WHERE sid = ?1",
        )?
        .execute(params![sid, v.checks, now])?;
        return Ok(CheckSlot::Approved(Box::new(v)));
    }
    c.prepare_cached("UPDATE verifications SET checks = ?2 WHERE sid = ?1")?
        .execute(params![sid, v.checks])?;
    Ok(CheckSlot::Wrong(Box::new(v)))
}

#[async_trait]
impl VerifyStore for SqliteStore {
    async fn create_verify_service(&self, s: VerifyServiceRecord) -> Result<()> {
        self.write(move |c| {
            let k = &s.config;
            c.prepare_cached(&format!(
                "INSERT INTO verify_services ({VERIFY_SERVICE_COLUMNS}) \
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?11, ?12, ?13, ?14, ?15, ?16, ?17, ?18, ?19)"
            ))?
            .execute(params![
                s.sid.as_str(),
                s.account_sid.as_str(),
                k.friendly_name,
                k.code_length,
                k.custom_code_enabled,
                k.do_not_share_warning_enabled,
                k.skip_sms_to_landlines,
                k.lookup_enabled,
                k.psd2_enabled,
                k.dtmf_input_required,
                s.date_created,
                k.fraud_mode,
                list_to_text(&k.allowed_countries),
                k.passkeys.rp_id,
                k.passkeys.rp_name,
                list_to_text(&k.passkeys.origins),
                k.passkeys.authenticator_attachment,
                k.passkeys.discoverable_credentials,
                k.passkeys.user_verification,
            ])?;
            Ok(())
        })
        .await
    }

    async fn get_verify_service(
        &self,
        account: &AccountSid,
        sid: &VerifyServiceSid,
    ) -> Result<Option<VerifyServiceRecord>> {
        let (account, sid) = (account.as_str().to_owned(), sid.as_str().to_owned());
        self.read(move |c| {
            Ok(c.prepare_cached(&format!(
                "SELECT {VERIFY_SERVICE_COLUMNS} FROM verify_services WHERE sid = ?1 AND account_sid = ?2"
            ))?
            .query_row([sid, account], service)
            .optional()?)
        })
        .await
    }

    async fn list_verify_services(&self, account: &AccountSid) -> Result<Vec<VerifyServiceRecord>> {
        let account = account.as_str().to_owned();
        self.read(move |c| {
            let mut st = c.prepare_cached(&format!(
                "SELECT {VERIFY_SERVICE_COLUMNS} FROM verify_services WHERE account_sid = ?1 \
                 ORDER BY date_created, sid"
            ))?;
            let rows = st.query_map([account], service)?;
            Ok(rows.collect::<rusqlite::Result<Vec<_>>>()?)
        })
        .await
    }

    async fn update_verify_service(
        &self,
        account: &AccountSid,
        sid: &VerifyServiceSid,
        k: VerifyServiceConfig,
        now: Millis,
    ) -> Result<bool> {
        let (account, sid) = (account.as_str().to_owned(), sid.as_str().to_owned());
        self.write(move |c| {
            let n = c
                .prepare_cached(
                    "UPDATE verify_services SET friendly_name = ?3, code_length = ?4, \
                     custom_code_enabled = ?5, do_not_share_warning_enabled = ?6, \
                     skip_sms_to_landlines = ?7, lookup_enabled = ?8, psd2_enabled = ?9, \
                     dtmf_input_required = ?10, date_updated = ?11, fraud_mode = ?12, allowed_countries = ?13, passkeys_rp_id = ?14, \
                     passkeys_rp_name = ?15, passkeys_origins = ?16, passkeys_attachment = ?17, \
                     passkeys_discoverable = ?18, passkeys_user_verification = ?19 \
                     WHERE sid = ?1 AND account_sid = ?2",
                )?
                .execute(params![
                    sid,
                    account,
                    k.friendly_name,
                    k.code_length,
                    k.custom_code_enabled,
                    k.do_not_share_warning_enabled,
                    k.skip_sms_to_landlines,
                    k.lookup_enabled,
                    k.psd2_enabled,
                    k.dtmf_input_required,
                    now,
                    k.fraud_mode,
                    list_to_text(&k.allowed_countries),
                    k.passkeys.rp_id,
                    k.passkeys.rp_name,
                    list_to_text(&k.passkeys.origins),
                    k.passkeys.authenticator_attachment,
                    k.passkeys.discoverable_credentials,
                    k.passkeys.user_verification,
                ])?;
            Ok(n > 0)
        })
        .await
    }

    async fn delete_verify_service(
        &self,
        account: &AccountSid,
        sid: &VerifyServiceSid,
    ) -> Result<bool> {
        let (account, sid) = (account.as_str().to_owned(), sid.as_str().to_owned());
        self.write(move |c| {
            let n = c
                .prepare_cached("DELETE FROM verify_services WHERE sid = ?1 AND account_sid = ?2")?
                .execute([&sid, &account])?;
            if n > 0 {
                c.prepare_cached(
                    "DELETE FROM rate_counters WHERE bucket_sid IN \
                     (SELECT sid FROM rate_buckets WHERE service_sid = ?1)",
                )?
                .execute([&sid])?;
                for table in [
                    "rate_buckets",
                    "rate_limits",
                    "verify_fraud_events",
                    "verifications",
                    "verify_challenges",
                    "verify_factors",
                    "verify_entities",
                    "passkey_factors",
                    "passkey_ceremonies",
                ] {
                    c.prepare_cached(&format!("DELETE FROM {table} WHERE service_sid = ?1"))?
                        .execute([&sid])?;
                }
            }
            Ok(n > 0)
        })
        .await
    }

    async fn start_verification(
        &self,
        new: NewVerification,
        max_sends: u32,
        charges: Vec<Charge>,
    ) -> Result<StartOutcome> {
        let crypt = &self.inner.crypt;
        let (new, charges) = (crypt.seal_verification(new), crypt.seal_charges(charges));
        let out = self
            .write(move |c| start(c, new, max_sends, &charges))
            .await?;
        crypt.open_start(out)
    }

    async fn get_verification(
        &self,
        service: &VerifyServiceSid,
        sid: &VerificationSid,
    ) -> Result<Option<VerificationRecord>> {
        let crypt = &self.inner.crypt;
        let (service, sid) = (service.as_str().to_owned(), sid.as_str().to_owned());
        let out = self.read(move |c| by_sid(c, &service, &sid)).await?;
        crypt.open_verifications(out)
    }

    async fn find_verification(
        &self,
        service: &VerifyServiceSid,
        to: &str,
    ) -> Result<Option<VerificationRecord>> {
        let crypt = &self.inner.crypt;
        let to = &crypt.verify_value(to);
        let (service, to) = (service.as_str().to_owned(), to.to_owned());
        let out = self
            .read(move |c| {
                Ok(c.prepare_cached(&format!(
                    "SELECT {VERIFICATION_COLUMNS} FROM verifications WHERE service_sid = ?1 \
                 AND to_addr = ?2 ORDER BY date_created DESC, sid DESC LIMIT 1"
                ))?
                .query_row([service, to], verification)
                .optional()?)
            })
            .await?;
        crypt.open_verifications(out)
    }

    async fn check_code(
        &self,
        service: &VerifyServiceSid,
        sid: &VerificationSid,
        candidate: Vec<u8>,
        now: Millis,
        max_checks: u32,
    ) -> Result<CheckSlot> {
        let crypt = &self.inner.crypt;
        let (service, sid) = (service.as_str().to_owned(), sid.as_str().to_owned());
        let out = self
            .write(move |c| check(c, &service, &sid, &candidate, now, max_checks))
            .await?;
        crypt.open_check(out)
    }

    async fn add_safe_number(&self, e: SafeNumber) -> Result<SafeNumber> {
        let crypt = &self.inner.crypt;
        let e = crypt.seal_safe(e);
        let out = self
            .write(move |c| {
                c.prepare_cached(
                    "INSERT INTO verify_safe_list (account_sid, phone_number, sid, date_created) \
                 VALUES (?1, ?2, ?3, ?4) ON CONFLICT (account_sid, phone_number) DO NOTHING",
                )?
                .execute(params![
                    e.account_sid.as_str(),
                    e.phone_number,
                    e.sid,
                    e.date_created
                ])?;
                Ok(safe_number(c, e.account_sid.as_str(), &e.phone_number)?.unwrap_or(e))
            })
            .await?;
        let mut out = out;
        out.phone_number = crypt.open_installation_number(&out.phone_number)?;
        Ok(out)
    }

    async fn get_safe_number(
        &self,
        account: &AccountSid,
        number: &str,
    ) -> Result<Option<SafeNumber>> {
        let crypt = &self.inner.crypt;
        let number = &crypt.verify_value(number);
        let (account, number) = (account.as_str().to_owned(), number.to_owned());
        let out = self
            .read(move |c| safe_number(c, &account, &number))
            .await?;
        crypt.open_safe(out)
    }

    async fn remove_safe_number(&self, account: &AccountSid, number: &str) -> Result<bool> {
        let number = &self.inner.crypt.verify_value(number);
        let (account, number) = (account.as_str().to_owned(), number.to_owned());
        self.write(move |c| {
            Ok(c.prepare_cached(
                "DELETE FROM verify_safe_list WHERE account_sid = ?1 AND phone_number = ?2",
            )?
            .execute([account, number])?
                > 0)
        })
        .await
    }

    async fn record_fraud_event(&self, e: FraudEvent) -> Result<()> {
        let e = self.inner.crypt.seal_fraud(e);
        self.write(move |c| {
            c.prepare_cached(
                "INSERT INTO verify_fraud_events (service_sid, account_sid, to_addr, kind, reason, enforced, created_at) \
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)",
            )?
            .execute(params![e.service_sid.as_str(), e.account_sid.as_str(), e.to, e.kind, e.reason, e.enforced, e.at])?;
            Ok(())
        })
        .await
    }

    async fn list_fraud_events(
        &self,
        service: &VerifyServiceSid,
        limit: u32,
    ) -> Result<Vec<FraudEvent>> {
        let crypt = &self.inner.crypt;
        let service = service.as_str().to_owned();
        let out = self.read(move |c| {
            let mut st = c.prepare_cached(
                "SELECT service_sid, account_sid, to_addr, kind, reason, enforced, created_at FROM verify_fraud_events \
                 WHERE service_sid = ?1 ORDER BY created_at DESC, rowid DESC LIMIT ?2",
            )?;
            let rows = st.query_map(params![service, limit], |r| {
                let svc: String = r.get(0)?;
                Ok(FraudEvent {
                    service_sid: VerifyServiceSid::parse(&svc).map_err(|_| corrupt("sid", &svc))?,
                    account_sid: account_sid(r.get(1)?)?,
                    to: r.get(2)?,
                    kind: r.get(3)?,
                    reason: r.get(4)?,
                    enforced: r.get(5)?,
                    at: r.get(6)?,
                })
            })?;
            Ok(rows.collect::<rusqlite::Result<Vec<_>>>()?)
        })
        .await?;
        crypt.open_fraud(out)
    }

    async fn finish_verification(
        &self,
        service: &VerifyServiceSid,
        sid: &VerificationSid,
        new_status: &str,
        now: Millis,
    ) -> Result<Option<VerificationRecord>> {
        let crypt = &self.inner.crypt;
        let (service, sid) = (service.as_str().to_owned(), sid.as_str().to_owned());
        let new_status = new_status.to_owned();
        let out = self
            .write(move |c| {
                let n = c
                    .prepare_cached(
                        "UPDATE verifications SET status = ?3, date_updated = ?4 \
                     WHERE service_sid = ?1 AND sid = ?2 AND status = 'pending'",
                    )?
                    .execute(params![service, sid, new_status, now])?;
                if n == 0 {
                    return Ok(None);
                }
                by_sid(c, &service, &sid)
            })
            .await?;
        crypt.open_verifications(out)
    }
}
