//! Calls on SQLite. Every change runs on the single writer, so a guarded transition,
//! a claim or taking an action is atomic; callbacks are enqueued in the same transaction.

use super::rows::corrupt;
use super::SqliteStore;
use crate::calls::{
    call_webhook_select, list_calls_query, parse_direction, parse_events, parse_status, reports,
    CALL_COLUMNS, CALL_COLUMN_COUNT, ENQUEUE_CALLBACK, INSERT_CALL, TRANSITION,
};
use crate::crypt::KeyTable;
use crate::error::Result;
use crate::model::WebhookState;
use crate::sql::{list_from_nullable, list_to_text, Arg};
use crate::{CallAction, CallFilter, CallPatch, CallRecord, CallStore, CallWebhook, NewCall};
use async_trait::async_trait;
use rusqlite::{params, Connection, OptionalExtension, Row};
use switchboard_domain::call::{CallStatus, CallbackEvent};
use switchboard_domain::clock::Millis;
use switchboard_domain::ids::{AccountSid, CallSid};

fn q(sql: &str) -> String {
    sql.replace('$', "?")
}

pub(super) fn call(r: &Row<'_>) -> rusqlite::Result<CallRecord> {
    let text = |i: usize| -> rusqlite::Result<String> { r.get(i) };
    let (dir, status) = (text(3)?, text(4)?);
    let sid = text(1)?;
    Ok(CallRecord {
        seq: r.get(0)?,
        sid: CallSid::parse(&sid).map_err(|_| corrupt("call sid", &sid))?,
        account_sid: super::rows::account_sid(text(2)?)?,
        direction: parse_direction(&dir).ok_or_else(|| corrupt("call direction", &dir))?,
        status: parse_status(&status).ok_or_else(|| corrupt("call status", &status))?,
        to: text(5)?,
        from: text(6)?,
        url: r.get(7)?,
        method: text(8)?,
        twiml: r.get(9)?,
        application_sid: r.get(10)?,
        status_callback: r.get(11)?,
        status_callback_method: text(12)?,
        status_callback_events: parse_events(&text(13)?),
        timeout_secs: r.get(14)?,
        time_limit_secs: r.get(15)?,
        send_digits: r.get(16)?,
        trunk: r.get(17)?,
        date_created: r.get(18)?,
        date_updated: r.get(19)?,
        start_time: r.get(20)?,
        end_time: r.get(21)?,
        duration_secs: r.get(22)?,
        sip_response_code: r.get(23)?,
        error_code: r.get(24)?,
        error_message: r.get(25)?,
        answered_by: r.get(26)?,
        warnings: list_from_nullable(r.get(27)?),
        claimed_by: r.get(28)?,
        lease_until: r.get(29)?,
    })
}

fn hook(r: &Row<'_>) -> rusqlite::Result<CallWebhook> {
    const B: usize = CALL_COLUMN_COUNT;
    let state: String = r.get(B + 7)?;
    Ok(CallWebhook {
        call: call(r)?,
        id: r.get(B)?,
        url: r.get(B + 1)?,
        method: r.get(B + 2)?,
        status: r.get(B + 3)?,
        sequence: r.get::<_, Option<u32>>(B + 4)?.unwrap_or(0),
        created_at: r.get(B + 5)?,
        attempts: r.get(B + 6)?,
        state: WebhookState::parse(&state).ok_or_else(|| corrupt("webhook state", &state))?,
    })
}

fn fetch_by(c: &Connection, clause: &str, key: &str) -> Result<Option<CallRecord>> {
    Ok(
        c.prepare_cached(&format!("SELECT {CALL_COLUMNS} FROM calls WHERE {clause}"))?
            .query_row([key], call)
            .optional()?,
    )
}

fn enqueue(c: &Connection, seq: i64, status: &str, now: Millis) -> Result<()> {
    let [hook, count] = ENQUEUE_CALLBACK;
    c.prepare_cached(&q(hook))?
        .execute(params![seq, status, now])?;
    c.prepare_cached(&q(count))?.execute([seq])?;
    Ok(())
}

