//! The console's read models on PostgreSQL.

use super::rows::{account_sid, message_sid, u32_of};
use super::PgStore;
use crate::console::{AccountSummary, QueuedVerdict, StatusCount, WebhookLogEntry};
use crate::error::Result;
use crate::ConsoleViewStore;
use async_trait::async_trait;
use sqlx::Row;
use switchboard_domain::clock::Millis;
use switchboard_domain::ids::AccountSid;

#[async_trait]
impl ConsoleViewStore for PgStore {
    async fn message_counts(
        &self,
        account: &AccountSid,
        since: Millis,
        bucket_ms: Millis,
    ) -> Result<Vec<StatusCount>> {
        let rows = sqlx::query(
            "SELECT (date_created / $3) * $3 AS b, status, COUNT(*) FROM messages \
             WHERE account_sid = $1 AND date_created >= $2 GROUP BY b, status ORDER BY b, status",
        )
        .bind(account.as_str())
        .bind(since)
        .bind(bucket_ms.max(1))
        .fetch_all(self.pool())
        .await?;
        rows.iter()
            .map(|r| {
                Ok(StatusCount {
                    bucket: r.try_get(0)?,
                    status: r.try_get(1)?,
                    count: r.try_get::<i64, _>(2)?.max(0) as u64,
                })
            })
            .collect()
    }

    async fn shield_queue(
        &self,
        account: &AccountSid,
        before_seq: Option<i64>,
        limit: u32,
    ) -> Result<Vec<QueuedVerdict>> {
        let rows = sqlx::query(
            "SELECT seq, sid, direction, status, shield_verdict, shield_score, date_created \
             FROM messages WHERE account_sid = $1 AND shield_verdict IN ('flag', 'block') \
             AND seq < $2 ORDER BY seq DESC LIMIT $3",
        )
        .bind(account.as_str())
        .bind(before_seq.unwrap_or(i64::MAX))
        .bind(i64::from(limit))
        .fetch_all(self.pool())
        .await?;
        rows.iter()
            .map(|r| {
                Ok(QueuedVerdict {
                    seq: r.try_get(0)?,
                    sid: message_sid(r.try_get::<&str, _>(1)?)?,
                    direction: r.try_get(2)?,
                    status: r.try_get(3)?,
                    verdict: r.try_get(4)?,
                    score: r.try_get::<Option<i32>, _>(5)?.map(u32_of).unwrap_or(0),
                    date_created: r.try_get(6)?,
                })
            })
            .collect()
    }

    async fn webhook_log(
        &self,
        account: &AccountSid,
        before_id: Option<i64>,
        limit: u32,
    ) -> Result<Vec<WebhookLogEntry>> {
        let rows = sqlx::query(
            "SELECT w.id, w.kind, m.sid, w.url, w.method, w.status, w.state, w.attempts, \
             w.response_code, w.last_error, w.created_at, w.finished_at \
             FROM webhooks w JOIN messages m ON m.seq = w.message_seq \
             WHERE w.account_sid = $1 AND w.id < $2 ORDER BY w.id DESC LIMIT $3",
        )
        .bind(account.as_str())
        .bind(before_id.unwrap_or(i64::MAX))
        .bind(i64::from(limit))
        .fetch_all(self.pool())
        .await?;
        rows.iter()
            .map(|r| {
                Ok(WebhookLogEntry {
                    id: r.try_get(0)?,
                    kind: r.try_get(1)?,
                    message_sid: message_sid(r.try_get::<&str, _>(2)?)?,
                    url: r.try_get(3)?,
                    method: r.try_get(4)?,
                    status: r.try_get(5)?,
                    state: r.try_get(6)?,
                    attempts: u32_of(r.try_get(7)?),
                    response_code: r
                        .try_get::<Option<i32>, _>(8)?
                        .and_then(|c| u16::try_from(c).ok()),
                    last_error: r.try_get(9)?,
                    created_at: r.try_get(10)?,
                    finished_at: r.try_get(11)?,
                })
            })
            .collect()
    }

    async fn retry_webhook(&self, account: &AccountSid, id: i64, now: Millis) -> Result<bool> {
        let n = sqlx::query(
            "UPDATE webhooks SET state = 'pending', due_at = $3, attempts = 0, \
             last_error = NULL, response_code = NULL, finished_at = NULL \
             WHERE id = $1 AND account_sid = $2 AND state <> 'pending'",
        )
        .bind(id)
        .bind(account.as_str())
        .bind(now)
        .execute(self.pool())
        .await?
        .rows_affected();
        Ok(n == 1)
    }
    async fn list_accounts(&self) -> Result<Vec<AccountSummary>> {
        let rows = sqlx::query(
            "SELECT sid, friendly_name, status, date_created FROM accounts ORDER BY date_created, sid",
        )
        .fetch_all(self.pool())
        .await?;
        rows.iter()
            .map(|r| {
                Ok(AccountSummary {
                    sid: account_sid(r.try_get::<&str, _>(0)?)?,
                    friendly_name: r.try_get(1)?,
                    status: r.try_get(2)?,
                    date_created: r.try_get(3)?,
                })
            })
            .collect()
    }
}
