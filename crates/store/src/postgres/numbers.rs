use super::rows::account_sid;
use super::PgStore;
use crate::error::{Error, Result};
use crate::model::{NewNumber, NumberRecord};
use crate::NumberStore;
use async_trait::async_trait;
use sqlx::postgres::PgRow;
use sqlx::Row;
use switchboard_domain::ids::{AccountSid, PhoneNumberSid};

const COLUMNS: &str = "sid, account_sid, phone_number, friendly_name, date_created, date_updated";

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
    })
}

#[async_trait]
impl NumberStore for PgStore {
    async fn add_number(&self, n: NewNumber) -> Result<()> {
        sqlx::query(
            "INSERT INTO phone_numbers (sid, account_sid, phone_number, friendly_name, date_created, date_updated) \
             VALUES ($1, $2, $3, $4, $5, $5)",
        )
        .bind(n.sid.as_str())
        .bind(n.account_sid.as_str())
        .bind(&n.phone_number)
        .bind(&n.friendly_name)
        .bind(n.now)
        .execute(self.pool())
        .await?;
        Ok(())
    }

    async fn find_number(&self, phone_number: &str) -> Result<Option<NumberRecord>> {
        let row = sqlx::query(&format!(
            "SELECT {COLUMNS} FROM phone_numbers WHERE phone_number = $1"
        ))
        .bind(phone_number)
        .fetch_optional(self.pool())
        .await?;
        row.as_ref().map(number).transpose()
    }

    async fn list_numbers(&self, account: &AccountSid) -> Result<Vec<NumberRecord>> {
        let rows = sqlx::query(&format!(
            "SELECT {COLUMNS} FROM phone_numbers WHERE account_sid = $1 ORDER BY date_created, sid"
        ))
        .bind(account.as_str())
        .fetch_all(self.pool())
        .await?;
        rows.iter().map(number).collect()
    }
}
