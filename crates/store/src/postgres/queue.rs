use super::rows::{account_sid, message_sid, status, u32_of};
use super::PgStore;
use crate::crypt::KeyTable;
use crate::error::Result;
use crate::model::{Claimed, Phase, QueueUpdate, Receipt, ReceiptStats};
use crate::QueueStore;
use async_trait::async_trait;
use sqlx::{PgConnection, Row};
use switchboard_domain::clock::Millis;
use switchboard_domain::message::DeliveryOutcome;

// Lock order everywhere: queue row, then message row.

async fn finish(c: &mut PgConnection, seq: i64, o: &DeliveryOutcome, now: Millis) -> Result<()> {
    sqlx::query("DELETE FROM queue WHERE message_seq = $1")
        .bind(seq)
        .execute(&mut *c)
        .await?;
    sqlx::query(
        "UPDATE messages SET status = $2, error_code = $3, error_message = $4, date_updated = $5 \
         WHERE seq = $1 AND status NOT IN ('delivered', 'undelivered', 'failed', 'canceled', 'received')",
    )
    .bind(seq)
    .bind(o.status.as_str())
    .bind(o.error_code.map(|c| i32::try_from(c).unwrap_or(i32::MAX)))
    .bind(&o.error_message)
    .bind(now)
    .execute(&mut *c)
    .await?;
    Ok(())
}

/// Records one part's outcome; once no part is pending, settles the message.
async fn part_receipt(
    c: &mut PgConnection,
    seq: i64,
    carrier_ref: &str,
    o: &DeliveryOutcome,
    done_date: Option<&str>,
    now: Millis,
) -> Result<()> {
    if let Some(d) = done_date {
        sqlx::query("UPDATE messages SET raw_dlr_done_date = $2 WHERE seq = $1")
            .bind(seq)
            .bind(d)
            .execute(&mut *c)
            .await?;
    }
    sqlx::query("UPDATE message_parts SET status = $2, error_code = $3, error_message = $4 WHERE carrier_ref = $1")
        .bind(carrier_ref)
        .bind(o.status.as_str())
        .bind(o.error_code.map(|c| i32::try_from(c).unwrap_or(i32::MAX)))
        .bind(&o.error_message)
        .execute(&mut *c)
        .await?;
    let pending: i64 = sqlx::query_scalar(
        "SELECT COUNT(*) FROM message_parts WHERE message_seq = $1 AND status IS NULL",
    )
    .bind(seq)
    .fetch_one(&mut *c)
    .await?;
    if pending > 0 {
        return Ok(());
    }
    let worst = sqlx::query(
        "SELECT status, error_code, error_message FROM message_parts \
         WHERE message_seq = $1 AND status != 'delivered' ORDER BY part LIMIT 1",
    )
    .bind(seq)
    .fetch_optional(&mut *c)
    .await?;
    let outcome = match worst {
        Some(row) => {
            let code: Option<i32> = row.try_get(1)?;
            DeliveryOutcome {
                status: status(row.try_get(0)?)?,
                error_code: code.map(u32_of),
                error_message: row.try_get(2)?,
            }
        }
        None => o.clone(),
    };
    finish(c, seq, &outcome, now).await
}

async fn pending_refs(c: &mut PgConnection, seq: i64) -> Result<Vec<String>> {
    Ok(sqlx::query_scalar(
        "SELECT carrier_ref FROM message_parts WHERE message_seq = $1 AND status IS NULL ORDER BY part",
    )
    .bind(seq)
    .fetch_all(&mut *c)
    .await?)
}

