//! The webhook outbox on SQLite (rows are enqueued by triggers; see migration 0003).

use super::messages::insert;
use super::rows;
use super::SqliteStore;
use crate::crypt::KeyTable;
use crate::error::Result;
use crate::model::{WebhookKind, WebhookOutcome, WebhookRecord, WebhookState};
use crate::sql::CLAIMABLE_WEBHOOK;
use crate::WebhookStore;
use async_trait::async_trait;
use rusqlite::{params, Connection, Row};
use switchboard_domain::clock::Millis;
use switchboard_domain::ids::{AccountSid, MessageSid};

fn select() -> String {
    crate::sql::webhook_select()
}

fn bad(what: &str, v: &str) -> rusqlite::Error {
    rusqlite::Error::FromSqlConversionFailure(
        0,
        rusqlite::types::Type::Text,
        format!("invalid webhook {what} in store: {v}").into(),
    )
}

fn hook(r: &Row<'_>) -> rusqlite::Result<WebhookRecord> {
    const B: usize = crate::sql::MESSAGE_COLUMN_COUNT;
    let kind: String = r.get(B + 1)?;
    let state: String = r.get(B + 11)?;
    Ok(WebhookRecord {
        message: rows::message(r)?,
        id: r.get(B)?,
        kind: WebhookKind::parse(&kind).ok_or_else(|| bad("kind", &kind))?,
        url: r.get(B + 2)?,
        method: r.get(B + 3)?,
        fallback_url: r.get(B + 4)?,
        fallback_method: r.get(B + 5)?,
        status: rows::status(r.get(B + 6)?)?,
        error_code: r.get(B + 7)?,
        error_message: r.get(B + 8)?,
        raw_dlr_done_date: r.get(B + 14)?,
        created_at: r.get(B + 9)?,
        attempts: r.get(B + 10)?,
        state: WebhookState::parse(&state).ok_or_else(|| bad("state", &state))?,
        last_error: r.get(B + 12)?,
        response_code: r.get(B + 13)?,
    })
}

fn claim(
    c: &Connection,
    now: Millis,
    limit: u32,
    lease_until: Millis,
) -> Result<Vec<WebhookRecord>> {
    let ids: Vec<i64> = c
        .prepare_cached(&format!(
            "UPDATE webhooks SET due_at = ?3, attempts = attempts + 1 WHERE id IN (\
               SELECT w.id FROM webhooks w WHERE w.due_at <= ?1 AND w.kind <> 'call' AND {CLAIMABLE_WEBHOOK} \
               ORDER BY w.due_at LIMIT ?2) RETURNING id",
        ))?
        .query_map(params![now, limit, lease_until], |r| r.get(0))?
        .collect::<rusqlite::Result<_>>()?;
    let mut out = Vec::with_capacity(ids.len());
    let mut stmt = c.prepare_cached(&format!("{} WHERE w.id = ?1", select()))?;
    for id in ids {
        match stmt.query_map([id], hook)?.next().transpose()? {
            Some(h) => out.push(h),
            // Its message was deleted: nothing left to report.
            None => {
                c.execute(
                    "UPDATE webhooks SET state = 'failed', last_error = 'message deleted', finished_at = ?2 WHERE id = ?1",
                    params![id, now],
                )?;
            }
        }
    }
    Ok(out)
}

#[async_trait]
impl WebhookStore for SqliteStore {
    async fn claim_webhooks(
        &self,
        now: Millis,
        limit: u32,
        lease_until: Millis,
    ) -> Result<Vec<WebhookRecord>> {
        let mut hooks = self
            .write(move |c| claim(c, now, limit, lease_until))
            .await?;
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
        self.write(move |c| {
            match outcome {
                WebhookOutcome::Finish {
                    state,
                    response_code,
                    error,
                    replies: _,
                    message_error,
                } => {
                    for (m, sender) in &sealed {
                        insert(c, m, sender)?;
                    }
                    if let Some((code, msg)) = message_error {
                        c.execute(
                            "UPDATE messages SET error_code = ?2, error_message = ?3 \
                             WHERE seq = (SELECT message_seq FROM webhooks WHERE id = ?1)",
                            params![id, code, msg],
                        )?;
                    }
                    c.execute(
                        "UPDATE webhooks SET state = ?2, response_code = ?3, last_error = ?4, finished_at = ?5 \
                         WHERE id = ?1 AND state = 'pending'",
                        params![id, state.as_str(), response_code, error, now],
                    )?;
                }
                WebhookOutcome::Retry {
                    due_at,
                    response_code,
                    error,
                } => {
                    c.execute(
                        "UPDATE webhooks SET due_at = ?2, response_code = ?3, last_error = ?4 \
                         WHERE id = ?1 AND state = 'pending'",
                        params![id, due_at, response_code, error],
                    )?;
                }
            }
            Ok(())
        })
        .await
    }

    async fn list_webhooks(
        &self,
        account: &AccountSid,
        message: &MessageSid,
    ) -> Result<Vec<WebhookRecord>> {
        let (a, m) = (account.as_str().to_owned(), message.as_str().to_owned());
        let hooks = self
            .read(move |c| {
                let mut stmt = c.prepare_cached(&format!(
                    "{} WHERE m.sid = ?1 AND m.account_sid = ?2 ORDER BY w.id",
                    select()
                ))?;
                let rows = stmt.query_map([m, a], hook)?;
                Ok(rows.collect::<rusqlite::Result<Vec<_>>>()?)
            })
            .await;
        let mut hooks: Vec<WebhookRecord> = hooks?;
        for h in &mut hooks {
            self.open_message(&mut h.message).await?;
        }
        Ok(hooks)
    }

    async fn next_webhook_due(&self) -> Result<Option<Millis>> {
        self.read(|c| {
            Ok(c.prepare_cached(&crate::sql::next_webhook_due())?
                .query_row([], |r| r.get(0))?)
        })
        .await
    }
}
