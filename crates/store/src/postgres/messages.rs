use super::rows::{self, i32_of, MESSAGE_COLUMNS};
use super::PgStore;
use crate::crypt::KeyTable;
use crate::error::Result;
use crate::model::{
    CancelResult, IdempotencyKey, Idempotent, MessageFilter, MessageRecord, NewMessage,
};
use crate::MessageStore;
use async_trait::async_trait;
use sqlx::{PgConnection, Row};

use switchboard_domain::clock::Millis;
use switchboard_domain::ids::{AccountSid, MessageSid};
use switchboard_domain::message::MessageStatus;

pub(super) async fn fetch(
    c: &mut PgConnection,
    account: &str,
    sid: &str,
) -> Result<Option<MessageRecord>> {
    let row = sqlx::query(&format!(
        "SELECT {MESSAGE_COLUMNS} FROM messages WHERE sid = $1 AND account_sid = $2"
    ))
    .bind(sid)
    .bind(account)
    .fetch_optional(c)
    .await?;
    row.as_ref().map(rows::message).transpose()
}

/// Inserts a message (and its queue entry when it is `queued`) inside `tx`.
/// `m` is sealed by `KeyTable::seal_message`; `sender` is the queue's sender column.
pub(super) async fn insert_tx(
    tx: &mut sqlx::Transaction<'_, sqlx::Postgres>,
    m: &NewMessage,
    sender: &str,
) -> Result<i64> {
    let media = crate::sql::list_to_text_or_null(&m.media_urls);
    let seq: i64 = sqlx::query_scalar(
            "INSERT INTO messages (sid, account_sid, direction, status, to_addr, from_addr, body, num_segments, \
             media_urls, encoding, messaging_service_sid, status_callback, validity_secs, date_created, date_updated, \
             error_code, error_message, shield_verdict, shield_score, shield_reasons) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $14, $15, $16, $17, $18, $19) RETURNING seq",
        )
        .bind(m.sid.as_str())
        .bind(m.account_sid.as_str())
        .bind(m.direction.as_str())
        .bind(m.status.as_str())
        .bind(&m.to)
        .bind(&m.from)
        .bind(&m.body)
        .bind(i32_of(m.num_segments))
        .bind(media)
        .bind(&m.encoding)
        .bind(&m.messaging_service_sid)
        .bind(&m.status_callback)
        .bind(m.validity_secs.map(i32_of))
        .bind(m.now)
        .bind(m.error_code.map(i32_of))
        .bind(&m.error_message)
        .bind(m.shield.as_ref().map(|s| s.verdict.clone()))
        .bind(m.shield.as_ref().map(|s| i32_of(s.score)))
        .bind(m.shield.as_ref().map(|s| crate::sql::list_to_text(&s.reasons)))
        .fetch_one(&mut **tx)
        .await?;
    if matches!(
        m.status,
        MessageStatus::Queued | MessageStatus::Accepted | MessageStatus::Scheduled
    ) {
        sqlx::query("INSERT INTO queue (message_seq, due_at, phase, account_sid, sender) VALUES ($1, $2, 'submit', $3, $4)")
            .bind(seq)
            .bind(m.due_at)
            .bind(m.account_sid.as_str())
            .bind(sender)
            .execute(&mut **tx)
            .await?;
    }
    Ok(seq)
}

#[async_trait]
impl MessageStore for PgStore {
    async fn insert_message(&self, m: NewMessage) -> Result<MessageRecord> {
        let (sealed, sender) = self.seal_message(&m).await?;
        let mut tx = self.pool().begin().await?;
        let seq = insert_tx(&mut tx, &sealed, &sender).await?;
        tx.commit().await?;
        Ok(MessageRecord::stored(m, seq))
    }

    async fn insert_message_once(&self, m: NewMessage, key: IdempotencyKey) -> Result<Idempotent> {
        let key = self.seal_idempotency(m.account_sid.as_str(), key).await?;
        let mut outcome = self.insert_message_once_plain(m, key).await?;
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
        let mut c = self.pool().acquire().await?;
        let mut found = fetch(&mut c, account.as_str(), sid.as_str()).await?;
        drop(c);
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
        let mut q = sqlx::query(&sql);
        for a in args {
            q = match a {
                crate::sql::Arg::Text(t) => q.bind(t),
                crate::sql::Arg::Int(i) => q.bind(i),
            };
        }
        let rows = q.fetch_all(self.pool()).await?;
        let mut found = rows.iter().map(rows::message).collect::<Result<Vec<_>>>()?;
        self.open_messages(&mut found).await?;
        Ok(found)
    }

    async fn redact_message(
        &self,
        account: &AccountSid,
        sid: &MessageSid,
        now: Millis,
    ) -> Result<Option<MessageRecord>> {
        let mut c = self.pool().acquire().await?;
        sqlx::query(
            "UPDATE messages SET body = '', date_updated = $3 WHERE sid = $1 AND account_sid = $2",
        )
        .bind(sid.as_str())
        .bind(account.as_str())
        .bind(now)
        .execute(&mut *c)
        .await?;
        let mut found = fetch(&mut c, account.as_str(), sid.as_str()).await?;
        drop(c);
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
        let mut outcome = self.cancel_message_plain(account, sid, now).await?;
        if let CancelResult::Canceled(m) = &mut outcome {
            self.open_message(m).await?;
        }
        Ok(outcome)
    }

