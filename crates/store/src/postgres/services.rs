//! Messaging Services on PostgreSQL.

use super::rows::account_sid;
use super::PgStore;
use crate::error::{Error, Result};
use crate::fair::slot;
use crate::model::{ServiceConfig, ServiceNumber, ServiceRecord};
use crate::ServiceStore;
use async_trait::async_trait;
use sqlx::postgres::PgRow;
use sqlx::Row;
use switchboard_domain::clock::Millis;
use switchboard_domain::ids::{AccountSid, PhoneNumberSid, ServiceSid};

const COLUMNS: &str = "sid, account_sid, friendly_name, inbound_request_url, inbound_method, fallback_url, \
     fallback_method, status_callback, sticky_sender, use_inbound_webhook_on_number, date_created, date_updated";

fn service(r: &PgRow) -> Result<ServiceRecord> {
    let sid: &str = r.try_get(0)?;
    Ok(ServiceRecord {
        sid: ServiceSid::parse(sid)
            .map_err(|_| Error::Other(format!("invalid service sid {sid}")))?,
        account_sid: account_sid(r.try_get(1)?)?,
        config: ServiceConfig {
            friendly_name: r.try_get(2)?,
            inbound_request_url: r.try_get(3)?,
            inbound_method: r.try_get(4)?,
            fallback_url: r.try_get(5)?,
            fallback_method: r.try_get(6)?,
            status_callback: r.try_get(7)?,
            sticky_sender: r.try_get(8)?,
            use_inbound_webhook_on_number: r.try_get(9)?,
        },
        date_created: r.try_get(10)?,
        date_updated: r.try_get(11)?,
    })
}

fn number(r: &PgRow) -> Result<ServiceNumber> {
    let (s, n): (&str, &str) = (r.try_get(0)?, r.try_get(1)?);
    Ok(ServiceNumber {
        service_sid: ServiceSid::parse(s)
            .map_err(|_| Error::Other(format!("invalid service sid {s}")))?,
        number_sid: PhoneNumberSid::parse(n)
            .map_err(|_| Error::Other(format!("invalid number sid {n}")))?,
        phone_number: r.try_get(2)?,
        date_created: r.try_get(3)?,
    })
}

#[async_trait]
impl ServiceStore for PgStore {
    async fn create_service(&self, s: ServiceRecord) -> Result<()> {
        let k = &s.config;
        sqlx::query(&format!(
            "INSERT INTO messaging_services ({COLUMNS}) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $11)"
        ))
        .bind(s.sid.as_str())
        .bind(s.account_sid.as_str())
        .bind(&k.friendly_name)
        .bind(&k.inbound_request_url)
        .bind(&k.inbound_method)
        .bind(&k.fallback_url)
        .bind(&k.fallback_method)
        .bind(&k.status_callback)
        .bind(k.sticky_sender)
        .bind(k.use_inbound_webhook_on_number)
        .bind(s.date_created)
        .execute(self.pool())
        .await?;
        Ok(())
    }

    async fn get_service(
        &self,
        account: &AccountSid,
        sid: &ServiceSid,
    ) -> Result<Option<ServiceRecord>> {
        let row = sqlx::query(&format!(
            "SELECT {COLUMNS} FROM messaging_services WHERE sid = $1 AND account_sid = $2"
        ))
        .bind(sid.as_str())
        .bind(account.as_str())
        .fetch_optional(self.pool())
        .await?;
        row.as_ref().map(service).transpose()
    }

    async fn list_services(&self, account: &AccountSid) -> Result<Vec<ServiceRecord>> {
        let rows = sqlx::query(&format!(
            "SELECT {COLUMNS} FROM messaging_services WHERE account_sid = $1 ORDER BY date_created, sid"
        ))
        .bind(account.as_str())
        .fetch_all(self.pool())
        .await?;
        rows.iter().map(service).collect()
    }

    async fn update_service(
        &self,
        account: &AccountSid,
        sid: &ServiceSid,
        k: ServiceConfig,
        now: Millis,
    ) -> Result<bool> {
        let done = sqlx::query(
            "UPDATE messaging_services SET friendly_name = $3, inbound_request_url = $4, inbound_method = $5, \
             fallback_url = $6, fallback_method = $7, status_callback = $8, sticky_sender = $9, \
             use_inbound_webhook_on_number = $10, date_updated = $11 WHERE sid = $1 AND account_sid = $2",
        )
        .bind(sid.as_str())
        .bind(account.as_str())
        .bind(k.friendly_name)
        .bind(k.inbound_request_url)
        .bind(k.inbound_method)
        .bind(k.fallback_url)
        .bind(k.fallback_method)
        .bind(k.status_callback)
        .bind(k.sticky_sender)
        .bind(k.use_inbound_webhook_on_number)
        .bind(now)
        .execute(self.pool())
        .await?;
        Ok(done.rows_affected() == 1)
    }

