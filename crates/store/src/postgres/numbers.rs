use super::rows::account_sid;
use super::PgStore;
use crate::crypt::KeyTable;
use crate::error::{Error, Result};
use crate::model::{NewNumber, NumberConfig, NumberRecord, OptOutRecord};
use crate::{NumberStore, OptOutStore};
use async_trait::async_trait;
use sqlx::postgres::PgRow;
use sqlx::Row;
use switchboard_domain::clock::Millis;
use switchboard_domain::ids::{AccountSid, PhoneNumberSid};

const COLUMNS: &str = "sid, account_sid, phone_number, friendly_name, date_created, date_updated, \
     sms_url, sms_method, sms_fallback_url, sms_fallback_method, status_callback, status_callback_method, \
     voice_url, voice_method, voice_fallback_url, voice_fallback_method, stop_reply, start_reply, help_reply";

fn number(r: &PgRow) -> Result<NumberRecord> {
    let sid: &str = r.try_get(0)?;
    Ok(NumberRecord {
        sid: PhoneNumberSid::parse(sid)
            .map_err(|_| Error::Other(format!("invalid number sid {sid}")))?,
        account_sid: account_sid(r.try_get(1)?)?,
        phone_number: r.try_get(2)?,
        friendly_name: r.try_get(3)?,
        date_created: r.try_get(4)?,
        date_updated: r.try_get(5)?,
        config: NumberConfig {
            sms_url: r.try_get(6)?,
            sms_method: r.try_get(7)?,
            sms_fallback_url: r.try_get(8)?,
            sms_fallback_method: r.try_get(9)?,
            status_callback: r.try_get(10)?,
            status_callback_method: r.try_get(11)?,
            voice_url: r.try_get(12)?,
            voice_method: r.try_get(13)?,
            voice_fallback_url: r.try_get(14)?,
            voice_fallback_method: r.try_get(15)?,
            stop_reply: r.try_get(16)?,
            start_reply: r.try_get(17)?,
            help_reply: r.try_get(18)?,
        },
    })
}

#[async_trait]
impl NumberStore for PgStore {
    async fn add_number(&self, n: NewNumber) -> Result<()> {
        let account_number = self
            .account_number(n.account_sid.as_str(), &n.phone_number)
            .await?;
        let phone_number = self.crypt().installation_number(&n.phone_number);
        let friendly = self
            .seal_friendly_name(n.account_sid.as_str(), n.sid.as_str(), &n.friendly_name)
            .await?;
        let k = &n.config;
        sqlx::query(&format!(
            "INSERT INTO phone_numbers ({COLUMNS}) VALUES \
             ($1, $2, $3, $4, $5, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17, $18)"
        ))
        .bind(n.sid.as_str())
        .bind(n.account_sid.as_str())
        .bind(&phone_number)
        .bind(&friendly)
        .bind(n.now)
        .bind(&k.sms_url)
        .bind(&k.sms_method)
        .bind(&k.sms_fallback_url)
        .bind(&k.sms_fallback_method)
        .bind(&k.status_callback)
        .bind(&k.status_callback_method)
        .bind(&k.voice_url)
        .bind(&k.voice_method)
        .bind(&k.voice_fallback_url)
        .bind(&k.voice_fallback_method)
        .bind(&k.stop_reply)
        .bind(&k.start_reply)
        .bind(&k.help_reply)
        .execute(self.pool())
        .await?;
        sqlx::query("UPDATE phone_numbers SET account_number = $2 WHERE sid = $1")
            .bind(n.sid.as_str())
            .bind(&account_number)
            .execute(self.pool())
            .await?;
        Ok(())
    }

    async fn find_number(&self, phone_number: &str) -> Result<Option<NumberRecord>> {
        let row = sqlx::query(&format!(
            "SELECT {COLUMNS} FROM phone_numbers WHERE phone_number IN ($1, $2)"
        ))
        .bind(self.crypt().installation_lookup(phone_number))
        .bind(phone_number)
        .fetch_optional(self.pool())
        .await?;
        let found = row.as_ref().map(number).transpose()?;
        let Some(found) = found else {
            return Ok(None);
        };
        if let Some((phone, account_number, friendly)) = self.reseal_number(&found).await? {
            sqlx::query(
                "UPDATE phone_numbers SET phone_number = $2, account_number = $3, friendly_name = $4 \
                 WHERE sid = $1",
            )
            .bind(found.sid.as_str())
            .bind(phone)
            .bind(account_number)
            .bind(friendly)
            .execute(self.pool())
            .await?;
        }
        Ok(Some(self.open_number_record(found).await?))
    }

    async fn list_numbers(&self, account: &AccountSid) -> Result<Vec<NumberRecord>> {
        let rows = sqlx::query(&format!(
            "SELECT {COLUMNS} FROM phone_numbers WHERE account_sid = $1 ORDER BY date_created, sid"
        ))
        .bind(account.as_str())
        .fetch_all(self.pool())
        .await?;
        let found = rows.iter().map(number).collect::<Result<Vec<_>>>()?;
        self.open_number_records(found).await
    }

