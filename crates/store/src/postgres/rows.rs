//! Row ⇄ record mapping for PostgreSQL.

use crate::error::{Error, Result};
use crate::model::MessageRecord;
use sqlx::postgres::PgRow;
use sqlx::Row;
use switchboard_domain::ids::{AccountSid, MessageSid};
use switchboard_domain::message::{Direction, MessageStatus};

pub(super) use crate::sql::MESSAGE_COLUMNS;

/// A stored non-negative INTEGER as a count (0 if negative).
pub(super) fn count(v: i32) -> u32 {
    u32::try_from(v).unwrap_or(0)
}

/// A count as an INTEGER (saturating).
pub(super) fn int(v: u32) -> i32 {
    i32::try_from(v).unwrap_or(i32::MAX)
}

pub(super) fn corrupt(what: &str, value: &str) -> Error {
    Error::Other(format!("invalid {what} in store: {value}"))
}

pub(super) fn account_sid(s: &str) -> Result<AccountSid> {
    AccountSid::parse(s).map_err(|_| corrupt("account sid", s))
}

pub(super) fn message_sid(s: &str) -> Result<MessageSid> {
    MessageSid::parse(s).map_err(|_| corrupt("message sid", s))
}

pub(super) fn status(s: &str) -> Result<MessageStatus> {
    MessageStatus::parse(s).ok_or_else(|| corrupt("status", s))
}

pub(super) fn u32_of(v: i32) -> u32 {
    u32::try_from(v).unwrap_or(0)
}

pub(super) fn i32_of(v: u32) -> i32 {
    i32::try_from(v).unwrap_or(i32::MAX)
}

pub(super) fn message(r: &PgRow) -> Result<MessageRecord> {
    let direction: String = r.try_get(3)?;
    let media: Option<String> = r.try_get(9)?;
    let error_code: Option<i32> = r.try_get(12)?;
    Ok(MessageRecord {
        seq: r.try_get(0)?,
        sid: message_sid(r.try_get(1)?)?,
        account_sid: account_sid(r.try_get(2)?)?,
        direction: Direction::parse(&direction).ok_or_else(|| corrupt("direction", &direction))?,
        status: status(r.try_get(4)?)?,
        to: r.try_get(5)?,
        from: r.try_get(6)?,
        body: r.try_get(7)?,
        num_segments: u32_of(r.try_get(8)?),
        media_urls: crate::sql::list_from_nullable(media),
        messaging_service_sid: r.try_get(10)?,
        status_callback: r.try_get(11)?,
        error_code: error_code.map(u32_of),
        error_message: r.try_get(13)?,
        price: r.try_get(14)?,
        price_unit: r.try_get(15)?,
        carrier_ref: r.try_get(16)?,
        attempts: u32_of(r.try_get(17)?),
        date_created: r.try_get(18)?,
        date_updated: r.try_get(19)?,
        date_sent: r.try_get(20)?,
        shield: crate::sql::shield_record(
            r.try_get(21)?,
            r.try_get::<Option<i32>, _>(22)?.map(i64::from),
            r.try_get(23)?,
        ),
    })
}
