use super::rows::account_sid;
use super::SqliteStore;
use crate::error::Result;
use crate::model::{AccountRecord, ApiKeyRecord, NewAccount, NewApiKey};
use crate::AccountStore;
use async_trait::async_trait;
use rusqlite::{params, OptionalExtension};
use switchboard_domain::clock::Millis;
use switchboard_domain::ids::{AccountSid, ApiKeySid};

#[async_trait]
impl AccountStore for SqliteStore {
    async fn create_account(&self, a: NewAccount) -> Result<()> {
        self.write(move |c| {
            c.execute(
                "INSERT INTO accounts (sid, friendly_name, status, auth_token_sealed, date_created, date_updated) \
                 VALUES (?1, ?2, 'active', ?3, ?4, ?4)",
                params![a.sid.as_str(), a.friendly_name, a.auth_token_sealed, a.now],
            )?;
            Ok(())
        })
        .await
    }

    async fn close_account(&self, sid: &AccountSid, now: Millis) -> Result<bool> {
        let sid = sid.as_str().to_owned();
        let account = sid.clone();
        let closed = self
            .write(move |c| {
                // The shared SQL numbers its parameters `$n`; SQLite's are `?n`.
                let n = c.execute(
                    &crate::sql::MARK_CLOSED.replace('$', "?"),
                    params![sid, now],
                )?;
                for stmt in crate::sql::CLOSE_ACCOUNT {
                    c.execute(&stmt.replace('$', "?"), [&sid])?;
                }
                Ok(n == 1)
            })
            .await?;
        self.inner.crypt.forget(&account);
        Ok(closed)
    }

    async fn get_account(&self, sid: &AccountSid) -> Result<Option<AccountRecord>> {
        let sid = sid.as_str().to_owned();
        self.read(move |c| {
            Ok(c.prepare_cached(
                "SELECT sid, friendly_name, status, auth_token_sealed, date_created, date_updated \
                 FROM accounts WHERE sid = ?1",
            )?
            .query_row([sid], |r| {
                Ok(AccountRecord {
                    sid: account_sid(r.get(0)?)?,
                    friendly_name: r.get(1)?,
                    status: r.get(2)?,
                    auth_token_sealed: r.get(3)?,
                    date_created: r.get(4)?,
                    date_updated: r.get(5)?,
                })
            })
            .optional()?)
        })
        .await
    }

    async fn count_accounts(&self) -> Result<u64> {
        self.read(|c| Ok(c.query_row("SELECT COUNT(*) FROM accounts", [], |r| r.get(0))?))
            .await
    }

    async fn create_api_key(&self, k: NewApiKey) -> Result<()> {
        self.write(move |c| {
            c.execute(
                "INSERT INTO api_keys (sid, account_sid, friendly_name, secret_hash, date_created) \
                 VALUES (?1, ?2, ?3, ?4, ?5)",
                params![
                    k.sid.as_str(),
                    k.account_sid.as_str(),
                    k.friendly_name,
                    k.secret_hash,
                    k.now
                ],
            )?;
            Ok(())
        })
        .await
    }

    async fn get_api_key(&self, sid: &ApiKeySid) -> Result<Option<ApiKeyRecord>> {
        let sid = sid.as_str().to_owned();
        self.read(move |c| {
            Ok(c.prepare_cached(
                "SELECT sid, account_sid, friendly_name, secret_hash, date_created FROM api_keys WHERE sid = ?1",
            )?
            .query_row([sid], |r| {
                let sid: String = r.get(0)?;
                Ok(ApiKeyRecord {
                    sid: ApiKeySid::parse(&sid).map_err(|_| {
                        rusqlite::Error::InvalidColumnType(0, sid.clone(), rusqlite::types::Type::Text)
                    })?,
                    account_sid: account_sid(r.get(1)?)?,
                    friendly_name: r.get(2)?,
                    secret_hash: r.get(3)?,
                    date_created: r.get(4)?,
                })
            })
            .optional()?)
        })
        .await
    }
}