async fn apply_update(
    c: &mut PgConnection,
    now: Millis,
    u: &QueueUpdate,
    fence: Option<Millis>,
) -> Result<()> {
    let sid = match u {
        QueueUpdate::Sent { sid, .. }
        | QueueUpdate::Retry { sid, .. }
        | QueueUpdate::Finish { sid, .. }
        | QueueUpdate::StopWaiting { sid }
        | QueueUpdate::Defer { sid, .. } => sid,
    };
    let seq: Option<i64> = sqlx::query_scalar("SELECT seq FROM messages WHERE sid = $1")
        .bind(sid.as_str())
        .fetch_optional(&mut *c)
        .await?;
    let Some(seq) = seq else {
        return Ok(());
    };
    if let Some(lease) = fence {
        // Lock the entry and check the claim is still ours.
        let current: Option<i64> = sqlx::query_scalar(
            "SELECT due_at FROM queue WHERE message_seq = $1 AND leased FOR UPDATE",
        )
        .bind(seq)
        .fetch_optional(&mut *c)
        .await?;
        if current != Some(lease) {
            tracing::warn!(message_sid = %sid, "Skipped an update from an expired claim.");
            return Ok(());
        }
    }
    match u {
        QueueUpdate::Sent {
            carrier_refs,
            receipt_due,
            ..
        } => {
            sqlx::query("UPDATE queue SET phase = 'receipt', due_at = $2, leased = FALSE WHERE message_seq = $1")
                .bind(seq)
                .bind(receipt_due)
                .execute(&mut *c)
                .await?;
            sqlx::query(
                "UPDATE messages SET status = 'sent', carrier_ref = $2, date_sent = $3, date_updated = $3 \
                 WHERE seq = $1 AND status = 'sending'",
            )
            .bind(seq)
            .bind(carrier_refs.first())
            .bind(now)
            .execute(&mut *c)
            .await?;
            for (i, r) in carrier_refs.iter().enumerate() {
                // An SMSC may reuse ids (e.g. after losing its state): the newest owner wins.
                sqlx::query(
                    "DELETE FROM message_parts WHERE carrier_ref = $1 AND message_seq <> $2",
                )
                .bind(r)
                .bind(seq)
                .execute(&mut *c)
                .await?;
                sqlx::query(
                    "INSERT INTO message_parts (message_seq, part, carrier_ref) VALUES ($1, $2, $3) \
                     ON CONFLICT (message_seq, part) DO UPDATE SET carrier_ref = EXCLUDED.carrier_ref, status = NULL",
                )
                .bind(seq)
                .bind(i32::try_from(i).unwrap_or(i32::MAX))
                .bind(r)
                .execute(&mut *c)
                .await?;
            }
            for r in carrier_refs {
                let orphan = sqlx::query(
                    "DELETE FROM orphan_receipts WHERE carrier_ref = $1 RETURNING status, error_code, error_message, done_date",
                )
                .bind(r)
                .fetch_optional(&mut *c)
                .await?;
                if let Some(row) = orphan {
                    let code: Option<i32> = row.try_get(1)?;
                    let outcome = DeliveryOutcome {
                        status: status(row.try_get(0)?)?,
                        error_code: code.map(u32_of),
                        error_message: row.try_get(2)?,
                    };
                    let done: Option<String> = row.try_get(3)?;
                    part_receipt(c, seq, r, &outcome, done.as_deref(), now).await?;
                }
            }
        }
        QueueUpdate::Retry { due_at, error, .. } => {
            sqlx::query("UPDATE queue SET phase = 'submit', due_at = $2, leased = FALSE WHERE message_seq = $1")
                .bind(seq)
                .bind(due_at)
                .execute(&mut *c)
                .await?;
            let (code, msg) = error.clone().unzip();
            sqlx::query(
                "UPDATE messages SET status = 'queued', error_code = $2, error_message = $3, date_updated = $4 \
                 WHERE seq = $1 AND status = 'sending'",
            )
            .bind(seq)
            .bind(code.map(|c| i32::try_from(c).unwrap_or(i32::MAX)))
            .bind(msg)
            .bind(now)
            .execute(&mut *c)
            .await?;
        }
        QueueUpdate::Finish { outcome, .. } => finish(c, seq, outcome, now).await?,
        QueueUpdate::Defer { due_at, .. } => {
            sqlx::query("UPDATE queue SET phase = 'submit', due_at = $2, leased = FALSE WHERE message_seq = $1")
                .bind(seq)
                .bind(due_at)
                .execute(&mut *c)
                .await?;
            sqlx::query(
                "UPDATE messages SET status = 'queued', attempts = GREATEST(attempts - 1, 0), date_updated = $2 \
                 WHERE seq = $1 AND status = 'sending'",
            )
            .bind(seq)
            .bind(now)
            .execute(&mut *c)
            .await?;
        }
        QueueUpdate::StopWaiting { .. } => {
            sqlx::query("DELETE FROM queue WHERE message_seq = $1")
                .bind(seq)
                .execute(&mut *c)
                .await?;
        }
    }
    Ok(())
}

