use super::rows::{account_sid, corrupt};
use super::SqliteStore;
use crate::error::Result;
use crate::model::{AccountRecord, ApiKeyRecord, NewAccount, NewApiKey};
use crate::AccountStore;
use async_trait::async_trait;
use rusqlite::{params, OptionalExtension};
use switchboard_domain::clock::Millis;
use switchboard_domain::ids::{AccountSid, ApiKeySid};
use switchboard_domain::scopes::ScopeSet;

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
                "INSERT INTO api_keys (sid, account_sid, friendly_name, secret_hash, scopes, date_created, date_updated) \
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?6)",
                params![
                    k.sid.as_str(),
                    k.account_sid.as_str(),
                    k.friendly_name,
                    k.secret_hash,
                    k.scopes.render(),
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
            Ok(c.prepare_cached(&format!(
                "SELECT {KEY_COLUMNS} FROM api_keys WHERE sid = ?1"
            ))?
            .query_row([sid], api_key)
            .optional()?)
        })
        .await
    }

    async fn list_api_keys(&self, account: &AccountSid) -> Result<Vec<ApiKeyRecord>> {
        let account = account.as_str().to_owned();
        self.read(move |c| {
            let mut st = c.prepare_cached(&format!(
                "SELECT {KEY_COLUMNS} FROM api_keys WHERE account_sid = ?1 \
                 ORDER BY date_created DESC, sid"
            ))?;
            let rows = st.query_map([account], api_key)?;
            Ok(rows.collect::<rusqlite::Result<Vec<_>>>()?)
        })
        .await
    }

    async fn update_api_key(
        &self,
        account: &AccountSid,
        sid: &ApiKeySid,
        friendly_name: &str,
        now: Millis,
    ) -> Result<Option<ApiKeyRecord>> {
        let (account, sid, name) = (
            account.as_str().to_owned(),
            sid.as_str().to_owned(),
            friendly_name.to_owned(),
        );
        self.write(move |c| {
            Ok(c.prepare_cached(&format!(
                "UPDATE api_keys SET friendly_name = ?3, date_updated = ?4 \
                 WHERE account_sid = ?1 AND sid = ?2 RETURNING {KEY_COLUMNS}"
            ))?
            .query_row(params![account, sid, name, now], api_key)
            .optional()?)
        })
        .await
    }

    async fn delete_api_key(&self, account: &AccountSid, sid: &ApiKeySid) -> Result<bool> {
        let (account, sid) = (account.as_str().to_owned(), sid.as_str().to_owned());
        self.write(move |c| {
            Ok(c.execute(
                "DELETE FROM api_keys WHERE account_sid = ?1 AND sid = ?2",
                params![account, sid],
            )? > 0)
        })
        .await
    }
}

const KEY_COLUMNS: &str =
    "sid, account_sid, friendly_name, secret_hash, scopes, date_created, date_updated";

fn api_key(r: &rusqlite::Row<'_>) -> rusqlite::Result<ApiKeyRecord> {
    let sid: String = r.get(0)?;
    let scopes: Option<String> = r.get(4)?;
    let date_created: Millis = r.get(5)?;
    Ok(ApiKeyRecord {
        sid: ApiKeySid::parse(&sid).map_err(|_| corrupt("key sid", &sid))?,
        account_sid: account_sid(r.get(1)?)?,
        friendly_name: r.get(2)?,
        secret_hash: r.get(3)?,
        scopes: match scopes {
            None => ScopeSet::standard(),
            Some(s) => ScopeSet::parse(&s).map_err(|_| corrupt("key scopes", &s))?,
        },
        date_created,
        date_updated: r.get::<_, Option<Millis>>(6)?.unwrap_or(date_created),
    })
}
