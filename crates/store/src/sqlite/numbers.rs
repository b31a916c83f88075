use super::rows::account_sid;
use super::SqliteStore;
use crate::crypt::KeyTable;
use crate::error::Result;
use crate::model::{NewNumber, NumberConfig, NumberRecord, OptOutRecord};
use crate::{NumberStore, OptOutStore};
use async_trait::async_trait;
use rusqlite::{params, OptionalExtension, Row};
use switchboard_domain::clock::Millis;
use switchboard_domain::ids::{AccountSid, PhoneNumberSid};

const COLUMNS: &str = "sid, account_sid, phone_number, friendly_name, date_created, date_updated, \
     sms_url, sms_method, sms_fallback_url, sms_fallback_method, status_callback, status_callback_method, \
     voice_url, voice_method, voice_fallback_url, voice_fallback_method, stop_reply, start_reply, help_reply";

fn number(r: &Row<'_>) -> rusqlite::Result<NumberRecord> {
    let sid: String = r.get(0)?;
    Ok(NumberRecord {
        sid: PhoneNumberSid::parse(&sid).map_err(|_| {
            rusqlite::Error::InvalidColumnType(0, sid.clone(), rusqlite::types::Type::Text)
        })?,
        account_sid: account_sid(r.get(1)?)?,
        phone_number: r.get(2)?,
        friendly_name: r.get(3)?,
        date_created: r.get(4)?,
        date_updated: r.get(5)?,
        config: NumberConfig {
            sms_url: r.get(6)?,
            sms_method: r.get(7)?,
            sms_fallback_url: r.get(8)?,
            sms_fallback_method: r.get(9)?,
            status_callback: r.get(10)?,
            status_callback_method: r.get(11)?,
            voice_url: r.get(12)?,
            voice_method: r.get(13)?,
            voice_fallback_url: r.get(14)?,
            voice_fallback_method: r.get(15)?,
            stop_reply: r.get(16)?,
            start_reply: r.get(17)?,
            help_reply: r.get(18)?,
        },
    })
}

#[async_trait]
impl NumberStore for SqliteStore {
    async fn add_number(&self, n: NewNumber) -> Result<()> {
        let account_number = self
            .account_number(n.account_sid.as_str(), &n.phone_number)
            .await?;
        let phone_number = self.crypt().installation_number(&n.phone_number);
        let friendly = self
            .seal_friendly_name(n.account_sid.as_str(), n.sid.as_str(), &n.friendly_name)
            .await?;
        self.write(move |c| {
            let k = &n.config;
            c.execute(
                &format!("INSERT INTO phone_numbers ({COLUMNS}) VALUES \
                 (?1, ?2, ?3, ?4, ?5, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15, ?16, ?17, ?18)"),
                params![
                    n.sid.as_str(), n.account_sid.as_str(), phone_number, friendly, n.now,
                    k.sms_url, k.sms_method, k.sms_fallback_url, k.sms_fallback_method,
                    k.status_callback, k.status_callback_method, k.voice_url, k.voice_method,
                    k.voice_fallback_url, k.voice_fallback_method, k.stop_reply, k.start_reply, k.help_reply
                ],
            )?;
            c.execute(
                "UPDATE phone_numbers SET account_number = ?2 WHERE sid = ?1",
                params![n.sid.as_str(), account_number],
            )?;
            Ok(())
        })
        .await
    }

    async fn find_number(&self, phone_number: &str) -> Result<Option<NumberRecord>> {
        let sealed = self.crypt().installation_lookup(phone_number);
        let phone_number = phone_number.to_owned();
        let found = self
            .read(move |c| {
                Ok(c.prepare_cached(&format!(
                    "SELECT {COLUMNS} FROM phone_numbers WHERE phone_number IN (?1, ?2)"
                ))?
                .query_row([sealed, phone_number], number)
                .optional()?)
            })
            .await?;
        let Some(found) = found else {
            return Ok(None);
        };
        if let Some((phone, account_number, friendly)) = self.reseal_number(&found).await? {
            let sid = found.sid.as_str().to_owned();
            self.write(move |c| {
                c.execute(
                    "UPDATE phone_numbers SET phone_number = ?2, account_number = ?3, friendly_name = ?4 \
                     WHERE sid = ?1",
                    params![sid, phone, account_number, friendly],
                )?;
                Ok(())
            })
            .await?;
        }
        Ok(Some(self.open_number_record(found).await?))
    }

    async fn list_numbers(&self, account: &AccountSid) -> Result<Vec<NumberRecord>> {
        let account = account.as_str().to_owned();
        let found: Result<Vec<NumberRecord>> = self.read(move |c| {
            let mut stmt = c.prepare_cached(&format!(
                "SELECT {COLUMNS} FROM phone_numbers WHERE account_sid = ?1 ORDER BY date_created, sid"
            ))?;
            let rows = stmt.query_map([account], number)?;
            Ok(rows.collect::<rusqlite::Result<Vec<_>>>()?)
        })
        .await;
        self.open_number_records(found?).await
    }

