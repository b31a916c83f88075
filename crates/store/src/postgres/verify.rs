//! Twilio Verify on PostgreSQL. Starts are serialised per (service, recipient) by a
//! transaction-scoped advisory lock, checks by a row lock, so limits hold across nodes.

use super::rows::{account_sid, corrupt, count, int};
use super::PgStore;
use crate::error::Result;
use crate::passkeys::PasskeysConfig;
use crate::sql::{
    list_from_text, list_to_text, sends_from_text, sends_to_text, VERIFICATION_COLUMNS,
    VERIFY_SERVICE_COLUMNS,
};
use crate::verify::*;
use crate::VerifyStore;
use async_trait::async_trait;
use sqlx::postgres::PgRow;
use sqlx::{PgConnection, Row};
use subtle::ConstantTimeEq;
use switchboard_domain::clock::Millis;
use switchboard_domain::ids::{AccountSid, VerificationSid, VerifyServiceSid};

fn service(r: &PgRow) -> Result<VerifyServiceRecord> {
    let sid: &str = r.try_get(0)?;
    Ok(VerifyServiceRecord {
        sid: VerifyServiceSid::parse(sid).map_err(|_| corrupt("verify service sid", sid))?,
        account_sid: account_sid(r.try_get(1)?)?,
        config: VerifyServiceConfig {
            friendly_name: r.try_get(2)?,
            code_length: count(r.try_get(3)?),
            custom_code_enabled: r.try_get(4)?,
            do_not_share_warning_enabled: r.try_get(5)?,
            skip_sms_to_landlines: r.try_get(6)?,
            lookup_enabled: r.try_get(7)?,
            psd2_enabled: r.try_get(8)?,
            dtmf_input_required: r.try_get(9)?,
            fraud_mode: r.try_get(12)?,
            allowed_countries: list_from_text(r.try_get(13)?),
            passkeys: PasskeysConfig {
                rp_id: r.try_get(14)?,
                rp_name: r.try_get(15)?,
                origins: list_from_text(r.try_get(16)?),
                authenticator_attachment: r.try_get(17)?,
                discoverable_credentials: r.try_get(18)?,
                user_verification: r.try_get(19)?,
            },
        },
        date_created: r.try_get(10)?,
        date_updated: r.try_get(11)?,
    })
}

fn verification(r: &PgRow) -> Result<VerificationRecord> {
    let (sid, svc): (&str, &str) = (r.try_get(0)?, r.try_get(1)?);
    Ok(VerificationRecord {
        sid: VerificationSid::parse(sid).map_err(|_| corrupt("verification sid", sid))?,
        service_sid: VerifyServiceSid::parse(svc)
            .map_err(|_| corrupt("verify service sid", svc))?,
        account_sid: account_sid(r.try_get(2)?)?,
        to: r.try_get(3)?,
        channel: r.try_get(4)?,
        status: r.try_get(5)?,
        seed: r.try_get(6)?,
        code_hash: r.try_get(7)?,
        sends: sends_from_text(r.try_get(8)?),
        checks: count(r.try_get(9)?),
        expires_at: r.try_get(10)?,
        date_created: r.try_get(11)?,
        date_updated: r.try_get(12)?,
    })
}

async fn by_sid(
    c: &mut PgConnection,
    service: &str,
    sid: &str,
    lock: bool,
) -> Result<Option<VerificationRecord>> {
    let lock = if lock { " FOR UPDATE" } else { "" };
    sqlx::query(&format!(
        "SELECT {VERIFICATION_COLUMNS} FROM verifications WHERE service_sid = $1 AND sid = $2{lock}"
    ))
    .bind(service)
    .bind(sid)
    .fetch_optional(c)
    .await?
    .as_ref()
    .map(verification)
    .transpose()
}

