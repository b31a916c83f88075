//! The smishing shield's per-account settings on PostgreSQL.

use super::rows::i32_of;
use super::PgStore;
use crate::error::Result;
use crate::model::ShieldSettings;
use crate::sql::{list_from_text, list_to_text};
use crate::ShieldStore;
use async_trait::async_trait;
use sqlx::Row;
use switchboard_domain::ids::AccountSid;

#[async_trait]
impl ShieldStore for PgStore {
    async fn get_shield_settings(&self, account: &AccountSid) -> Result<Option<ShieldSettings>> {
        let row = sqlx::query(
            "SELECT protected_names, protected_domains, alert_url, flag_threshold, block_threshold, \
             date_updated FROM shield_settings WHERE account_sid = $1",
        )
        .bind(account.as_str())
        .fetch_optional(self.pool())
        .await?;
        let Some(r) = row else { return Ok(None) };
        Ok(Some(ShieldSettings {
            protected_names: list_from_text(&r.try_get::<String, _>(0)?),
            protected_domains: list_from_text(&r.try_get::<String, _>(1)?),
            alert_url: r.try_get(2)?,
            flag_threshold: r.try_get::<Option<i32>, _>(3)?.map(super::rows::u32_of),
            block_threshold: r.try_get::<Option<i32>, _>(4)?.map(super::rows::u32_of),
            date_updated: r.try_get(5)?,
        }))
    }

    async fn put_shield_settings(&self, account: &AccountSid, s: ShieldSettings) -> Result<()> {
        sqlx::query(
            "INSERT INTO shield_settings (account_sid, protected_names, protected_domains, alert_url, \
             flag_threshold, block_threshold, date_updated) VALUES ($1, $2, $3, $4, $5, $6, $7) \
             ON CONFLICT (account_sid) DO UPDATE SET protected_names = excluded.protected_names, \
             protected_domains = excluded.protected_domains, alert_url = excluded.alert_url, \
             flag_threshold = excluded.flag_threshold, block_threshold = excluded.block_threshold, \
             date_updated = excluded.date_updated",
        )
        .bind(account.as_str())
        .bind(list_to_text(&s.protected_names))
        .bind(list_to_text(&s.protected_domains))
        .bind(&s.alert_url)
        .bind(s.flag_threshold.map(i32_of))
        .bind(s.block_threshold.map(i32_of))
        .bind(s.date_updated)
        .execute(self.pool())
        .await?;
        Ok(())
    }
}