fn transition(
    c: &Connection,
    sid: &str,
    allowed: &[CallStatus],
    to: CallStatus,
    p: &CallPatch,
    now: Millis,
) -> Result<bool> {
    let Some(current) = fetch_by(c, "sid = ?1", sid)? else {
        return Ok(false);
    };
    if !allowed.contains(&current.status) {
        return Ok(false);
    }
    c.prepare_cached(&q(TRANSITION))?.execute(params![
        current.seq,
        to.as_str(),
        now,
        p.start_time,
        p.end_time,
        p.duration_secs,
        p.sip_response_code,
        p.error_code,
        p.error_message,
        p.answered_by,
    ])?;
    if to.is_final() {
        // Nothing is left for the engine to do.
        c.prepare_cached("UPDATE calls SET action_kind = NULL, action_data = NULL WHERE seq = ?1")?
            .execute([current.seq])?;
    }
    if to.event().is_some_and(|e| reports(&current, e)) {
        enqueue(c, current.seq, to.as_str(), now)?;
    }
    Ok(true)
}

#[async_trait]
impl CallStore for SqliteStore {
    async fn insert_call(&self, n: NewCall) -> Result<CallRecord> {
        let account = n.account_sid.as_str().to_owned();
        let to = self.account_number(&account, &n.to).await?;
        let from = self.account_number(&account, &n.from).await?;
        let twiml = self
            .seal_call_twiml(&account, n.sid.as_str(), n.twiml.clone())
            .await?;
        let sid = n.sid.as_str().to_owned();
        let mut stored = self
            .write(move |c| {
                c.prepare_cached(&q(INSERT_CALL))?.execute(params![
                    n.sid.as_str(),
                    n.account_sid.as_str(),
                    n.direction.as_str(),
                    n.status.as_str(),
                    to,
                    from,
                    n.url,
                    n.method,
                    twiml,
                    n.application_sid,
                    n.status_callback,
                    n.status_callback_method,
                    n.status_callback_events.render(),
                    n.timeout_secs,
                    n.time_limit_secs,
                    n.send_digits,
                    n.trunk,
                    n.now,
                ])?;
                fetch_by(c, "sid = ?1", &sid)?.ok_or(crate::Error::NotFound)
            })
            .await?;
        self.open_call_record(&mut stored).await?;
        Ok(stored)
    }

    async fn get_call(&self, account: &AccountSid, sid: &CallSid) -> Result<Option<CallRecord>> {
        let (account, sid) = (account.as_str().to_owned(), sid.as_str().to_owned());
        let found = self
            .read(move |c| {
                Ok(c.prepare_cached(&format!(
                    "SELECT {CALL_COLUMNS} FROM calls WHERE sid = ?1 AND account_sid = ?2"
                ))?
                .query_row([sid, account], call)
                .optional()?)
            })
            .await?;
        match found {
            Some(mut c) => {
                self.open_call_record(&mut c).await?;
                Ok(Some(c))
            }
            None => Ok(None),
        }
    }

    async fn list_calls(
        &self,
        account: &AccountSid,
        f: &CallFilter,
        limit: u32,
    ) -> Result<Vec<CallRecord>> {
        let a = account.as_str();
        let mut stored = [None, None];
        for (slot, plain) in stored.iter_mut().zip([&f.to, &f.from]) {
            if let Some(p) = plain {
                *slot = Some([self.account_lookup(a, p).await?, p.clone()]);
            }
        }
        let [to, from] = stored;
        let (sql, args) = list_calls_query(a, to, from, f, limit);
        let sql = q(&sql);
        let mut found = self
            .read(move |c| {
                let mut stmt = c.prepare_cached(&sql)?;
                let values = args.into_iter().map(|a| match a {
                    Arg::Text(t) => rusqlite::types::Value::Text(t),
                    Arg::Int(i) => rusqlite::types::Value::Integer(i),
                });
                let rows = stmt.query_map(rusqlite::params_from_iter(values), call)?;
                Ok(rows.collect::<rusqlite::Result<Vec<_>>>()?)
            })
            .await?;
        self.open_call_records(&mut found).await?;
        Ok(found)
    }

