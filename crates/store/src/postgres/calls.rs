//! Calls on PostgreSQL, for several nodes sharing one database. A guarded transition
//! locks the call's row (`FOR UPDATE`), so of two nodes moving one call only the first
//! applies; claims skip locked rows, so two engines never claim the same call.

use super::rows::{account_sid, corrupt, i32_of, u32_of};
use super::PgStore;
use crate::calls::{
    call_webhook_select, list_calls_query, parse_direction, parse_events, parse_status, reports,
    CALL_COLUMNS, CALL_COLUMN_COUNT, ENQUEUE_CALLBACK, INSERT_CALL, TRANSITION,
};
use crate::crypt::KeyTable;
use crate::error::{Error, Result};
use crate::model::WebhookState;
use crate::sql::{list_from_nullable, list_to_text, Arg};
use crate::{CallAction, CallFilter, CallPatch, CallRecord, CallStore, CallWebhook, NewCall};
use async_trait::async_trait;
use sqlx::postgres::PgRow;
use sqlx::{PgConnection, Row};
use switchboard_domain::call::{CallStatus, CallbackEvent};
use switchboard_domain::clock::Millis;
use switchboard_domain::ids::{AccountSid, CallSid};

fn call(r: &PgRow) -> Result<CallRecord> {
    let (dir, status, sid): (&str, &str, &str) = (r.try_get(3)?, r.try_get(4)?, r.try_get(1)?);
    let opt_u32 =
        |i: usize| -> Result<Option<u32>> { Ok(r.try_get::<Option<i32>, _>(i)?.map(u32_of)) };
    Ok(CallRecord {
        seq: r.try_get(0)?,
        sid: CallSid::parse(sid).map_err(|_| corrupt("call sid", sid))?,
        account_sid: account_sid(r.try_get(2)?)?,
        direction: parse_direction(dir).ok_or_else(|| corrupt("call direction", dir))?,
        status: parse_status(status).ok_or_else(|| corrupt("call status", status))?,
        to: r.try_get(5)?,
        from: r.try_get(6)?,
        url: r.try_get(7)?,
        method: r.try_get(8)?,
        twiml: r.try_get(9)?,
        application_sid: r.try_get(10)?,
        status_callback: r.try_get(11)?,
        status_callback_method: r.try_get(12)?,
        status_callback_events: parse_events(r.try_get(13)?),
        timeout_secs: u32_of(r.try_get(14)?),
        time_limit_secs: u32_of(r.try_get(15)?),
        send_digits: r.try_get(16)?,
        trunk: r.try_get(17)?,
        date_created: r.try_get(18)?,
        date_updated: r.try_get(19)?,
        start_time: r.try_get(20)?,
        end_time: r.try_get(21)?,
        duration_secs: opt_u32(22)?,
        sip_response_code: opt_u32(23)?.and_then(|c| u16::try_from(c).ok()),
        error_code: opt_u32(24)?,
        error_message: r.try_get(25)?,
        answered_by: r.try_get(26)?,
        warnings: list_from_nullable(r.try_get(27)?),
        claimed_by: r.try_get(28)?,
        lease_until: r.try_get(29)?,
    })
}

fn hook(r: &PgRow) -> Result<CallWebhook> {
    const B: usize = CALL_COLUMN_COUNT;
    let state: &str = r.try_get(B + 7)?;
    Ok(CallWebhook {
        call: call(r)?,
        id: r.try_get(B)?,
        url: r.try_get(B + 1)?,
        method: r.try_get(B + 2)?,
        status: r.try_get(B + 3)?,
        sequence: r.try_get::<Option<i32>, _>(B + 4)?.map_or(0, u32_of),
        created_at: r.try_get(B + 5)?,
        attempts: u32_of(r.try_get(B + 6)?),
        state: WebhookState::parse(state).ok_or_else(|| corrupt("webhook state", state))?,
    })
}

/// The call with this sid, its row locked until the transaction ends.
async fn lock(c: &mut PgConnection, sid: &str) -> Result<Option<CallRecord>> {
    let row = sqlx::query(&format!(
        "SELECT {CALL_COLUMNS} FROM calls WHERE sid = $1 FOR UPDATE"
    ))
    .bind(sid)
    .fetch_optional(c)
    .await?;
    row.as_ref().map(call).transpose()
}

async fn enqueue(c: &mut PgConnection, seq: i64, status: &str, now: Millis) -> Result<()> {
    let [hook, count] = ENQUEUE_CALLBACK;
    sqlx::query(hook)
        .bind(seq)
        .bind(status)
        .bind(now)
        .execute(&mut *c)
        .await?;
    sqlx::query(count).bind(seq).execute(&mut *c).await?;
    Ok(())
}