/// A claimed entry from a row `seq, CLAIM_COLUMNS…`.
fn claimed_at(r: &sqlx::postgres::PgRow, submit: bool) -> Result<Claimed> {
    let carrier_ref: Option<String> = r.try_get(10)?;
    let validity: Option<i32> = r.try_get(9)?;
    Ok(Claimed {
        sid: message_sid(r.try_get(1)?)?,
        account_sid: account_sid(r.try_get(2)?)?,
        to: r.try_get(3)?,
        from: r.try_get(4)?,
        body: r.try_get(5)?,
        encoding: r.try_get(6)?,
        attempts: u32_of(r.try_get(7)?),
        date_created: r.try_get(8)?,
        validity_secs: validity.map(u32_of),
        lease_until: 0,
        phase: if submit || carrier_ref.is_none() {
            Phase::Submit
        } else {
            Phase::AwaitReceipt {
                carrier_refs: Vec::new(),
            }
        },
    })
}

const CLAIM_COLUMNS: &str = "sid, account_sid, to_addr, from_addr, body, encoding, attempts, date_created, validity_secs, carrier_ref";

#[async_trait]
impl QueueStore for PgStore {
    async fn claim_due(
        &self,
        now: Millis,
        limit: u32,
        lease_until: Millis,
    ) -> Result<Vec<Claimed>> {
        let mut claimed = self.claim_due_plain(now, limit, lease_until).await?;
        self.open_claimed(&mut claimed).await?;
        Ok(claimed)
    }

    async fn record_updates(&self, now: Millis, updates: Vec<QueueUpdate>) -> Result<()> {
        let mut tx = self.pool().begin().await?;
        for u in &updates {
            apply_update(&mut tx, now, u, None).await?;
        }
        tx.commit().await?;
        Ok(())
    }

    async fn record_fenced(&self, now: Millis, updates: Vec<(Millis, QueueUpdate)>) -> Result<()> {
        let mut tx = self.pool().begin().await?;
        for (lease, u) in &updates {
            apply_update(&mut tx, now, u, Some(*lease)).await?;
        }
        tx.commit().await?;
        Ok(())
    }

    async fn apply_receipts(&self, now: Millis, receipts: Vec<Receipt>) -> Result<ReceiptStats> {
        let mut tx = self.pool().begin().await?;
        let mut stats = ReceiptStats::default();
        for r in &receipts {
            let seq: Option<i64> =
                sqlx::query_scalar("SELECT message_seq FROM message_parts WHERE carrier_ref = $1")
                    .bind(&r.carrier_ref)
                    .fetch_optional(&mut *tx)
                    .await?;
            match seq {
                Some(seq) => {
                    part_receipt(
                        &mut tx,
                        seq,
                        &r.carrier_ref,
                        &r.outcome,
                        r.done_date.as_deref(),
                        now,
                    )
                    .await?;
                    stats.matched += 1;
                }
                None => {
                    sqlx::query(
                        "INSERT INTO orphan_receipts (carrier_ref, status, error_code, error_message, received_at, done_date) \
                         VALUES ($1, $2, $3, $4, $5, $6) ON CONFLICT (carrier_ref) DO UPDATE SET status = EXCLUDED.status, \
                         error_code = EXCLUDED.error_code, error_message = EXCLUDED.error_message, received_at = EXCLUDED.received_at, \
                         done_date = EXCLUDED.done_date",
                    )
                    .bind(&r.carrier_ref)
                    .bind(r.outcome.status.as_str())
                    .bind(r.outcome.error_code.map(|c| i32::try_from(c).unwrap_or(i32::MAX)))
                    .bind(&r.outcome.error_message)
                    .bind(now)
                    .bind(&r.done_date)
                    .execute(&mut *tx)
                    .await?;
                    stats.orphaned += 1;
                }
            }
        }
        tx.commit().await?;
        Ok(stats)
    }

