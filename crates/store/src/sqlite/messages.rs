use super::rows::{self, fetch_message, MESSAGE_COLUMNS};
use super::SqliteStore;
use crate::crypt::KeyTable;
use crate::error::Result;
use crate::model::{
    CancelResult, IdempotencyKey, Idempotent, MessageFilter, MessageRecord, NewMessage,
};
use crate::sql::list_to_text_or_null;
use crate::MessageStore;
use async_trait::async_trait;
use rusqlite::{params, Connection, OptionalExtension};
use switchboard_domain::clock::Millis;
use switchboard_domain::ids::{AccountSid, MessageSid};
use switchboard_domain::message::MessageStatus;

/// Inserts a message sealed by `KeyTable::seal_message`; `sender` is the queue's sender column.
pub(super) fn insert(c: &Connection, m: &NewMessage, sender: &str) -> Result<i64> {
    c.prepare_cached(
        "INSERT INTO messages (sid, account_sid, direction, status, to_addr, from_addr, body, num_segments, \
         media_urls, encoding, messaging_service_sid, status_callback, validity_secs, date_created, date_updated, \
         error_code, error_message, shield_verdict, shield_score, shield_reasons) \
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?14, ?15, ?16, ?17, ?18, ?19)",
    )?
    .execute(params![
        m.sid.as_str(),
        m.account_sid.as_str(),
        m.direction.as_str(),
        m.status.as_str(),
        m.to,
        m.from,
        m.body,
        m.num_segments,
        list_to_text_or_null(&m.media_urls),
        m.encoding,
        m.messaging_service_sid,
        m.status_callback,
        m.validity_secs,
        m.now,
        m.error_code,
        m.error_message,
        m.shield.as_ref().map(|s| s.verdict.as_str()),
        m.shield.as_ref().map(|s| s.score),
        m.shield.as_ref().map(|s| crate::sql::list_to_text(&s.reasons)),
    ])?;
    let seq = c.last_insert_rowid();
    if matches!(
        m.status,
        MessageStatus::Queued | MessageStatus::Accepted | MessageStatus::Scheduled
    ) {
        c.prepare_cached(
            "INSERT INTO queue (message_seq, due_at, phase, account_sid, sender) VALUES (?1, ?2, 'submit', ?3, ?4)",
        )?
        .execute(params![seq, m.due_at, m.account_sid.as_str(), sender])?;
    }
    Ok(seq)
}

#[async_trait]
impl MessageStore for SqliteStore {
    async fn insert_message(&self, m: NewMessage) -> Result<MessageRecord> {
        let (sealed, sender) = self.seal_message(&m).await?;
        self.write(move |c| {
            let seq = insert(c, &sealed, &sender)?;
            Ok(MessageRecord::stored(m, seq))
        })
        .await
    }

