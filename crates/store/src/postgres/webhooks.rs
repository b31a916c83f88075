//! The webhook outbox on PostgreSQL (rows are enqueued by triggers; see
//! migration 0003). Claims skip locked rows, so nodes never share a claim.

use super::messages::insert_tx;
use super::rows::{self, u32_of};
use super::PgStore;
use crate::crypt::KeyTable;
use crate::error::{Error, Result};
use crate::model::{WebhookKind, WebhookOutcome, WebhookRecord, WebhookState};
use crate::sql::CLAIMABLE_WEBHOOK;
use crate::WebhookStore;
use async_trait::async_trait;
use sqlx::postgres::PgRow;
use sqlx::Row;
use switchboard_domain::clock::Millis;
use switchboard_domain::ids::{AccountSid, MessageSid};

/// Fails the claimed rows `claimed` that did not come back with a message or call (`found`):
/// it was deleted, so there is nothing left to report.
pub(super) async fn fail_orphans(
    tx: &mut sqlx::Transaction<'_, sqlx::Postgres>,
    claimed: &[i64],
    found: impl Iterator<Item = i64>,
    why: &str,
    now: Millis,
) -> Result<()> {
    let found: Vec<i64> = found.collect();
    let gone: Vec<i64> = claimed
        .iter()
        .copied()
        .filter(|id| !found.contains(id))
        .collect();
    if !gone.is_empty() {
        sqlx::query(
            "UPDATE webhooks SET state = 'failed', last_error = $3, finished_at = $2 WHERE id = ANY($1)",
        )
        .bind(&gone)
        .bind(now)
        .bind(why)
        .execute(&mut **tx)
        .await?;
    }
    Ok(())
}

fn select() -> String {
    crate::sql::webhook_select()
}

fn hook(r: &PgRow) -> Result<WebhookRecord> {
    const B: usize = crate::sql::MESSAGE_COLUMN_COUNT;
    let kind: &str = r.try_get(B + 1)?;
    let state: &str = r.try_get(B + 11)?;
    let code: Option<i32> = r.try_get(B + 13)?;
    Ok(WebhookRecord {
        message: rows::message(r)?,
        id: r.try_get(B)?,
        kind: WebhookKind::parse(kind)
            .ok_or_else(|| Error::Other(format!("invalid webhook kind {kind}")))?,
        url: r.try_get(B + 2)?,
        method: r.try_get(B + 3)?,
        fallback_url: r.try_get(B + 4)?,
        fallback_method: r.try_get(B + 5)?,
        status: rows::status(r.try_get(B + 6)?)?,
        error_code: r.try_get::<Option<i32>, _>(B + 7)?.map(u32_of),
        error_message: r.try_get(B + 8)?,
        raw_dlr_done_date: r.try_get(B + 14)?,
        created_at: r.try_get(B + 9)?,
        attempts: u32_of(r.try_get(B + 10)?),
        state: WebhookState::parse(state)
            .ok_or_else(|| Error::Other(format!("invalid webhook state {state}")))?,
        last_error: r.try_get(B + 12)?,
        response_code: code.and_then(|c| u16::try_from(c).ok()),
    })
}

#[async_trait]
impl WebhookStore for PgStore {
    async fn claim_webhooks(
        &self,
        now: Millis,
        limit: u32,
        lease_until: Millis,
    ) -> Result<Vec<WebhookRecord>> {
        let mut hooks = self.claim_webhooks_plain(now, limit, lease_until).await?;
        for h in &mut hooks {
            self.open_message(&mut h.message).await?;
        }
        Ok(hooks)
    }

