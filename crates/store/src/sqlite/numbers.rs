use super::rows::account_sid;
use super::SqliteStore;
use crate::error::Result;
use crate::model::{NewNumber, NumberRecord};
use crate::NumberStore;
use async_trait::async_trait;
use rusqlite::{params, OptionalExtension, Row};
use switchboard_domain::ids::{AccountSid, PhoneNumberSid};

const COLUMNS: &str = "sid, account_sid, phone_number, friendly_name, date_created, date_updated";

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
    })
}

#[async_trait]
impl NumberStore for SqliteStore {
    async fn add_number(&self, n: NewNumber) -> Result<()> {
        self.write(move |c| {
            c.execute(
                "INSERT INTO phone_numbers (sid, account_sid, phone_number, friendly_name, date_created, date_updated) \
                 VALUES (?1, ?2, ?3, ?4, ?5, ?5)",
                params![n.sid.as_str(), n.account_sid.as_str(), n.phone_number, n.friendly_name, n.now],
            )?;
            Ok(())
        })
        .await
    }

    async fn find_number(&self, phone_number: &str) -> Result<Option<NumberRecord>> {
        let phone_number = phone_number.to_owned();
        self.read(move |c| {
            Ok(c.prepare_cached(&format!(
                "SELECT {COLUMNS} FROM phone_numbers WHERE phone_number = ?1"
            ))?
            .query_row([phone_number], number)
            .optional()?)
        })
        .await
    }

    async fn list_numbers(&self, account: &AccountSid) -> Result<Vec<NumberRecord>> {
        let account = account.as_str().to_owned();
        self.read(move |c| {
            let mut stmt = c.prepare_cached(&format!(
                "SELECT {COLUMNS} FROM phone_numbers WHERE account_sid = ?1 ORDER BY date_created, sid"
            ))?;
            let rows = stmt.query_map([account], number)?;
            Ok(rows.collect::<rusqlite::Result<Vec<_>>>()?)
        })
        .await
    }
}