    async fn insert_message_once(&self, m: NewMessage, key: IdempotencyKey) -> Result<Idempotent> {
        let (sealed, sender) = self.seal_message(&m).await?;
        let key = self.seal_idempotency(m.account_sid.as_str(), key).await?;
        let mut outcome = self.write(move |c| {
            let account = m.account_sid.as_str().to_owned();
            let seen: Option<(String, i64, i64)> = c
                .prepare_cached(
                    "SELECT request_hash, message_seq, created_at FROM idempotency_keys \
                     WHERE account_sid = ?1 AND key = ?2",
                )?
                .query_row(params![account, key.key], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)))
                .optional()?;
            if let Some((hash, seq, _)) = seen.filter(|(_, _, at)| *at >= key.not_before) {
                if hash != key.request_hash {
                    return Ok(Idempotent::Mismatch);
                }
                let found = c
                    .prepare_cached(&format!("SELECT {MESSAGE_COLUMNS} FROM messages WHERE seq = ?1"))?
                    .query_row([seq], rows::message)
                    .optional()?;
                if let Some(found) = found {
                    return Ok(Idempotent::Replayed(found));
                }
            }
            let seq = insert(c, &sealed, &sender)?;
            c.prepare_cached(
                "INSERT OR REPLACE INTO idempotency_keys (account_sid, key, request_hash, message_seq, created_at) \
                 VALUES (?1, ?2, ?3, ?4, ?5)",
            )?
            .execute(params![account, key.key, key.request_hash, seq, m.now])?;
            Ok(Idempotent::Created(MessageRecord::stored(m, seq)))
        })
        .await?;
        if let Idempotent::Replayed(found) = &mut outcome {
            self.open_message(found).await?;
        }
        Ok(outcome)
    }

    async fn get_message(
        &self,
        account: &AccountSid,
        sid: &MessageSid,
    ) -> Result<Option<MessageRecord>> {
        let (account, sid) = (account.as_str().to_owned(), sid.as_str().to_owned());
        let mut found = self.read(move |c| fetch_message(c, &account, &sid)).await?;
        if let Some(m) = &mut found {
            self.open_message(m).await?;
        }
        Ok(found)
    }

    async fn list_messages(
        &self,
        account: &AccountSid,
        f: &MessageFilter,
        limit: u32,
    ) -> Result<Vec<MessageRecord>> {
        let (sql, args) = self
            .list_messages_query(MESSAGE_COLUMNS, account.as_str(), f, limit)
            .await?;
        // Without statistics SQLite prefers walking (account_sid, seq) for `ORDER BY seq`
        // even with an address filter (an `IN` list), which scans the account: name the
        // address index.
        let hint = if f.to.is_some() {
            " INDEXED BY messages_account_to"
        } else if f.from.is_some() {
            " INDEXED BY messages_account_from"
        } else {
            ""
        };
        let sql = sql
            .replacen(
                "FROM messages WHERE",
                &format!("FROM messages{hint} WHERE"),
                1,
            )
            .replace('$', "?");
        let mut found = self
            .read(move |c| {
                let mut stmt = c.prepare_cached(&sql)?;
                let values = args.into_iter().map(|a| match a {
                    crate::sql::Arg::Text(t) => rusqlite::types::Value::Text(t),
                    crate::sql::Arg::Int(i) => rusqlite::types::Value::Integer(i),
                });
                let rows = stmt.query_map(rusqlite::params_from_iter(values), rows::message)?;
                Ok(rows.collect::<rusqlite::Result<Vec<_>>>()?)
            })
            .await?;
        self.open_messages(&mut found).await?;
        Ok(found)
    }

    async fn redact_message(
        &self,
        account: &AccountSid,
        sid: &MessageSid,
        now: Millis,
    ) -> Result<Option<MessageRecord>> {
        let (account, sid) = (account.as_str().to_owned(), sid.as_str().to_owned());
        let mut found = self
            .write(move |c| {
                c.prepare_cached(
                    "UPDATE messages SET body = '', date_updated = ?3 WHERE sid = ?1 AND account_sid = ?2",
                )?
                .execute(params![sid, account, now])?;
                fetch_message(c, &account, &sid)
            })
            .await?;
        if let Some(m) = &mut found {
            self.open_message(m).await?;
        }
        Ok(found)
    }

    async fn cancel_message(
        &self,
        account: &AccountSid,
        sid: &MessageSid,
        now: Millis,
    ) -> Result<CancelResult> {
        let (account, sid) = (account.as_str().to_owned(), sid.as_str().to_owned());
        let mut outcome = self
            .write(move |c| {
                let Some(current) = fetch_message(c, &account, &sid)? else {
                    return Ok(CancelResult::NotFound);
                };
                if !current.status.is_cancelable() {
                    return Ok(CancelResult::NotCancelable(current.status));
                }
                c.prepare_cached("DELETE FROM queue WHERE message_seq = ?1")?
                    .execute([current.seq])?;
                c.prepare_cached(
                    "UPDATE messages SET status = 'canceled', date_updated = ?2 WHERE seq = ?1",
                )?
                .execute(params![current.seq, now])?;
                let updated = fetch_message(c, &account, &sid)?;
                Ok(updated.map_or(CancelResult::NotFound, |m| {
                    CancelResult::Canceled(Box::new(m))
                }))
            })
            .await?;
        if let CancelResult::Canceled(m) = &mut outcome {
            self.open_message(m).await?;
        }
        Ok(outcome)
    }

    async fn delete_message(&self, account: &AccountSid, sid: &MessageSid) -> Result<bool> {
        let (account, sid) = (account.as_str().to_owned(), sid.as_str().to_owned());
        self.write(move |c| {
            c.prepare_cached(
                "DELETE FROM queue WHERE message_seq = (SELECT seq FROM messages WHERE sid = ?1 AND account_sid = ?2)",
            )?
            .execute([&sid, &account])?;
            let n = c
                .prepare_cached("DELETE FROM messages WHERE sid = ?1 AND account_sid = ?2")?
                .execute([&sid, &account])?;
            Ok(n > 0)
        })
        .await
    }

    async fn status_counts(&self) -> Result<Vec<(MessageStatus, u64)>> {
        self.read(|c| {
            let mut stmt =
                c.prepare_cached("SELECT status, COUNT(*) FROM messages GROUP BY status")?;
            let rows = stmt.query_map([], |r| Ok((rows::status(r.get(0)?)?, r.get(1)?)))?;
            Ok(rows.collect::<rusqlite::Result<Vec<_>>>()?)
        })
        .await
    }
}
