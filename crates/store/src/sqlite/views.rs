//! The console's read models on SQLite.

use super::rows::{account_sid, message_sid};
use super::SqliteStore;
use crate::console::{AccountSummary, QueuedVerdict, StatusCount, WebhookLogEntry};
use crate::error::Result;
use crate::ConsoleViewStore;
use async_trait::async_trait;
use rusqlite::params;
use switchboard_domain::clock::Millis;
use switchboard_domain::ids::AccountSid;

#[async_trait]
impl ConsoleViewStore for SqliteStore {
    async fn message_counts(
        &self,
        account: &AccountSid,
        since: Millis,
        bucket_ms: Millis,
    ) -> Result<Vec<StatusCount>> {
        let account = account.as_str().to_owned();
        let bucket_ms = bucket_ms.max(1);
        self.read(move |c| {
            let mut st = c.prepare_cached(
                "SELECT (date_created / ?3) * ?3 AS b, status, COUNT(*) FROM messages \
                 WHERE account_sid = ?1 AND date_created >= ?2 GROUP BY b, status ORDER BY b, status",
            )?;
            let rows = st.query_map(params![account, since, bucket_ms], |r| {
                Ok(StatusCount {
                    bucket: r.get(0)?,
                    status: r.get(1)?,
                    count: r.get::<_, i64>(2)?.max(0) as u64,
                })
            })?;
            Ok(rows.collect::<rusqlite::Result<Vec<_>>>()?)
        })
        .await
    }

    async fn shield_queue(
        &self,
        account: &AccountSid,
        before_seq: Option<i64>,
        limit: u32,
    ) -> Result<Vec<QueuedVerdict>> {
        let account = account.as_str().to_owned();
        self.read(move |c| {
            let mut st = c.prepare_cached(
                "SELECT seq, sid, direction, status, shield_verdict, shield_score, date_created \
                 FROM messages WHERE account_sid = ?1 AND shield_verdict IN ('flag', 'block') \
                 AND seq < ?2 ORDER BY seq DESC LIMIT ?3",
            )?;
            let rows = st.query_map(
                params![account, before_seq.unwrap_or(i64::MAX), limit],
                |r| {
                    Ok(QueuedVerdict {
                        seq: r.get(0)?,
                        sid: message_sid(r.get(1)?)?,
                        direction: r.get(2)?,
                        status: r.get(3)?,
                        verdict: r.get(4)?,
                        score: r.get::<_, Option<u32>>(5)?.unwrap_or(0),
                        date_created: r.get(6)?,
                    })
                },
            )?;
            Ok(rows.collect::<rusqlite::Result<Vec<_>>>()?)
        })
        .await
    }

    async fn webhook_log(
        &self,
        account: &AccountSid,
        before_id: Option<i64>,
        limit: u32,
    ) -> Result<Vec<WebhookLogEntry>> {
        let account = account.as_str().to_owned();
        self.read(move |c| {
            let mut st = c.prepare_cached(
                "SELECT w.id, w.kind, m.sid, w.url, w.method, w.status, w.state, w.attempts, \
                 w.response_code, w.last_error, w.created_at, w.finished_at \
                 FROM webhooks w JOIN messages m ON m.seq = w.message_seq \
                 WHERE w.account_sid = ?1 AND w.id < ?2 ORDER BY w.id DESC LIMIT ?3",
            )?;
            let rows = st.query_map(
                params![account, before_id.unwrap_or(i64::MAX), limit],
                |r| {
                    Ok(WebhookLogEntry {
                        id: r.get(0)?,
                        kind: r.get(1)?,
                        message_sid: message_sid(r.get(2)?)?,
                        url: r.get(3)?,
                        method: r.get(4)?,
                        status: r.get(5)?,
                        state: r.get(6)?,
                        attempts: r.get(7)?,
                        response_code: r.get(8)?,
                        last_error: r.get(9)?,
                        created_at: r.get(10)?,
                        finished_at: r.get(11)?,
                    })
                },
            )?;
            Ok(rows.collect::<rusqlite::Result<Vec<_>>>()?)
        })
        .await
    }

    async fn retry_webhook(&self, account: &AccountSid, id: i64, now: Millis) -> Result<bool> {
        let account = account.as_str().to_owned();
        self.write(move |c| {
            let n = c
                .prepare_cached(
                    "UPDATE webhooks SET state = 'pending', due_at = ?3, attempts = 0, \
                     last_error = NULL, response_code = NULL, finished_at = NULL \
                     WHERE id = ?1 AND account_sid = ?2 AND state <> 'pending'",
                )?
                .execute(params![id, account, now])?;
            Ok(n == 1)
        })
        .await
    }
    async fn list_accounts(&self) -> Result<Vec<AccountSummary>> {
        self.read(move |c| {
            let mut st = c.prepare_cached(
                "SELECT sid, friendly_name, status, date_created FROM accounts ORDER BY date_created, sid",
            )?;
            let rows = st.query_map([], |r| {
                Ok(AccountSummary {
                    sid: account_sid(r.get(0)?)?,
                    friendly_name: r.get(1)?,
                    status: r.get(2)?,
                    date_created: r.get(3)?,
                })
            })?;
            Ok(rows.collect::<rusqlite::Result<Vec<_>>>()?)
        })
        .await
    }
}