    async fn delete_call(&self, account: &AccountSid, sid: &CallSid) -> Result<bool> {
        let (account, sid) = (account.as_str().to_owned(), sid.as_str().to_owned());
        self.write(move |c| {
            let n = c
                .prepare_cached("DELETE FROM calls WHERE sid = ?1 AND account_sid = ?2")?
                .execute([sid, account])?;
            Ok(n > 0)
        })
        .await
    }

    async fn claim_due_calls(
        &self,
        node_id: &str,
        now: Millis,
        lease: Millis,
        limit: u32,
    ) -> Result<Vec<CallRecord>> {
        let node = node_id.to_owned();
        let mut claimed = self
            .write(move |c| {
                let seqs: Vec<i64> = c
                    .prepare_cached(
                        "UPDATE calls SET claimed_by = ?1, lease_until = ?3 WHERE seq IN (\
                         SELECT seq FROM calls WHERE status = 'queued' \
                         AND (lease_until IS NULL OR lease_until <= ?2) ORDER BY seq LIMIT ?4) \
                         RETURNING seq",
                    )?
                    .query_map(params![node, now, now + lease, limit], |r| r.get(0))?
                    .collect::<rusqlite::Result<_>>()?;
                let mut out = Vec::with_capacity(seqs.len());
                let mut stmt =
                    c.prepare_cached(&format!("SELECT {CALL_COLUMNS} FROM calls WHERE seq = ?1"))?;
                for s in seqs {
                    out.extend(stmt.query_row([s], call).optional()?);
                }
                out.sort_by_key(|c| c.seq);
                Ok(out)
            })
            .await?;
        self.open_call_records(&mut claimed).await?;
        Ok(claimed)
    }

    async fn mark_initiated(&self, sid: &CallSid, now: Millis) -> Result<bool> {
        let sid = sid.as_str().to_owned();
        self.write(move |c| {
            let Some(current) = fetch_by(c, "sid = ?1", &sid)? else {
                return Ok(false);
            };
            if current.status != CallStatus::Queued {
                return Ok(false);
            }
            let first = c
                .prepare_cached(
                    "UPDATE calls SET initiated_at = ?2, date_updated = ?2 \
                     WHERE seq = ?1 AND initiated_at IS NULL",
                )?
                .execute(params![current.seq, now])?
                == 1;
            if first && reports(&current, CallbackEvent::Initiated) {
                enqueue(c, current.seq, CallbackEvent::Initiated.as_str(), now)?;
            }
            Ok(true)
        })
        .await
    }

    async fn transition(
        &self,
        sid: &CallSid,
        allowed_from: &[CallStatus],
        to: CallStatus,
        patch: CallPatch,
        now: Millis,
    ) -> Result<bool> {
        let (sid, allowed) = (sid.as_str().to_owned(), allowed_from.to_vec());
        self.write(move |c| transition(c, &sid, &allowed, to, &patch, now))
            .await
    }

    async fn request_action(&self, sid: &CallSid, action: CallAction, now: Millis) -> Result<bool> {
        let sid = sid.as_str().to_owned();
        self.write(move |c| {
            let (kind, data) = action.to_columns();
            let n = c
                .prepare_cached(
                    "UPDATE calls SET action_kind = ?2, action_data = ?3, date_updated = ?4 \
                     WHERE sid = ?1 AND status IN ('queued', 'ringing', 'in-progress') \
                     AND (?5 OR action_kind IS NULL OR action_kind NOT IN ('cancel', 'hangup'))",
                )?
                .execute(params![sid, kind, data, now, action.ends_call()])?;
            Ok(n == 1)
        })
        .await
    }