    async fn delete_service(&self, account: &AccountSid, sid: &ServiceSid) -> Result<bool> {
        let mut tx = self.pool().begin().await?;
        let n = sqlx::query("DELETE FROM messaging_services WHERE sid = $1 AND account_sid = $2")
            .bind(sid.as_str())
            .bind(account.as_str())
            .execute(&mut *tx)
            .await?
            .rows_affected();
        if n == 1 {
            for table in ["service_numbers", "sticky_senders"] {
                sqlx::query(&format!("DELETE FROM {table} WHERE service_sid = $1"))
                    .bind(sid.as_str())
                    .execute(&mut *tx)
                    .await?;
            }
        }
        tx.commit().await?;
        Ok(n == 1)
    }

    async fn add_service_number(&self, n: ServiceNumber) -> Result<()> {
        sqlx::query(
            "INSERT INTO service_numbers (service_sid, number_sid, phone_number, date_created) VALUES ($1, $2, $3, $4)",
        )
        .bind(n.service_sid.as_str())
        .bind(n.number_sid.as_str())
        .bind(self.crypt.installation_number(&n.phone_number))
        .bind(n.date_created)
        .execute(self.pool())
        .await?;
        Ok(())
    }

    async fn list_service_numbers(&self, service: &ServiceSid) -> Result<Vec<ServiceNumber>> {
        let rows = sqlx::query(
            "SELECT service_sid, number_sid, phone_number, date_created FROM service_numbers \
             WHERE service_sid = $1 ORDER BY date_created, number_sid",
        )
        .bind(service.as_str())
        .fetch_all(self.pool())
        .await?;
        rows.iter()
            .map(|r| {
                let mut n = number(r)?;
                n.phone_number = self.crypt.open_installation_number(&n.phone_number)?;
                Ok(n)
            })
            .collect()
    }

    async fn remove_service_number(
        &self,
        service: &ServiceSid,
        number: &PhoneNumberSid,
    ) -> Result<bool> {
        let done =
            sqlx::query("DELETE FROM service_numbers WHERE service_sid = $1 AND number_sid = $2")
                .bind(service.as_str())
                .bind(number.as_str())
                .execute(self.pool())
                .await?;
        Ok(done.rows_affected() == 1)
    }

    async fn service_of_number(&self, number: &PhoneNumberSid) -> Result<Option<ServiceSid>> {
        let found: Option<String> =
            sqlx::query_scalar("SELECT service_sid FROM service_numbers WHERE number_sid = $1")
                .bind(number.as_str())
                .fetch_optional(self.pool())
                .await?;
        Ok(found.and_then(|s| ServiceSid::parse(&s).ok()))
    }

    async fn pick_sender(
        &self,
        service: &ServiceSid,
        recipient: &str,
        sticky: bool,
    ) -> Result<Option<String>> {
        let sealed = self.crypt.installation_number(recipient);
        let chosen = self
            .pick_sender_plain(service, recipient, &sealed, sticky)
            .await?;
        chosen
            .map(|n| self.crypt.open_installation_number(&n))
            .transpose()
    }
}

/// The queries behind the trait methods, on stored (encrypted) values.
impl PgStore {
    async fn pick_sender_plain(
        &self,
        service: &ServiceSid,
        recipient: &str,
        sealed: &str,
        sticky: bool,
    ) -> Result<Option<String>> {
        let pool: Vec<String> = sqlx::query_scalar(
            "SELECT phone_number FROM service_numbers WHERE service_sid = $1 ORDER BY date_created, number_sid",
        )
        .bind(service.as_str())
        .fetch_all(self.pool())
        .await?;
        if pool.is_empty() {
            return Ok(None);
        }
        let chosen = pool[slot(recipient, pool.len())].clone();
        if !sticky {
            return Ok(Some(chosen));
        }
        // The common case, a recipient seen before, is a read; only a new (or
        // no longer pooled) sender is written.
        let had: Option<String> = sqlx::query_scalar(
            "SELECT sender FROM sticky_senders WHERE service_sid = $1 AND recipient = $2",
        )
        .bind(service.as_str())
        .bind(sealed)
        .fetch_optional(self.pool())
        .await?;
        if let Some(had) = had.filter(|h| pool.contains(h)) {
            return Ok(Some(had));
        }
        // First writer wins; every node then reads the same sender.
        let had: Option<String> = sqlx::query_scalar(
            "INSERT INTO sticky_senders (service_sid, recipient, sender) VALUES ($1, $2, $3) \
             ON CONFLICT (service_sid, recipient) DO UPDATE SET sender = \
               CASE WHEN sticky_senders.sender = ANY($4) THEN sticky_senders.sender ELSE EXCLUDED.sender END \
             RETURNING sender",
        )
        .bind(service.as_str())
        .bind(sealed)
        .bind(&chosen)
        .bind(&pool)
        .fetch_optional(self.pool())
        .await?;
        Ok(had.or(Some(chosen)))
    }
}
