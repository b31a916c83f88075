//! The smishing shield's per-account settings on SQLite.

use super::SqliteStore;
use crate::error::Result;
use crate::model::ShieldSettings;
use crate::sql::{list_from_text, list_to_text};
use crate::ShieldStore;
use async_trait::async_trait;
use rusqlite::{params, OptionalExtension};
use switchboard_domain::ids::AccountSid;

#[async_trait]
impl ShieldStore for SqliteStore {
    async fn get_shield_settings(&self, account: &AccountSid) -> Result<Option<ShieldSettings>> {
        let account = account.as_str().to_owned();
        self.read(move |c| {
            Ok(c.prepare_cached(
                "SELECT protected_names, protected_domains, alert_url, flag_threshold, block_threshold, \
                 date_updated FROM shield_settings WHERE account_sid = ?1",
            )?
            .query_row([account], |r| {
                Ok(ShieldSettings {
                    protected_names: list_from_text(&r.get::<_, String>(0)?),
                    protected_domains: list_from_text(&r.get::<_, String>(1)?),
                    alert_url: r.get(2)?,
                    flag_threshold: r.get(3)?,
                    block_threshold: r.get(4)?,
                    date_updated: r.get(5)?,
                })
            })
            .optional()?)
        })
        .await
    }

    async fn put_shield_settings(&self, account: &AccountSid, s: ShieldSettings) -> Result<()> {
        let account = account.as_str().to_owned();
        self.write(move |c| {
            c.prepare_cached(
                "INSERT INTO shield_settings (account_sid, protected_names, protected_domains, alert_url, \
                 flag_threshold, block_threshold, date_updated) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7) \
                 ON CONFLICT (account_sid) DO UPDATE SET protected_names = excluded.protected_names, \
                 protected_domains = excluded.protected_domains, alert_url = excluded.alert_url, \
                 flag_threshold = excluded.flag_threshold, block_threshold = excluded.block_threshold, \
                 date_updated = excluded.date_updated",
            )?
            .execute(params![
                account,
                list_to_text(&s.protected_names),
                list_to_text(&s.protected_domains),
                s.alert_url,
                s.flag_threshold,
                s.block_threshold,
                s.date_updated,
            ])?;
            Ok(())
        })
        .await
    }
}