    async fn delete_message(&self, account: &AccountSid, sid: &MessageSid) -> Result<bool> {
        let mut tx = self.pool().begin().await?;
        let seq: Option<i64> = sqlx::query_scalar(
            "DELETE FROM messages WHERE sid = $1 AND account_sid = $2 RETURNING seq",
        )
        .bind(sid.as_str())
        .bind(account.as_str())
        .fetch_optional(&mut *tx)
        .await?;
        if let Some(seq) = seq {
            sqlx::query("DELETE FROM queue WHERE message_seq = $1")
                .bind(seq)
                .execute(&mut *tx)
                .await?;
        }
        tx.commit().await?;
        Ok(seq.is_some())
    }

    async fn status_counts(&self) -> Result<Vec<(MessageStatus, u64)>> {
        let rows = sqlx::query("SELECT status, COUNT(*) FROM messages GROUP BY status")
            .fetch_all(self.pool())
            .await?;
        rows.iter()
            .map(|r| {
                let n: i64 = r.try_get(1)?;
                Ok((rows::status(r.try_get(0)?)?, u64::try_from(n).unwrap_or(0)))
            })
            .collect()
    }
}

/// The queries behind the trait methods, on stored (encrypted) values.
impl PgStore {
    async fn insert_message_once_plain(
        &self,
        m: NewMessage,
        key: IdempotencyKey,
    ) -> Result<Idempotent> {
        // Insert the message and claim the key in one transaction; a
        // concurrent request with the same key waits on the key's unique index
        // and, once the first commits, finds the key taken.
        let (sealed, sender) = self.seal_message(&m).await?;
        let mut tx = self.pool().begin().await?;
        let seq = insert_tx(&mut tx, &sealed, &sender).await?;
        let claimed: Option<i64> = sqlx::query_scalar(
            "INSERT INTO idempotency_keys (account_sid, key, request_hash, message_seq, created_at) \
             VALUES ($1, $2, $3, $4, $5) ON CONFLICT (account_sid, key) DO UPDATE \
             SET request_hash = EXCLUDED.request_hash, message_seq = EXCLUDED.message_seq, created_at = EXCLUDED.created_at \
             WHERE idempotency_keys.created_at < $6 RETURNING message_seq",
        )
        .bind(m.account_sid.as_str())
        .bind(&key.key)
        .bind(&key.request_hash)
        .bind(seq)
        .bind(m.now)
        .bind(key.not_before)
        .fetch_optional(&mut *tx)
        .await?;
        if claimed.is_some() {
            tx.commit().await?;
            return Ok(Idempotent::Created(MessageRecord::stored(m, seq)));
        }
        tx.rollback().await?;
        let row = sqlx::query(
            "SELECT request_hash, message_seq FROM idempotency_keys WHERE account_sid = $1 AND key = $2",
        )
        .bind(m.account_sid.as_str())
        .bind(&key.key)
        .fetch_optional(self.pool())
        .await?;
        let Some(row) = row else {
            return Err(crate::Error::Conflict(
                "idempotency key changed hands; retry".into(),
            ));
        };
        let hash: String = row.try_get(0)?;
        if hash != key.request_hash {
            return Ok(Idempotent::Mismatch);
        }
        let seq: i64 = row.try_get(1)?;
        let found = sqlx::query(&format!(
            "SELECT {MESSAGE_COLUMNS} FROM messages WHERE seq = $1"
        ))
        .bind(seq)
        .fetch_optional(self.pool())
        .await?;
        match found {
            Some(r) => Ok(Idempotent::Replayed(rows::message(&r)?)),
            None => Err(crate::Error::NotFound),
        }
    }

    async fn cancel_message_plain(
        &self,
        account: &AccountSid,
        sid: &MessageSid,
        now: Millis,
    ) -> Result<CancelResult> {
        let mut tx = self.pool().begin().await?;
        // Locks are taken queue row first, then message row — the order every
        // writer here uses — so a concurrent claim cannot deadlock with us.
        let seq: Option<i64> =
            sqlx::query_scalar("SELECT seq FROM messages WHERE sid = $1 AND account_sid = $2")
                .bind(sid.as_str())
                .bind(account.as_str())
                .fetch_optional(&mut *tx)
                .await?;
        let Some(seq) = seq else {
            return Ok(CancelResult::NotFound);
        };
        sqlx::query("SELECT 1 FROM queue WHERE message_seq = $1 FOR UPDATE")
            .bind(seq)
            .fetch_optional(&mut *tx)
            .await?;
        let status: Option<String> =
            sqlx::query_scalar("SELECT status FROM messages WHERE seq = $1 FOR UPDATE")
                .bind(seq)
                .fetch_optional(&mut *tx)
                .await?;
        let Some(status) = status else {
            return Ok(CancelResult::NotFound);
        };
        let status = rows::status(&status)?;
        if !status.is_cancelable() {
            return Ok(CancelResult::NotCancelable(status));
        }
        sqlx::query("DELETE FROM queue WHERE message_seq = $1")
            .bind(seq)
            .execute(&mut *tx)
            .await?;
        sqlx::query("UPDATE messages SET status = 'canceled', date_updated = $2 WHERE seq = $1")
            .bind(seq)
            .bind(now)
            .execute(&mut *tx)
            .await?;
        let updated = fetch(&mut tx, account.as_str(), sid.as_str()).await?;
        tx.commit().await?;
        Ok(updated.map_or(CancelResult::NotFound, |m| {
            CancelResult::Canceled(Box::new(m))
        }))
    }
}