async fn start(
    c: &mut PgConnection,
    new: NewVerification,
    max_sends: u32,
    charges: Vec<Charge>,
) -> Result<StartOutcome> {
    if let ChargeOutcome::Limited {
        bucket,
        retry_after_ms,
    } = super::rate_limits::charge_in(&mut *c, charges, new.now).await?
    {
        return Ok(StartOutcome::Limited {
            bucket,
            retry_after_ms,
        });
    }
    let (service, to) = (new.service_sid.as_str(), new.to.as_str());
    sqlx::query("SELECT pg_advisory_xact_lock(hashtextextended($1 || ' ' || $2, 7))")
        .bind(service)
        .bind(to)
        .execute(&mut *c)
        .await?;
    sqlx::query(
        "UPDATE verifications SET status = 'expired', date_updated = $3 \
         WHERE service_sid = $1 AND to_addr = $2 AND status = 'pending' AND expires_at <= $3",
    )
    .bind(service)
    .bind(to)
    .bind(new.now)
    .execute(&mut *c)
    .await?;
    let pending = sqlx::query(&format!(
        "SELECT {VERIFICATION_COLUMNS} FROM verifications \
         WHERE service_sid = $1 AND to_addr = $2 AND status = 'pending'"
    ))
    .bind(service)
    .bind(to)
    .fetch_optional(&mut *c)
    .await?
    .as_ref()
    .map(verification)
    .transpose()?;
    if let Some(mut v) = pending {
        if v.sends.len() >= max_sends as usize {
            return Ok(StartOutcome::MaxSends(v));
        }
        v.sends.push(new.attempt);
        v.date_updated = new.now;
        sqlx::query(
            "UPDATE verifications SET sends = $2, send_count = $3, date_updated = $4 WHERE sid = $1",
        )
        .bind(v.sid.as_str())
        .bind(sends_to_text(&v.sends))
        .bind(i32::try_from(v.sends.len()).unwrap_or(i32::MAX))
        .bind(new.now)
        .execute(&mut *c)
        .await?;
        return Ok(StartOutcome::Resent(v));
    }
    sqlx::query(
        "INSERT INTO verifications (sid, service_sid, account_sid, to_addr, channel, status, seed, \
         code_hash, sends, send_count, checks, expires_at, date_created, date_updated) \
         VALUES ($1, $2, $3, $4, $5, 'pending', $6, $7, $8, 1, 0, $9, $10, $10)",
    )
    .bind(new.sid.as_str())
    .bind(service)
    .bind(new.account_sid.as_str())
    .bind(to)
    .bind(&new.channel)
    .bind(&new.seed)
    .bind(&new.code_hash)
    .bind(sends_to_text(std::slice::from_ref(&new.attempt)))
    .bind(new.expires_at)
    .bind(new.now)
    .execute(&mut *c)
    .await?;
    Ok(StartOutcome::Created(new.into_record()))
}

async fn check(
    c: &mut PgConnection,
    service: &str,
    sid: &str,
    candidate: &[u8],
    now: Millis,
    max_checks: u32,
) -> Result<CheckSlot> {
    let Some(mut v) = by_sid(c, service, sid, true).await? else {
        return Ok(CheckSlot::NotFound);
    };
    if v.status == status::MAX_ATTEMPTS_REACHED {
        return Ok(CheckSlot::MaxAttempts);
    }
    if v.status != status::PENDING || v.expires_at <= now {
        return Ok(CheckSlot::NotFound);
    }
    if v.checks >= max_checks {
        sqlx::query(
            "UPDATE verifications SET status = 'max_attempts_reached', date_updated = $2 WHERE sid = $1",
        )
        .bind(sid)
        .bind(now)
        .execute(&mut *c)
        .await?;
        return Ok(CheckSlot::MaxAttempts);
    }
    v.checks += 1;
    let right = bool::from(v.code_hash.as_slice().ct_eq(candidate));
    if right {
        v.status = status::APPROVED.to_owned();
        v.date_updated = now;
    }
    sqlx::query(
        "UPDATE verifications SET checks = $2, status = $3, date_updated = $4 WHERE sid = $1",
    )
    .bind(sid)
    .bind(int(v.checks))
    .bind(&v.status)
    .bind(v.date_updated)
    .execute(&mut *c)
    .await?;
    Ok(if right {
        CheckSlot::Approved(Box::new(v))
    } else {
        CheckSlot::Wrong(Box::new(v))
    })
}