    async fn settle_orphans(&self, now: Millis) -> Result<u64> {
        let rows = sqlx::query(
            "SELECT o.carrier_ref, o.status, o.error_code, o.error_message, o.done_date FROM orphan_receipts o \
             JOIN message_parts p ON p.carrier_ref = o.carrier_ref LIMIT 1000",
        )
        .fetch_all(self.pool())
        .await?;
        if rows.is_empty() {
            return Ok(0);
        }
        let mut receipts = Vec::with_capacity(rows.len());
        for r in &rows {
            let code: Option<i32> = r.try_get(2)?;
            receipts.push(Receipt {
                carrier_ref: r.try_get(0)?,
                outcome: DeliveryOutcome {
                    status: status(r.try_get(1)?)?,
                    error_code: code.map(u32_of),
                    error_message: r.try_get(3)?,
                },
                done_date: r.try_get(4)?,
            });
        }
        let refs: Vec<String> = receipts.iter().map(|r| r.carrier_ref.clone()).collect();
        let stats = self.apply_receipts(now, receipts).await?;
        sqlx::query("DELETE FROM orphan_receipts WHERE carrier_ref = ANY($1)")
            .bind(&refs)
            .execute(self.pool())
            .await?;
        Ok(stats.matched)
    }

    async fn queued_from(&self, sender: &str, cap: u64) -> Result<u64> {
        let n: i64 = sqlx::query_scalar(
            "SELECT COUNT(*) FROM (SELECT 1 FROM queue WHERE sender IN ($1, $3) AND phase = 'submit' LIMIT $2) q",
        )
        .bind(self.crypt().installation_lookup(sender))
        .bind(i64::try_from(cap).unwrap_or(i64::MAX))
        .bind(sender)
        .fetch_one(self.pool())
        .await?;
        Ok(u64::try_from(n).unwrap_or(0))
    }

    async fn queue_depth(&self) -> Result<u64> {
        let n: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM queue")
            .fetch_one(self.pool())
            .await?;
        Ok(u64::try_from(n).unwrap_or(0))
    }

    async fn next_due(&self) -> Result<Option<Millis>> {
        Ok(sqlx::query_scalar("SELECT MIN(due_at) FROM queue")
            .fetch_one(self.pool())
            .await?)
    }

    async fn recover_leases(&self, _now: Millis) -> Result<u64> {
        // Shared by several nodes: another node's lease must run out, not be broken.
        Ok(0)
    }
}