    async fn record_webhook(&self, id: i64, now: Millis, outcome: WebhookOutcome) -> Result<()> {
        let sealed = match &outcome {
            WebhookOutcome::Finish { replies, .. } => self.seal_messages(replies).await?,
            WebhookOutcome::Retry { .. } => Vec::new(),
        };
        let mut tx = self.pool().begin().await?;
        match outcome {
            WebhookOutcome::Finish {
                state,
                response_code,
                error,
                replies: _,
                message_error,
            } => {
                for (m, sender) in &sealed {
                    insert_tx(&mut tx, m, sender).await?;
                }
                if let Some((code, msg)) = message_error {
                    sqlx::query(
                        "UPDATE messages SET error_code = $2, error_message = $3 \
                         WHERE seq = (SELECT message_seq FROM webhooks WHERE id = $1)",
                    )
                    .bind(id)
                    .bind(i32::try_from(code).unwrap_or(i32::MAX))
                    .bind(msg)
                    .execute(&mut *tx)
                    .await?;
                }
                sqlx::query(
                    "UPDATE webhooks SET state = $2, response_code = $3, last_error = $4, finished_at = $5 \
                     WHERE id = $1 AND state = 'pending'",
                )
                .bind(id)
                .bind(state.as_str())
                .bind(response_code.map(i32::from))
                .bind(error)
                .bind(now)
                .execute(&mut *tx)
                .await?;
            }
            WebhookOutcome::Retry {
                due_at,
                response_code,
                error,
            } => {
                sqlx::query(
                    "UPDATE webhooks SET due_at = $2, response_code = $3, last_error = $4 \
                     WHERE id = $1 AND state = 'pending'",
                )
                .bind(id)
                .bind(due_at)
                .bind(response_code.map(i32::from))
                .bind(error)
                .execute(&mut *tx)
                .await?;
            }
        }
        tx.commit().await?;
        Ok(())
    }

    async fn list_webhooks(
        &self,
        account: &AccountSid,
        message: &MessageSid,
    ) -> Result<Vec<WebhookRecord>> {
        let mut hooks = self.list_webhooks_plain(account, message).await?;
        for h in &mut hooks {
            self.open_message(&mut h.message).await?;
        }
        Ok(hooks)
    }

    async fn next_webhook_due(&self) -> Result<Option<Millis>> {
        Ok(sqlx::query_scalar(&crate::sql::next_webhook_due())
            .fetch_one(self.pool())
            .await?)
    }
}

/// The queries behind the trait methods, on stored (encrypted) values.
impl PgStore {
    async fn claim_webhooks_plain(
        &self,
        now: Millis,
        limit: u32,
        lease_until: Millis,
    ) -> Result<Vec<WebhookRecord>> {
        let mut tx = self.pool().begin().await?;
        let ids: Vec<i64> = sqlx::query_scalar(&format!(
            "WITH due AS (SELECT w.id FROM webhooks w WHERE w.due_at <= $1 AND w.kind <> 'call' AND {CLAIMABLE_WEBHOOK} \
               ORDER BY w.due_at LIMIT $2 FOR UPDATE SKIP LOCKED) \
             UPDATE webhooks w SET due_at = $3, attempts = w.attempts + 1 FROM due WHERE w.id = due.id \
             RETURNING w.id",
        ))
        .bind(now)
        .bind(i64::from(limit))
        .bind(lease_until)
        .fetch_all(&mut *tx)
        .await?;
        let found = sqlx::query(&format!("{} WHERE w.id = ANY($1) ORDER BY w.id", select()))
            .bind(&ids)
            .fetch_all(&mut *tx)
            .await?;
        let out = found.iter().map(hook).collect::<Result<Vec<_>>>()?;
        fail_orphans(
            &mut tx,
            &ids,
            out.iter().map(|h| h.id),
            "message deleted",
            now,
        )
        .await?;
        tx.commit().await?;
        Ok(out)
    }

    async fn list_webhooks_plain(
        &self,
        account: &AccountSid,
        message: &MessageSid,
    ) -> Result<Vec<WebhookRecord>> {
        let rows = sqlx::query(&format!(
            "{} WHERE m.sid = $1 AND m.account_sid = $2 ORDER BY w.id",
            select()
        ))
        .bind(message.as_str())
        .bind(account.as_str())
        .fetch_all(self.pool())
        .await?;
        rows.iter().map(hook).collect()
    }
}
