//! Messaging Services on SQLite.

use super::rows::{account_sid, corrupt};
use super::SqliteStore;
use crate::error::Result;
use crate::fair::slot;
use crate::model::{ServiceConfig, ServiceNumber, ServiceRecord};
use crate::ServiceStore;
use async_trait::async_trait;
use rusqlite::{params, OptionalExtension, Row};
use switchboard_domain::clock::Millis;
use switchboard_domain::ids::{AccountSid, PhoneNumberSid, ServiceSid};

const COLUMNS: &str = "sid, account_sid, friendly_name, inbound_request_url, inbound_method, fallback_url, \
     fallback_method, status_callback, sticky_sender, use_inbound_webhook_on_number, date_created, date_updated";

fn service(r: &Row<'_>) -> rusqlite::Result<ServiceRecord> {
    let sid: String = r.get(0)?;
    Ok(ServiceRecord {
        sid: ServiceSid::parse(&sid).map_err(|_| corrupt("sid", &sid))?,
        account_sid: account_sid(r.get(1)?)?,
        config: ServiceConfig {
            friendly_name: r.get(2)?,
            inbound_request_url: r.get(3)?,
            inbound_method: r.get(4)?,
            fallback_url: r.get(5)?,
            fallback_method: r.get(6)?,
            status_callback: r.get(7)?,
            sticky_sender: r.get(8)?,
            use_inbound_webhook_on_number: r.get(9)?,
        },
        date_created: r.get(10)?,
        date_updated: r.get(11)?,
    })
}

fn number(r: &Row<'_>) -> rusqlite::Result<ServiceNumber> {
    let (s, n): (String, String) = (r.get(0)?, r.get(1)?);
    Ok(ServiceNumber {
        service_sid: ServiceSid::parse(&s).map_err(|_| corrupt("sid", &s))?,
        number_sid: PhoneNumberSid::parse(&n).map_err(|_| corrupt("sid", &n))?,
        phone_number: r.get(2)?,
        date_created: r.get(3)?,
    })
}

#[async_trait]
impl ServiceStore for SqliteStore {
    async fn create_service(&self, s: ServiceRecord) -> Result<()> {
        self.write(move |c| {
            let k = &s.config;
            c.execute(
                &format!("INSERT INTO messaging_services ({COLUMNS}) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?11)"),
                params![
                    s.sid.as_str(), s.account_sid.as_str(), k.friendly_name, k.inbound_request_url, k.inbound_method,
                    k.fallback_url, k.fallback_method, k.status_callback, k.sticky_sender,
                    k.use_inbound_webhook_on_number, s.date_created
                ],
            )?;
            Ok(())
        })
        .await
    }

    async fn get_service(
        &self,
        account: &AccountSid,
        sid: &ServiceSid,
    ) -> Result<Option<ServiceRecord>> {
        let (a, s) = (account.as_str().to_owned(), sid.as_str().to_owned());
        self.read(move |c| {
            Ok(c.prepare_cached(&format!(
                "SELECT {COLUMNS} FROM messaging_services WHERE sid = ?1 AND account_sid = ?2"
            ))?
            .query_row([s, a], service)
            .optional()?)
        })
        .await
    }

    async fn list_services(&self, account: &AccountSid) -> Result<Vec<ServiceRecord>> {
        let a = account.as_str().to_owned();
        self.read(move |c| {
            let mut stmt = c.prepare_cached(&format!(
                "SELECT {COLUMNS} FROM messaging_services WHERE account_sid = ?1 ORDER BY date_created, sid"
            ))?;
            let rows = stmt.query_map([a], service)?;
            Ok(rows.collect::<rusqlite::Result<Vec<_>>>()?)
        })
        .await
    }

    async fn update_service(
        &self,
        account: &AccountSid,
        sid: &ServiceSid,
        k: ServiceConfig,
        now: Millis,
    ) -> Result<bool> {
        let (a, s) = (account.as_str().to_owned(), sid.as_str().to_owned());
        self.write(move |c| {
            Ok(c.execute(
                "UPDATE messaging_services SET friendly_name = ?3, inbound_request_url = ?4, inbound_method = ?5, \
                 fallback_url = ?6, fallback_method = ?7, status_callback = ?8, sticky_sender = ?9, \
                 use_inbound_webhook_on_number = ?10, date_updated = ?11 WHERE sid = ?1 AND account_sid = ?2",
                params![
                    s, a, k.friendly_name, k.inbound_request_url, k.inbound_method, k.fallback_url,
                    k.fallback_method, k.status_callback, k.sticky_sender, k.use_inbound_webhook_on_number, now
                ],
            )? == 1)
        })
        .await
    }