    async fn get_number(
        &self,
        account: &AccountSid,
        sid: &PhoneNumberSid,
    ) -> Result<Option<NumberRecord>> {
        let row = sqlx::query(&format!(
            "SELECT {COLUMNS} FROM phone_numbers WHERE sid = $1 AND account_sid = $2"
        ))
        .bind(sid.as_str())
        .bind(account.as_str())
        .fetch_optional(self.pool())
        .await?;
        let found = row.as_ref().map(number).transpose()?;
        match found {
            Some(n) => Ok(Some(self.open_number_record(n).await?)),
            None => Ok(None),
        }
    }

    async fn update_number(
        &self,
        account: &AccountSid,
        sid: &PhoneNumberSid,
        friendly_name: String,
        k: NumberConfig,
        now: Millis,
    ) -> Result<bool> {
        let friendly_name = self
            .seal_friendly_name(account.as_str(), sid.as_str(), &friendly_name)
            .await?;
        let done = sqlx::query(
            "UPDATE phone_numbers SET friendly_name = $3, date_updated = $4, sms_url = $5, sms_method = $6, \
             sms_fallback_url = $7, sms_fallback_method = $8, status_callback = $9, status_callback_method = $10, \
             voice_url = $11, voice_method = $12, voice_fallback_url = $13, voice_fallback_method = $14, \
             stop_reply = $15, start_reply = $16, help_reply = $17 WHERE sid = $1 AND account_sid = $2",
        )
        .bind(sid.as_str())
        .bind(account.as_str())
        .bind(friendly_name)
        .bind(now)
        .bind(k.sms_url)
        .bind(k.sms_method)
        .bind(k.sms_fallback_url)
        .bind(k.sms_fallback_method)
        .bind(k.status_callback)
        .bind(k.status_callback_method)
        .bind(k.voice_url)
        .bind(k.voice_method)
        .bind(k.voice_fallback_url)
        .bind(k.voice_fallback_method)
        .bind(k.stop_reply)
        .bind(k.start_reply)
        .bind(k.help_reply)
        .execute(self.pool())
        .await?;
        Ok(done.rows_affected() == 1)
    }

    async fn delete_number(&self, account: &AccountSid, sid: &PhoneNumberSid) -> Result<bool> {
        let done = sqlx::query("DELETE FROM phone_numbers WHERE sid = $1 AND account_sid = $2")
            .bind(sid.as_str())
            .bind(account.as_str())
            .execute(self.pool())
            .await?;
        Ok(done.rows_affected() == 1)
    }
}

#[async_trait]
impl OptOutStore for PgStore {
    async fn opt_out(
        &self,
        account: &AccountSid,
        sender: &str,
        recipient: &str,
        now: Millis,
    ) -> Result<()> {
        sqlx::query(
            "INSERT INTO opt_outs (account_sid, sender, recipient, date_created) VALUES ($1, $2, $3, $4) \
             ON CONFLICT DO NOTHING",
        )
        .bind(account.as_str())
        .bind(self.account_number(account.as_str(), sender).await?)
        .bind(self.account_number(account.as_str(), recipient).await?)
        .bind(now)
        .execute(self.pool())
        .await?;
        Ok(())
    }

    async fn opt_in(&self, account: &AccountSid, sender: &str, recipient: &str) -> Result<bool> {
        let done = sqlx::query(
            "DELETE FROM opt_outs WHERE account_sid = $1 AND sender IN ($2, $4) AND recipient IN ($3, $5)",
        )
        .bind(account.as_str())
        .bind(sender)
        .bind(recipient)
        .bind(self.account_lookup(account.as_str(), sender).await?)
        .bind(self.account_lookup(account.as_str(), recipient).await?)
        .execute(self.pool())
        .await?;
        Ok(done.rows_affected() >= 1)
    }

    async fn is_opted_out(
        &self,
        account: &AccountSid,
        sender: &str,
        recipient: &str,
    ) -> Result<bool> {
        Ok(sqlx::query_scalar(
            "SELECT EXISTS(SELECT 1 FROM opt_outs WHERE account_sid = $1 AND sender IN ($2, $4) AND recipient IN ($3, $5))",
        )
        .bind(account.as_str())
        .bind(sender)
        .bind(recipient)
        .bind(self.account_lookup(account.as_str(), sender).await?)
        .bind(self.account_lookup(account.as_str(), recipient).await?)
        .fetch_one(self.pool())
        .await?)
    }

    async fn list_opt_outs(&self, account: &AccountSid) -> Result<Vec<OptOutRecord>> {
        let rows = sqlx::query(
            "SELECT account_sid, sender, recipient, date_created FROM opt_outs \
             WHERE account_sid = $1 ORDER BY date_created, sender, recipient",
        )
        .bind(account.as_str())
        .fetch_all(self.pool())
        .await?;
        let found = rows
            .iter()
            .map(|r| {
                Ok(OptOutRecord {
                    account_sid: account_sid(r.try_get(0)?)?,
                    sender: r.try_get(1)?,
                    recipient: r.try_get(2)?,
                    date_created: r.try_get(3)?,
                })
            })
            .collect::<Result<Vec<_>>>()?;
        self.open_opt_outs(found).await
    }
}