/// The queries behind the trait methods, on stored (encrypted) values.
impl PgStore {
    async fn claim_due_plain(
        &self,
        now: Millis,
        limit: u32,
        lease_until: Millis,
    ) -> Result<Vec<Claimed>> {
        let mut tx = self.pool().begin().await?;
        let accounts: Vec<String> = sqlx::query_scalar(
            "WITH RECURSIVE a(acct) AS (SELECT MIN(account_sid) FROM queue \
               UNION ALL SELECT (SELECT MIN(account_sid) FROM queue WHERE account_sid > a.acct) FROM a WHERE a.acct IS NOT NULL) \
             SELECT acct FROM a WHERE acct IS NOT NULL",
        )
        .fetch_all(&mut *tx)
        .await?;
        let leased = if accounts.len() <= 1 {
            sqlx::query(
                // `= ANY(ARRAY(…))` keeps the plan an index lookup per row; a join
                // back to `queue` is planned as a full scan while the queue is small.
                "UPDATE queue SET due_at = $3, leased = TRUE WHERE message_seq = ANY(ARRAY(\
                 SELECT message_seq FROM queue WHERE due_at <= $1 ORDER BY due_at LIMIT $2 FOR UPDATE SKIP LOCKED)) \
                 RETURNING message_seq, phase",
            )
            .bind(now)
            .bind(i64::from(limit))
            .bind(lease_until)
            .fetch_all(&mut *tx)
            .await?
        } else {
            // Fair between accounts: an equal share each, then the oldest overall.
            let share = (limit as usize).div_ceil(accounts.len()).max(1);
            let mut lanes = Vec::with_capacity(accounts.len());
            for a in &accounts {
                let lane: Vec<i64> = sqlx::query_scalar(
                    "SELECT message_seq FROM queue WHERE account_sid = $1 AND due_at <= $2 \
                     ORDER BY due_at LIMIT $3 FOR UPDATE SKIP LOCKED",
                )
                .bind(a)
                .bind(now)
                .bind(share as i64)
                .fetch_all(&mut *tx)
                .await?;
                lanes.push(lane);
            }
            let extra: Vec<i64> = if lanes.iter().map(Vec::len).sum::<usize>() < limit as usize {
                sqlx::query_scalar(
                    "SELECT message_seq FROM queue WHERE due_at <= $1 ORDER BY due_at LIMIT $2 FOR UPDATE SKIP LOCKED",
                )
                .bind(now)
                .bind(i64::from(limit) * 2)
                .fetch_all(&mut *tx)
                .await?
            } else {
                Vec::new()
            };
            let chosen =
                crate::fair::fair_merge(&lanes, limit as usize, |_| Ok::<_, crate::Error>(extra))?;
            sqlx::query(
                "UPDATE queue SET due_at = $2, leased = TRUE WHERE message_seq = ANY($1) RETURNING message_seq, phase",
            )
            .bind(&chosen)
            .bind(lease_until)
            .fetch_all(&mut *tx)
            .await?
        };
        let mut submit = Vec::new();
        let mut waiting = Vec::new();
        for r in &leased {
            let seq: i64 = r.try_get(0)?;
            let phase: String = r.try_get(1)?;
            if phase == "submit" {
                submit.push(seq);
            } else {
                waiting.push(seq);
            }
        }
        let mut out = Vec::with_capacity(leased.len());
        let mut found = Vec::with_capacity(leased.len());
        if !submit.is_empty() {
            let rows = sqlx::query(&format!(
                "UPDATE messages SET status = 'sending', attempts = attempts + 1, date_updated = $2 \
                 WHERE seq = ANY($1) AND status IN ('queued', 'accepted', 'scheduled', 'sending') RETURNING seq, {CLAIM_COLUMNS}"
            ))
            .bind(&submit)
            .bind(now)
            .fetch_all(&mut *tx)
            .await?;
            for r in rows {
                found.push(r.try_get::<i64, _>(0)?);
                let mut claimed = claimed_at(&r, true)?;
                claimed.lease_until = lease_until;
                out.push(claimed);
            }
        }
        if !waiting.is_empty() {
            let rows = sqlx::query(&format!(
                "SELECT seq, {CLAIM_COLUMNS} FROM messages WHERE seq = ANY($1)"
            ))
            .bind(&waiting)
            .fetch_all(&mut *tx)
            .await?;
            for r in rows {
                let seq = r.try_get::<i64, _>(0)?;
                found.push(seq);
                let mut claimed = claimed_at(&r, false)?;
                claimed.lease_until = lease_until;
                if let Phase::AwaitReceipt { carrier_refs } = &mut claimed.phase {
                    *carrier_refs = pending_refs(&mut tx, seq).await?;
                }
                out.push(claimed);
            }
        }
        let stale: Vec<i64> = submit
            .iter()
            .chain(waiting.iter())
            .filter(|s| !found.contains(s))
            .copied()
            .collect();
        if !stale.is_empty() {
            sqlx::query("DELETE FROM queue WHERE message_seq = ANY($1)")
                .bind(&stale)
                .execute(&mut *tx)
                .await?;
        }
        tx.commit().await?;
        Ok(out)
    }
}