#[async_trait]
impl CallStore for PgStore {
    async fn insert_call(&self, n: NewCall) -> Result<CallRecord> {
        let account = n.account_sid.as_str();
        let to = self.account_number(account, &n.to).await?;
        let from = self.account_number(account, &n.from).await?;
        let twiml = self
            .seal_call_twiml(account, n.sid.as_str(), n.twiml.clone())
            .await?;
        let row = sqlx::query(&format!("{INSERT_CALL} RETURNING {CALL_COLUMNS}"))
            .bind(n.sid.as_str())
            .bind(account)
            .bind(n.direction.as_str())
            .bind(n.status.as_str())
            .bind(to)
            .bind(from)
            .bind(&n.url)
            .bind(&n.method)
            .bind(&twiml)
            .bind(&n.application_sid)
            .bind(&n.status_callback)
            .bind(&n.status_callback_method)
            .bind(n.status_callback_events.render())
            .bind(i32_of(n.timeout_secs))
            .bind(i32_of(n.time_limit_secs))
            .bind(&n.send_digits)
            .bind(&n.trunk)
            .bind(n.now)
            .fetch_one(self.pool())
            .await?;
        let mut stored = call(&row)?;
        self.open_call_record(&mut stored).await?;
        Ok(stored)
    }

    async fn get_call(&self, account: &AccountSid, sid: &CallSid) -> Result<Option<CallRecord>> {
        let row = sqlx::query(&format!(
            "SELECT {CALL_COLUMNS} FROM calls WHERE sid = $1 AND account_sid = $2"
        ))
        .bind(sid.as_str())
        .bind(account.as_str())
        .fetch_optional(self.pool())
        .await?;
        match row.as_ref().map(call).transpose()? {
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
        let mut query = sqlx::query(&sql);
        for arg in args {
            query = match arg {
                Arg::Text(t) => query.bind(t),
                Arg::Int(i) => query.bind(i),
            };
        }
        let rows = query.fetch_all(self.pool()).await?;
        let mut found = rows.iter().map(call).collect::<Result<Vec<_>>>()?;
        self.open_call_records(&mut found).await?;
        Ok(found)
    }

    async fn delete_call(&self, account: &AccountSid, sid: &CallSid) -> Result<bool> {
        let n = sqlx::query("DELETE FROM calls WHERE sid = $1 AND account_sid = $2")
            .bind(sid.as_str())
            .bind(account.as_str())
            .execute(self.pool())
            .await?
            .rows_affected();
        Ok(n > 0)
    }

    async fn claim_due_calls(
        &self,
        node_id: &str,
        now: Millis,
        lease: Millis,
        limit: u32,
    ) -> Result<Vec<CallRecord>> {
        let rows = sqlx::query(&format!(
            "UPDATE calls SET claimed_by = $1, lease_until = $3 WHERE seq = ANY(ARRAY(\
             SELECT seq FROM calls WHERE status = 'queued' \
             AND (lease_until IS NULL OR lease_until <= $2) ORDER BY seq LIMIT $4 \
             FOR UPDATE SKIP LOCKED)) RETURNING {CALL_COLUMNS}"
        ))
        .bind(node_id)
        .bind(now)
        .bind(now + lease)
        .bind(i64::from(limit))
        .fetch_all(self.pool())
        .await?;
        let mut claimed = rows.iter().map(call).collect::<Result<Vec<_>>>()?;
        claimed.sort_by_key(|c| c.seq);
        self.open_call_records(&mut claimed).await?;
        Ok(claimed)
    }

    async fn mark_initiated(&self, sid: &CallSid, now: Millis) -> Result<bool> {
        let mut tx = self.pool().begin().await?;
        let Some(current) = lock(&mut tx, sid.as_str()).await? else {
            tx.rollback().await?;
            return Ok(false);
        };
        if current.status != CallStatus::Queued {
            tx.rollback().await?;
            return Ok(false);
        }
        let first = sqlx::query(
            "UPDATE calls SET initiated_at = $2, date_updated = $2 \
             WHERE seq = $1 AND initiated_at IS NULL",
        )
        .bind(current.seq)
        .bind(now)
        .execute(&mut *tx)
        .await?
        .rows_affected()
            == 1;
        if first && reports(&current, CallbackEvent::Initiated) {
            enqueue(&mut tx, current.seq, CallbackEvent::Initiated.as_str(), now).await?;
        }
        tx.commit().await?;
        Ok(true)
    }

    async fn transition(
        &self,
        sid: &CallSid,
        allowed_from: &[CallStatus],
        to: CallStatus,
        p: CallPatch,
        now: Millis,
    ) -> Result<bool> {
        let mut tx = self.pool().begin().await?;
        let Some(current) = lock(&mut tx, sid.as_str()).await? else {
            tx.rollback().await?;
            return Ok(false);
        };
        if !allowed_from.contains(&current.status) {
            tx.rollback().await?;
            return Ok(false);
        }
        sqlx::query(TRANSITION)
            .bind(current.seq)
            .bind(to.as_str())
            .bind(now)
            .bind(p.start_time)
            .bind(p.end_time)
            .bind(p.duration_secs.map(i32_of))
            .bind(p.sip_response_code.map(i32::from))
            .bind(p.error_code.map(i32_of))
            .bind(&p.error_message)
            .bind(&p.answered_by)
            .execute(&mut *tx)
            .await?;
        if to.is_final() {
            // Nothing is left for the engine to do.
            sqlx::query("UPDATE calls SET action_kind = NULL, action_data = NULL WHERE seq = $1")
                .bind(current.seq)
                .execute(&mut *tx)
                .await?;
        }
        if to.event().is_some_and(|e| reports(&current, e)) {
            enqueue(&mut tx, current.seq, to.as_str(), now).await?;
        }
        tx.commit().await?;
        Ok(true)
    }

    async fn request_action(&self, sid: &CallSid, action: CallAction, now: Millis) -> Result<bool> {
        let (kind, data) = action.to_columns();
        let n = sqlx::query(
            "UPDATE calls SET action_kind = $2, action_data = $3, date_updated = $4 \
             WHERE sid = $1 AND status IN ('queued', 'ringing', 'in-progress') \
             AND ($5 OR action_kind IS NULL OR action_kind NOT IN ('cancel', 'hangup'))",
        )
        .bind(sid.as_str())
        .bind(kind)
        .bind(data)
        .bind(now)
        .bind(action.ends_call())
        .execute(self.pool())
        .await?
        .rows_affected();
        Ok(n == 1)
    }

    async fn take_action(&self, sid: &CallSid) -> Result<Option<CallAction>> {
        // The old values, from the locked row: only one caller gets them.
        let row = sqlx::query(
            "UPDATE calls c SET action_kind = NULL, action_data = NULL \
             FROM (SELECT seq, action_kind, action_data FROM calls \
                   WHERE sid = $1 AND action_kind IS NOT NULL FOR UPDATE) old \
             WHERE c.seq = old.seq RETURNING old.action_kind, old.action_data",
        )
        .bind(sid.as_str())
        .fetch_optional(self.pool())
        .await?;
        let Some(row) = row else {
            return Ok(None);
        };
        let kind: String = row.try_get(0)?;
        Ok(CallAction::from_columns(&kind, row.try_get(1)?))
    }

    async fn release_call(&self, sid: &CallSid) -> Result<()> {
        sqlx::query(
            "UPDATE calls SET claimed_by = NULL, lease_until = NULL \
             WHERE sid = $1 AND status = 'queued'",
        )
        .bind(sid.as_str())
        .execute(self.pool())
        .await?;
        Ok(())
    }

    async fn add_warning(&self, sid: &CallSid, text: &str, now: Millis) -> Result<()> {
        let mut tx = self.pool().begin().await?;
        let Some(current) = lock(&mut tx, sid.as_str()).await? else {
            tx.rollback().await?;
            return Err(Error::NotFound);
        };
        let mut warnings = current.warnings;
        warnings.push(text.to_owned());
        sqlx::query("UPDATE calls SET warnings = $2, date_updated = $3 WHERE seq = $1")
            .bind(current.seq)
            .bind(list_to_text(&warnings))
            .bind(now)
            .execute(&mut *tx)
            .await?;
        tx.commit().await?;
        Ok(())
    }

    async fn claim_call_webhooks(
        &self,
        now: Millis,
        limit: u32,
        lease_until: Millis,
    ) -> Result<Vec<CallWebhook>> {
        let mut tx = self.pool().begin().await?;
        let ids: Vec<i64> = sqlx::query_scalar(&format!(
            "WITH due AS (SELECT w.id FROM webhooks w WHERE w.due_at <= $1 AND w.kind = 'call' \
               AND {} ORDER BY w.due_at LIMIT $2 FOR UPDATE SKIP LOCKED) \
             UPDATE webhooks w SET due_at = $3, attempts = w.attempts + 1 FROM due WHERE w.id = due.id \
             RETURNING w.id",
            crate::sql::CLAIMABLE_WEBHOOK
        ))
        .bind(now)
        .bind(i64::from(limit))
        .bind(lease_until)
        .fetch_all(&mut *tx)
        .await?;
        let found = sqlx::query(&format!(
            "{} WHERE w.id = ANY($1) ORDER BY w.id",
            call_webhook_select()
        ))
        .bind(&ids)
        .fetch_all(&mut *tx)
        .await?;
        let out = found.iter().map(hook).collect::<Result<Vec<_>>>()?;
        super::webhooks::fail_orphans(&mut tx, &ids, out.iter().map(|h| h.id), "call deleted", now)
            .await?;
        tx.commit().await?;
        self.open_call_hooks(out).await
    }

    async fn list_call_webhooks(
        &self,
        account: &AccountSid,
        sid: &CallSid,
    ) -> Result<Vec<CallWebhook>> {
        let rows = sqlx::query(&format!(
            "{} WHERE c.sid = $1 AND c.account_sid = $2 AND w.kind = 'call' ORDER BY w.id",
            call_webhook_select()
        ))
        .bind(sid.as_str())
        .bind(account.as_str())
        .fetch_all(self.pool())
        .await?;
        let hooks = rows.iter().map(hook).collect::<Result<Vec<_>>>()?;
        self.open_call_hooks(hooks).await
    }
}
