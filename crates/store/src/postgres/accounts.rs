use super::rows::{account_sid, corrupt};
use super::PgStore;
use crate::error::Result;
use crate::model::{AccountRecord, ApiKeyRecord, NewAccount, NewApiKey};
use crate::AccountStore;
use async_trait::async_trait;
use sqlx::postgres::PgRow;
use sqlx::Row;
use switchboard_domain::clock::Millis;
use switchboard_domain::ids::{AccountSid, ApiKeySid};
use switchboard_domain::scopes::ScopeSet;

#[async_trait]
impl AccountStore for PgStore {
    async fn create_account(&self, a: NewAccount) -> Result<()> {
        sqlx::query(
            "INSERT INTO accounts (sid, friendly_name, status, auth_token_sealed, date_created, date_updated) \
             VALUES ($1, $2, 'active', $3, $4, $4)",
        )
        .bind(a.sid.as_str())
        .bind(&a.friendly_name)
        .bind(&a.auth_token_sealed)
        .bind(a.now)
        .execute(self.pool())
        .await?;
        Ok(())
    }

    async fn close_account(&self, sid: &AccountSid, now: Millis) -> Result<bool> {
        let mut tx = self.pool().begin().await?;
        let n = sqlx::query(crate::sql::MARK_CLOSED)
            .bind(sid.as_str())
            .bind(now)
            .execute(&mut *tx)
            .await?
            .rows_affected();
        for stmt in crate::sql::CLOSE_ACCOUNT {
            sqlx::query(stmt)
                .bind(sid.as_str())
                .execute(&mut *tx)
                .await?;
        }
        tx.commit().await?;
        self.crypt.forget(sid.as_str());
        Ok(n == 1)
    }

    async fn get_account(&self, sid: &AccountSid) -> Result<Option<AccountRecord>> {
        let row = sqlx::query(
            "SELECT sid, friendly_name, status, auth_token_sealed, date_created, date_updated \
             FROM accounts WHERE sid = $1",
        )
        .bind(sid.as_str())
        .fetch_optional(self.pool())
        .await?;
        row.map(|r| {
            Ok(AccountRecord {
                sid: account_sid(r.try_get(0)?)?,
                friendly_name: r.try_get(1)?,
                status: r.try_get(2)?,
                auth_token_sealed: r.try_get(3)?,
                date_created: r.try_get(4)?,
                date_updated: r.try_get(5)?,
            })
        })
        .transpose()
    }

    async fn count_accounts(&self) -> Result<u64> {
        let n: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM accounts")
            .fetch_one(self.pool())
            .await?;
        Ok(u64::try_from(n).unwrap_or(0))
    }

    async fn create_api_key(&self, k: NewApiKey) -> Result<()> {
        sqlx::query(
            "INSERT INTO api_keys (sid, account_sid, friendly_name, secret_hash, scopes, date_created, date_updated) \
             VALUES ($1, $2, $3, $4, $5, $6, $6)",
        )
        .bind(k.sid.as_str())
        .bind(k.account_sid.as_str())
        .bind(&k.friendly_name)
        .bind(&k.secret_hash)
        .bind(k.scopes.render())
        .bind(k.now)
        .execute(self.pool())
        .await?;
        Ok(())
    }

    async fn get_api_key(&self, sid: &ApiKeySid) -> Result<Option<ApiKeyRecord>> {
        sqlx::query(&format!(
            "SELECT {KEY_COLUMNS} FROM api_keys WHERE sid = $1"
        ))
        .bind(sid.as_str())
        .fetch_optional(self.pool())
        .await?
        .map(|r| api_key(&r))
        .transpose()
    }

    async fn list_api_keys(&self, account: &AccountSid) -> Result<Vec<ApiKeyRecord>> {
        sqlx::query(&format!(
            "SELECT {KEY_COLUMNS} FROM api_keys WHERE account_sid = $1 \
             ORDER BY date_created DESC, sid"
        ))
        .bind(account.as_str())
        .fetch_all(self.pool())
        .await?
        .iter()
        .map(api_key)
        .collect()
    }

    async fn update_api_key(
        &self,
        account: &AccountSid,
        sid: &ApiKeySid,
        friendly_name: &str,
        now: Millis,
    ) -> Result<Option<ApiKeyRecord>> {
        sqlx::query(&format!(
            "UPDATE api_keys SET friendly_name = $3, date_updated = $4 \
             WHERE account_sid = $1 AND sid = $2 RETURNING {KEY_COLUMNS}"
        ))
        .bind(account.as_str())
        .bind(sid.as_str())
        .bind(friendly_name)
        .bind(now)
        .fetch_optional(self.pool())
        .await?
        .map(|r| api_key(&r))
        .transpose()
    }

    async fn delete_api_key(&self, account: &AccountSid, sid: &ApiKeySid) -> Result<bool> {
        let done = sqlx::query("DELETE FROM api_keys WHERE account_sid = $1 AND sid = $2")
            .bind(account.as_str())
            .bind(sid.as_str())
            .execute(self.pool())
            .await?;
        Ok(done.rows_affected() > 0)
    }
}

const KEY_COLUMNS: &str =
    "sid, account_sid, friendly_name, secret_hash, scopes, date_created, date_updated";

fn api_key(r: &PgRow) -> Result<ApiKeyRecord> {
    let sid: &str = r.try_get(0)?;
    let scopes: Option<&str> = r.try_get(4)?;
    let date_created: Millis = r.try_get(5)?;
    Ok(ApiKeyRecord {
        sid: ApiKeySid::parse(sid).map_err(|_| corrupt("key sid", sid))?,
        account_sid: account_sid(r.try_get(1)?)?,
        friendly_name: r.try_get(2)?,
        secret_hash: r.try_get(3)?,
        scopes: match scopes {
            None => ScopeSet::standard(),
            Some(s) => ScopeSet::parse(s).map_err(|_| corrupt("key scopes", s))?,
        },
        date_created,
        date_updated: r.try_get::<Option<Millis>, _>(6)?.unwrap_or(date_created),
    })
}