    async fn delete_service(&self, account: &AccountSid, sid: &ServiceSid) -> Result<bool> {
        let (a, s) = (account.as_str().to_owned(), sid.as_str().to_owned());
        self.write(move |c| {
            let n = c.execute(
                "DELETE FROM messaging_services WHERE sid = ?1 AND account_sid = ?2",
                [&s, &a],
            )?;
            if n == 1 {
                c.execute("DELETE FROM service_numbers WHERE service_sid = ?1", [&s])?;
                c.execute("DELETE FROM sticky_senders WHERE service_sid = ?1", [&s])?;
            }
            Ok(n == 1)
        })
        .await
    }

    async fn add_service_number(&self, n: ServiceNumber) -> Result<()> {
        let phone_number = self.inner.crypt.installation_number(&n.phone_number);
        self.write(move |c| {
            c.execute(
                "INSERT INTO service_numbers (service_sid, number_sid, phone_number, date_created) VALUES (?1, ?2, ?3, ?4)",
                params![n.service_sid.as_str(), n.number_sid.as_str(), phone_number, n.date_created],
            )?;
            Ok(())
        })
        .await
    }

    async fn list_service_numbers(&self, service: &ServiceSid) -> Result<Vec<ServiceNumber>> {
        let s = service.as_str().to_owned();
        let mut found: Vec<ServiceNumber> = self
            .read(move |c| {
                let mut stmt = c.prepare_cached(
                    "SELECT service_sid, number_sid, phone_number, date_created FROM service_numbers \
                     WHERE service_sid = ?1 ORDER BY date_created, number_sid",
                )?;
                let rows = stmt.query_map([s], number)?;
                Ok(rows.collect::<rusqlite::Result<Vec<_>>>()?)
            })
            .await?;
        for n in &mut found {
            n.phone_number = self.inner.crypt.open_installation_number(&n.phone_number)?;
        }
        Ok(found)
    }

    async fn remove_service_number(
        &self,
        service: &ServiceSid,
        number: &PhoneNumberSid,
    ) -> Result<bool> {
        let (s, n) = (service.as_str().to_owned(), number.as_str().to_owned());
        self.write(move |c| {
            Ok(c.execute(
                "DELETE FROM service_numbers WHERE service_sid = ?1 AND number_sid = ?2",
                [s, n],
            )? == 1)
        })
        .await
    }

    async fn service_of_number(&self, number: &PhoneNumberSid) -> Result<Option<ServiceSid>> {
        let n = number.as_str().to_owned();
        let found: Option<String> = self
            .read(move |c| {
                Ok(c.prepare_cached(
                    "SELECT service_sid FROM service_numbers WHERE number_sid = ?1",
                )?
                .query_row([n], |r| r.get(0))
                .optional()?)
            })
            .await?;
        Ok(found.and_then(|s| ServiceSid::parse(&s).ok()))
    }

    async fn pick_sender(
        &self,
        service: &ServiceSid,
        recipient: &str,
        sticky: bool,
    ) -> Result<Option<String>> {
        let (s, r) = (service.as_str().to_owned(), recipient.to_owned());
        let sealed = self.inner.crypt.installation_number(recipient);
        let lookup = self.inner.crypt.installation_lookup(recipient);
        let chosen = self.write(move |c| {
            let pool: Vec<String> = c
                .prepare_cached(
                    "SELECT phone_number FROM service_numbers WHERE service_sid = ?1 ORDER BY date_created, number_sid",
                )?
                .query_map([&s], |row| row.get(0))?
                .collect::<rusqlite::Result<_>>()?;
            if pool.is_empty() {
                return Ok(None);
            }
            if sticky {
                let had: Option<String> = c
                    .prepare_cached("SELECT sender FROM sticky_senders WHERE service_sid = ?1 AND recipient IN (?2, ?3)")?
                    .query_row([&s, &lookup, &r], |row| row.get(0))
                    .optional()?;
                if let Some(had) = had.filter(|h| pool.contains(h)) {
                    return Ok(Some(had));
                }
            }
            let chosen = pool[slot(&r, pool.len())].clone();
            if sticky {
                c.execute(
                    "DELETE FROM sticky_senders WHERE service_sid = ?1 AND recipient IN (?2, ?3)",
                    params![s, lookup, r],
                )?;
                c.execute(
                    "INSERT OR REPLACE INTO sticky_senders (service_sid, recipient, sender) VALUES (?1, ?2, ?3)",
                    params![s, sealed, chosen],
                )?;
            }
            Ok(Some(chosen))
        })
        .await?;
        chosen
            .map(|n| self.inner.crypt.open_installation_number(&n))
            .transpose()
    }
}