#[async_trait]
impl VerifyStore for PgStore {
    async fn create_verify_service(&self, s: VerifyServiceRecord) -> Result<()> {
        let k = &s.config;
        sqlx::query(&format!(
            "INSERT INTO verify_services ({VERIFY_SERVICE_COLUMNS}) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $11, $12, $13, $14, $15, $16, $17, $18, $19)"
        ))
        .bind(s.sid.as_str())
        .bind(s.account_sid.as_str())
        .bind(&k.friendly_name)
        .bind(int(k.code_length))
        .bind(k.custom_code_enabled)
        .bind(k.do_not_share_warning_enabled)
        .bind(k.skip_sms_to_landlines)
        .bind(k.lookup_enabled)
        .bind(k.psd2_enabled)
        .bind(k.dtmf_input_required)
        .bind(s.date_created)
        .bind(&k.fraud_mode)
        .bind(list_to_text(&k.allowed_countries))
        .bind(&k.passkeys.rp_id)
        .bind(&k.passkeys.rp_name)
        .bind(list_to_text(&k.passkeys.origins))
        .bind(&k.passkeys.authenticator_attachment)
        .bind(&k.passkeys.discoverable_credentials)
        .bind(&k.passkeys.user_verification)
        .execute(self.pool())
        .await?;
        Ok(())
    }

    async fn get_verify_service(
        &self,
        account: &AccountSid,
        sid: &VerifyServiceSid,
    ) -> Result<Option<VerifyServiceRecord>> {
        sqlx::query(&format!(
            "SELECT {VERIFY_SERVICE_COLUMNS} FROM verify_services WHERE sid = $1 AND account_sid = $2"
        ))
        .bind(sid.as_str())
        .bind(account.as_str())
        .fetch_optional(self.pool())
        .await?
        .as_ref()
        .map(service)
        .transpose()
    }

    async fn list_verify_services(&self, account: &AccountSid) -> Result<Vec<VerifyServiceRecord>> {
        sqlx::query(&format!(
            "SELECT {VERIFY_SERVICE_COLUMNS} FROM verify_services WHERE account_sid = $1 \
             ORDER BY date_created, sid"
        ))
        .bind(account.as_str())
        .fetch_all(self.pool())
        .await?
        .iter()
        .map(service)
        .collect()
    }

    async fn update_verify_service(
        &self,
        account: &AccountSid,
        sid: &VerifyServiceSid,
        k: VerifyServiceConfig,
        now: Millis,
    ) -> Result<bool> {
        let r = sqlx::query(
            "UPDATE verify_services SET friendly_name = $3, code_length = $4, \
             custom_code_enabled = $5, do_not_share_warning_enabled = $6, \
             skip_sms_to_landlines = $7, lookup_enabled = $8, psd2_enabled = $9, \
             dtmf_input_required = $10, date_updated = $11, fraud_mode = $12, allowed_countries = $13, passkeys_rp_id = $14, \
             passkeys_rp_name = $15, passkeys_origins = $16, passkeys_attachment = $17, \
             passkeys_discoverable = $18, passkeys_user_verification = $19 \
             WHERE sid = $1 AND account_sid = $2",
        )
        .bind(sid.as_str())
        .bind(account.as_str())
        .bind(&k.friendly_name)
        .bind(int(k.code_length))
        .bind(k.custom_code_enabled)
        .bind(k.do_not_share_warning_enabled)
        .bind(k.skip_sms_to_landlines)
        .bind(k.lookup_enabled)
        .bind(k.psd2_enabled)
        .bind(k.dtmf_input_required)
        .bind(now)
        .bind(&k.fraud_mode)
        .bind(list_to_text(&k.allowed_countries))
        .bind(&k.passkeys.rp_id)
        .bind(&k.passkeys.rp_name)
        .bind(list_to_text(&k.passkeys.origins))
        .bind(&k.passkeys.authenticator_attachment)
        .bind(&k.passkeys.discoverable_credentials)
        .bind(&k.passkeys.user_verification)
        .execute(self.pool())
        .await?;
        Ok(r.rows_affected() > 0)
    }

