//! Row ⇄ record mapping shared by the SQLite modules.

use crate::error::{Error, Result};
use crate::model::MessageRecord;
use rusqlite::Row;
use switchboard_domain::ids::{AccountSid, MessageSid};
use switchboard_domain::message::{Direction, MessageStatus};

pub(super) use crate::sql::MESSAGE_COLUMNS;

pub(super) fn corrupt(what: &str, value: &str) -> rusqlite::Error {
    rusqlite::Error::FromSqlConversionFailure(
        0,
        rusqlite::types::Type::Text,
        format!("invalid {what} in store: {value}").into(),
    )
}

pub(super) fn account_sid(s: String) -> rusqlite::Result<AccountSid> {
    AccountSid::parse(&s).map_err(|_| corrupt("account sid", &s))
}

pub(super) fn message_sid(s: String) -> rusqlite::Result<MessageSid> {
    MessageSid::parse(&s).map_err(|_| corrupt("message sid", &s))
}

pub(super) fn status(s: String) -> rusqlite::Result<MessageStatus> {
    MessageStatus::parse(&s).ok_or_else(|| corrupt("status", &s))
}

pub(super) fn message(r: &Row<'_>) -> rusqlite::Result<MessageRecord> {
    let direction: String = r.get(3)?;
    Ok(MessageRecord {
        seq: r.get(0)?,
        sid: message_sid(r.get(1)?)?,
        account_sid: account_sid(r.get(2)?)?,
        direction: Direction::parse(&direction).ok_or_else(|| corrupt("direction", &direction))?,
        status: status(r.get(4)?)?,
        to: r.get(5)?,
        from: r.get(6)?,
        body: r.get(7)?,
        num_segments: r.get(8)?,
        media_urls: crate::sql::list_from_nullable(r.get(9)?),
        messaging_service_sid: r.get(10)?,
        status_callback: r.get(11)?,
        error_code: r.get(12)?,
        error_message: r.get(13)?,
        price: r.get(14)?,
        price_unit: r.get(15)?,
        carrier_ref: r.get(16)?,
        attempts: r.get(17)?,
        date_created: r.get(18)?,
        date_updated: r.get(19)?,
        date_sent: r.get(20)?,
        shield: crate::sql::shield_record(r.get(21)?, r.get(22)?, r.get(23)?),
    })
}

pub(super) fn fetch_message(
    conn: &rusqlite::Connection,
    account: &str,
    sid: &str,
) -> Result<Option<MessageRecord>> {
    let mut stmt = conn.prepare_cached(&format!(
        "SELECT {MESSAGE_COLUMNS} FROM messages WHERE sid = ?1 AND account_sid = ?2"
    ))?;
    let mut rows = stmt.query_map([sid, account], message)?;
    rows.next().transpose().map_err(Error::from)
}