    async fn get_number(
        &self,
        account: &AccountSid,
        sid: &PhoneNumberSid,
    ) -> Result<Option<NumberRecord>> {
        let (account, sid) = (account.as_str().to_owned(), sid.as_str().to_owned());
        let found = self
            .read(move |c| {
                Ok(c.prepare_cached(&format!(
                    "SELECT {COLUMNS} FROM phone_numbers WHERE sid = ?1 AND account_sid = ?2"
                ))?
                .query_row([sid, account], number)
                .optional()?)
            })
            .await?;
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
        let (account, sid) = (account.as_str().to_owned(), sid.as_str().to_owned());
        self.write(move |c| {
            let n = c.execute(
                "UPDATE phone_numbers SET friendly_name = ?3, date_updated = ?4, sms_url = ?5, sms_method = ?6, \
                 sms_fallback_url = ?7, sms_fallback_method = ?8, status_callback = ?9, status_callback_method = ?10, \
                 voice_url = ?11, voice_method = ?12, voice_fallback_url = ?13, voice_fallback_method = ?14, \
                 stop_reply = ?15, start_reply = ?16, help_reply = ?17 WHERE sid = ?1 AND account_sid = ?2",
                params![
                    sid, account, friendly_name, now, k.sms_url, k.sms_method, k.sms_fallback_url,
                    k.sms_fallback_method, k.status_callback, k.status_callback_method, k.voice_url,
                    k.voice_method, k.voice_fallback_url, k.voice_fallback_method, k.stop_reply,
                    k.start_reply, k.help_reply
                ],
            )?;
            Ok(n == 1)
        })
        .await
    }

    async fn delete_number(&self, account: &AccountSid, sid: &PhoneNumberSid) -> Result<bool> {
        let (account, sid) = (account.as_str().to_owned(), sid.as_str().to_owned());
        self.write(move |c| {
            Ok(c.execute(
                "DELETE FROM phone_numbers WHERE sid = ?1 AND account_sid = ?2",
                [sid, account],
            )? == 1)
        })
        .await
    }
}

#[async_trait]
impl OptOutStore for SqliteStore {
    async fn opt_out(
        &self,
        account: &AccountSid,
        sender: &str,
        recipient: &str,
        now: Millis,
    ) -> Result<()> {
        let a = account.as_str().to_owned();
        let s = self.account_number(&a, sender).await?;
        let r = self.account_number(&a, recipient).await?;
        self.write(move |c| {
            c.execute(
                "INSERT INTO opt_outs (account_sid, sender, recipient, date_created) VALUES (?1, ?2, ?3, ?4) \
                 ON CONFLICT DO NOTHING",
                params![a, s, r, now],
            )?;
            Ok(())
        })
        .await
    }

    async fn opt_in(&self, account: &AccountSid, sender: &str, recipient: &str) -> Result<bool> {
        let a = account.as_str().to_owned();
        let (s, r) = (sender.to_owned(), recipient.to_owned());
        let s2 = self.account_lookup(&a, sender).await?;
        let r2 = self.account_lookup(&a, recipient).await?;
        self.write(move |c| {
            Ok(c.execute(
                "DELETE FROM opt_outs WHERE account_sid = ?1 AND sender IN (?2, ?4) AND recipient IN (?3, ?5)",
                [a, s, r, s2, r2],
            )? >= 1)
        })
        .await
    }

    async fn is_opted_out(
        &self,
        account: &AccountSid,
        sender: &str,
        recipient: &str,
    ) -> Result<bool> {
        let a = account.as_str().to_owned();
        let (s, r) = (sender.to_owned(), recipient.to_owned());
        let s2 = self.account_lookup(&a, sender).await?;
        let r2 = self.account_lookup(&a, recipient).await?;
        self.read(move |c| {
            Ok(c.prepare_cached(
                "SELECT EXISTS(SELECT 1 FROM opt_outs WHERE account_sid = ?1 AND sender IN (?2, ?4) AND recipient IN (?3, ?5))",
            )?
            .query_row([a, s, r, s2, r2], |row| row.get(0))?)
        })
        .await
    }

    async fn list_opt_outs(&self, account: &AccountSid) -> Result<Vec<OptOutRecord>> {
        let account = account.as_str().to_owned();
        let found: Vec<OptOutRecord> = self
            .read(move |c| {
                let mut stmt = c.prepare_cached(
                    "SELECT account_sid, sender, recipient, date_created FROM opt_outs \
                 WHERE account_sid = ?1 ORDER BY date_created, sender, recipient",
                )?;
                let rows = stmt.query_map([account], |r| {
                    Ok(OptOutRecord {
                        account_sid: account_sid(r.get(0)?)?,
                        sender: r.get(1)?,
                        recipient: r.get(2)?,
                        date_created: r.get(3)?,
                    })
                })?;
                Ok(rows.collect::<rusqlite::Result<Vec<_>>>()?)
            })
            .await?;
        self.open_opt_outs(found).await
    }
}