    async fn delete_verify_service(
        &self,
        account: &AccountSid,
        sid: &VerifyServiceSid,
    ) -> Result<bool> {
        let mut tx = self.pool().begin().await?;
        let n = sqlx::query("DELETE FROM verify_services WHERE sid = $1 AND account_sid = $2")
            .bind(sid.as_str())
            .bind(account.as_str())
            .execute(&mut *tx)
            .await?
            .rows_affected();
        if n > 0 {
            sqlx::query(
                "DELETE FROM rate_counters WHERE bucket_sid IN \
                 (SELECT sid FROM rate_buckets WHERE service_sid = $1)",
            )
            .bind(sid.as_str())
            .execute(&mut *tx)
            .await?;
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
                sqlx::query(&format!("DELETE FROM {table} WHERE service_sid = $1"))
                    .bind(sid.as_str())
                    .execute(&mut *tx)
                    .await?;
            }
        }
        tx.commit().await?;
        Ok(n > 0)
    }

    async fn start_verification(
        &self,
        new: NewVerification,
        max_sends: u32,
        charges: Vec<Charge>,
    ) -> Result<StartOutcome> {
        let crypt = &self.crypt;
        let out = self
            .start_verification_plain(
                crypt.seal_verification(new),
                max_sends,
                crypt.seal_charges(charges),
            )
            .await?;
        crypt.open_start(out)
    }

    async fn get_verification(
        &self,
        service: &VerifyServiceSid,
        sid: &VerificationSid,
    ) -> Result<Option<VerificationRecord>> {
        let out = self.get_verification_plain(service, sid).await?;
        self.crypt.open_verifications(out)
    }

    async fn find_verification(
        &self,
        service: &VerifyServiceSid,
        to: &str,
    ) -> Result<Option<VerificationRecord>> {
        let to = self.crypt.verify_value(to);
        let out = self.find_verification_plain(service, &to).await?;
        self.crypt.open_verifications(out)
    }

    async fn check_code(
        &self,
        service: &VerifyServiceSid,
        sid: &VerificationSid,
        candidate: Vec<u8>,
        now: Millis,
        max_checks: u32,
    ) -> Result<CheckSlot> {
        let out = self
            .check_code_plain(service, sid, candidate, now, max_checks)
            .await?;
        self.crypt.open_check(out)
    }

    async fn add_safe_number(&self, e: SafeNumber) -> Result<SafeNumber> {
        let mut out = self.add_safe_number_plain(self.crypt.seal_safe(e)).await?;
        out.phone_number = self.crypt.open_installation_number(&out.phone_number)?;
        Ok(out)
    }

    async fn get_safe_number(
        &self,
        account: &AccountSid,
        number: &str,
    ) -> Result<Option<SafeNumber>> {
        let number = self.crypt.verify_value(number);
        let out = self.get_safe_number_plain(account, &number).await?;
        self.crypt.open_safe(out)
    }

    async fn remove_safe_number(&self, account: &AccountSid, number: &str) -> Result<bool> {
        let number = self.crypt.verify_value(number);
        self.remove_safe_number_plain(account, &number).await
    }

    async fn record_fraud_event(&self, e: FraudEvent) -> Result<()> {
        self.record_fraud_event_plain(self.crypt.seal_fraud(e))
            .await
    }

    async fn list_fraud_events(
        &self,
        service: &VerifyServiceSid,
        limit: u32,
    ) -> Result<Vec<FraudEvent>> {
        let out = self.list_fraud_events_plain(service, limit).await?;
        self.crypt.open_fraud(out)
    }

    async fn finish_verification(
        &self,
        service: &VerifyServiceSid,
        sid: &VerificationSid,
        new_status: &str,
        now: Millis,
    ) -> Result<Option<VerificationRecord>> {
        let out = self
            .finish_verification_plain(service, sid, new_status, now)
            .await?;
        self.crypt.open_verifications(out)
    }
}

/// The queries behind the trait methods, on stored (encrypted) values.
impl PgStore {
    async fn start_verification_plain(
        &self,
        new: NewVerification,
        max_sends: u32,
        charges: Vec<Charge>,
    ) -> Result<StartOutcome> {
        let mut tx = self.pool().begin().await?;
        let out = start(&mut tx, new, max_sends, charges).await?;
        tx.commit().await?;
        Ok(out)
    }

    async fn get_verification_plain(
        &self,
        service: &VerifyServiceSid,
        sid: &VerificationSid,
    ) -> Result<Option<VerificationRecord>> {
        let mut c = self.pool().acquire().await?;
        by_sid(&mut c, service.as_str(), sid.as_str(), false).await
    }

    async fn find_verification_plain(
        &self,
        service: &VerifyServiceSid,
        to: &str,
    ) -> Result<Option<VerificationRecord>> {
        sqlx::query(&format!(
            "SELECT {VERIFICATION_COLUMNS} FROM verifications WHERE service_sid = $1 \
             AND to_addr = $2 ORDER BY date_created DESC, sid DESC LIMIT 1"
        ))
        .bind(service.as_str())
        .bind(to)
        .fetch_optional(self.pool())
        .await?
        .as_ref()
        .map(verification)
        .transpose()
    }