    async fn take_action(&self, sid: &CallSid) -> Result<Option<CallAction>> {
        let sid = sid.as_str().to_owned();
        // Live calls ask every second and almost never have an action: look first on a
        // reader, so the single writer is not queued behind hundreds of empty polls.
        let probe = sid.clone();
        let pending = self
            .read(move |c| {
                Ok(c.prepare_cached(
                    "SELECT 1 FROM calls WHERE sid = ?1 AND action_kind IS NOT NULL",
                )?
                .query_row([&probe], |_| Ok(()))
                .optional()?
                .is_some())
            })
            .await?;
        if !pending {
            return Ok(None);
        }
        self.write(move |c| {
            let pending: Option<(String, Option<String>)> = c
                .prepare_cached(
                    "SELECT action_kind, action_data FROM calls WHERE sid = ?1 AND action_kind IS NOT NULL",
                )?
                .query_row([&sid], |r| Ok((r.get(0)?, r.get(1)?)))
                .optional()?;
            let Some((kind, data)) = pending else {
                return Ok(None);
            };
            c.prepare_cached("UPDATE calls SET action_kind = NULL, action_data = NULL WHERE sid = ?1")?
                .execute([&sid])?;
            Ok(CallAction::from_columns(&kind, data))
        })
        .await
    }

    async fn release_call(&self, sid: &CallSid) -> Result<()> {
        let sid = sid.as_str().to_owned();
        self.write(move |c| {
            c.prepare_cached(
                "UPDATE calls SET claimed_by = NULL, lease_until = NULL \
                 WHERE sid = ?1 AND status = 'queued'",
            )?
            .execute([&sid])?;
            Ok(())
        })
        .await
    }

    async fn add_warning(&self, sid: &CallSid, text: &str, now: Millis) -> Result<()> {
        let (sid, text) = (sid.as_str().to_owned(), text.to_owned());
        self.write(move |c| {
            let Some(current) = fetch_by(c, "sid = ?1", &sid)? else {
                return Err(crate::Error::NotFound);
            };
            let mut warnings = current.warnings;
            warnings.push(text);
            c.prepare_cached("UPDATE calls SET warnings = ?2, date_updated = ?3 WHERE seq = ?1")?
                .execute(params![current.seq, list_to_text(&warnings), now])?;
            Ok(())
        })
        .await
    }

    async fn claim_call_webhooks(
        &self,
        now: Millis,
        limit: u32,
        lease_until: Millis,
    ) -> Result<Vec<CallWebhook>> {
        let hooks = self
            .write(move |c| {
                let ids: Vec<i64> = c
                    .prepare_cached(&format!(
                        "UPDATE webhooks SET due_at = ?3, attempts = attempts + 1 WHERE id IN (\
                         SELECT w.id FROM webhooks w WHERE w.due_at <= ?1 AND w.kind = 'call' \
                         AND {} ORDER BY w.due_at LIMIT ?2) RETURNING id",
                        crate::sql::CLAIMABLE_WEBHOOK
                    ))?
                    .query_map(params![now, limit, lease_until], |r| r.get(0))?
                    .collect::<rusqlite::Result<_>>()?;
                let mut out = Vec::with_capacity(ids.len());
                let mut stmt =
                    c.prepare_cached(&format!("{} WHERE w.id = ?1", call_webhook_select()))?;
                for id in ids {
                    match stmt.query_row([id], hook).optional()? {
                        Some(h) => out.push(h),
                        // Its call was deleted: nothing left to report.
                        None => {
                            c.execute(
                                "UPDATE webhooks SET state = 'failed', last_error = 'call deleted', \
                                 finished_at = ?2 WHERE id = ?1",
                                params![id, now],
                            )?;
                        }
                    }
                }
                out.sort_by_key(|h| h.id);
                Ok(out)
            })
            .await?;
        self.open_call_hooks(hooks).await
    }

    async fn list_call_webhooks(
        &self,
        account: &AccountSid,
        sid: &CallSid,
    ) -> Result<Vec<CallWebhook>> {
        let (account, sid) = (account.as_str().to_owned(), sid.as_str().to_owned());
        let hooks = self
            .read(move |c| {
                let mut stmt = c.prepare_cached(&format!(
                    "{} WHERE c.sid = ?1 AND c.account_sid = ?2 AND w.kind = 'call' ORDER BY w.id",
                    call_webhook_select()
                ))?;
                let rows = stmt.query_map([sid, account], hook)?;
                Ok(rows.collect::<rusqlite::Result<Vec<_>>>()?)
            })
            .await?;
        self.open_call_hooks(hooks).await
    }
}