    async fn check_code_plain(
        &self,
        service: &VerifyServiceSid,
        sid: &VerificationSid,
        candidate: Vec<u8>,
        now: Millis,
        max_checks: u32,
    ) -> Result<CheckSlot> {
        let mut tx = self.pool().begin().await?;
        let out = check(
            &mut tx,
            service.as_str(),
            sid.as_str(),
            &candidate,
            now,
            max_checks,
        )
        .await?;
        tx.commit().await?;
        Ok(out)
    }

    async fn add_safe_number_plain(&self, e: SafeNumber) -> Result<SafeNumber> {
        sqlx::query(
            "INSERT INTO verify_safe_list (account_sid, phone_number, sid, date_created) \
             VALUES ($1, $2, $3, $4) ON CONFLICT (account_sid, phone_number) DO NOTHING",
        )
        .bind(e.account_sid.as_str())
        .bind(&e.phone_number)
        .bind(&e.sid)
        .bind(e.date_created)
        .execute(self.pool())
        .await?;
        Ok(self
            .get_safe_number_plain(&e.account_sid, &e.phone_number)
            .await?
            .unwrap_or(e))
    }

    async fn get_safe_number_plain(
        &self,
        account: &AccountSid,
        number: &str,
    ) -> Result<Option<SafeNumber>> {
        sqlx::query(
            "SELECT sid, account_sid, phone_number, date_created FROM verify_safe_list \
             WHERE account_sid = $1 AND phone_number = $2",
        )
        .bind(account.as_str())
        .bind(number)
        .fetch_optional(self.pool())
        .await?
        .map(|r| -> Result<SafeNumber> {
            Ok(SafeNumber {
                sid: r.try_get(0)?,
                account_sid: account_sid(r.try_get(1)?)?,
                phone_number: r.try_get(2)?,
                date_created: r.try_get(3)?,
            })
        })
        .transpose()
    }

    async fn remove_safe_number_plain(&self, account: &AccountSid, number: &str) -> Result<bool> {
        let r = sqlx::query(
            "DELETE FROM verify_safe_list WHERE account_sid = $1 AND phone_number = $2",
        )
        .bind(account.as_str())
        .bind(number)
        .execute(self.pool())
        .await?;
        Ok(r.rows_affected() > 0)
    }

    async fn record_fraud_event_plain(&self, e: FraudEvent) -> Result<()> {
        sqlx::query(
            "INSERT INTO verify_fraud_events (service_sid, account_sid, to_addr, kind, reason, enforced, created_at) \
             VALUES ($1, $2, $3, $4, $5, $6, $7)",
        )
        .bind(e.service_sid.as_str())
        .bind(e.account_sid.as_str())
        .bind(&e.to)
        .bind(&e.kind)
        .bind(&e.reason)
        .bind(e.enforced)
        .bind(e.at)
        .execute(self.pool())
        .await?;
        Ok(())
    }

    async fn list_fraud_events_plain(
        &self,
        service: &VerifyServiceSid,
        limit: u32,
    ) -> Result<Vec<FraudEvent>> {
        sqlx::query(
            "SELECT service_sid, account_sid, to_addr, kind, reason, enforced, created_at FROM verify_fraud_events \
             WHERE service_sid = $1 ORDER BY created_at DESC LIMIT $2",
        )
        .bind(service.as_str())
        .bind(i64::from(limit))
        .fetch_all(self.pool())
        .await?
        .iter()
        .map(|r| -> Result<FraudEvent> {
            let svc: &str = r.try_get(0)?;
            Ok(FraudEvent {
                service_sid: VerifyServiceSid::parse(svc).map_err(|_| corrupt("verify service sid", svc))?,
                account_sid: account_sid(r.try_get(1)?)?,
                to: r.try_get(2)?,
                kind: r.try_get(3)?,
                reason: r.try_get(4)?,
                enforced: r.try_get(5)?,
                at: r.try_get(6)?,
            })
        })
        .collect()
    }

    async fn finish_verification_plain(
        &self,
        service: &VerifyServiceSid,
        sid: &VerificationSid,
        new_status: &str,
        now: Millis,
    ) -> Result<Option<VerificationRecord>> {
        sqlx::query(&format!(
            "UPDATE verifications SET status = $3, date_updated = $4 \
             WHERE service_sid = $1 AND sid = $2 AND status = 'pending' RETURNING {VERIFICATION_COLUMNS}"
        ))
        .bind(service.as_str())
        .bind(sid.as_str())
        .bind(new_status)
        .bind(now)
        .fetch_optional(self.pool())
        .await?
        .as_ref()
        .map(verification)
        .transpose()
    }
}
