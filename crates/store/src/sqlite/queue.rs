use super::rows::{account_sid, message_sid};
use super::SqliteStore;
use crate::crypt::KeyTable;
use crate::error::Result;
use crate::fair::fair_merge;
use crate::model::{Claimed, Phase, QueueUpdate, Receipt, ReceiptStats};
use crate::QueueStore;
use async_trait::async_trait;
use rusqlite::{params, Connection, OptionalExtension};
use switchboard_domain::clock::Millis;
use switchboard_domain::message::DeliveryOutcome;

/// The accounts with queue entries (a skip scan of `queue_account_due`:
/// one index probe per account, whatever the backlog).
fn queued_accounts(c: &Connection) -> Result<Vec<String>> {
    Ok(c.prepare_cached(
        "WITH RECURSIVE a(acct) AS (SELECT MIN(account_sid) FROM queue \
           UNION ALL SELECT (SELECT MIN(account_sid) FROM queue WHERE account_sid > a.acct) FROM a WHERE a.acct IS NOT NULL) \
         SELECT acct FROM a WHERE acct IS NOT NULL",
    )?
    .query_map([], |r| r.get(0))?
    .collect::<rusqlite::Result<Vec<String>>>()?)
}

/// Due entries to claim, fair between accounts: each account with due work
/// gets an equal share of `limit` (its oldest entries), and what is left goes
/// to the oldest entries overall.
/// `None` when at most one account has queued work: then the plain oldest-first
/// claim is fair already.
fn pick(c: &Connection, now: Millis, limit: u32) -> Result<Option<Vec<i64>>> {
    let accounts = queued_accounts(c)?;
    if accounts.len() <= 1 {
        return Ok(None);
    }
    let mut global = c.prepare_cached(
        "SELECT message_seq FROM queue WHERE due_at <= ?1 ORDER BY due_at LIMIT ?2",
    )?;
    let share = (limit as usize).div_ceil(accounts.len()).max(1);
    let mut per_account = c.prepare_cached(
        "SELECT message_seq FROM queue WHERE account_sid = ?1 AND due_at <= ?2 ORDER BY due_at LIMIT ?3",
    )?;
    let mut lanes = Vec::with_capacity(accounts.len());
    for a in &accounts {
        lanes.push(
            per_account
                .query_map(params![a, now, share as i64], |r| r.get::<_, i64>(0))?
                .collect::<rusqlite::Result<Vec<i64>>>()?,
        );
    }
    let chosen = fair_merge(&lanes, limit as usize, |extra| {
        global
            .query_map(params![now, extra as i64], |r| r.get::<_, i64>(0))?
            .collect::<rusqlite::Result<Vec<i64>>>()
    })?;
    Ok(Some(chosen))
}

fn claim(c: &Connection, now: Millis, limit: u32, lease_until: Millis) -> Result<Vec<Claimed>> {
    let rows: Vec<(i64, String)> = match pick(c, now, limit)? {
        // One account: the oldest due entries, in one statement.
        None => c
            .prepare_cached(
                "UPDATE queue SET due_at = ?3, leased = 1 WHERE message_seq IN \
                 (SELECT message_seq FROM queue WHERE due_at <= ?1 ORDER BY due_at LIMIT ?2) \
                 RETURNING message_seq, phase",
            )?
            .query_map(params![now, limit, lease_until], |r| {
                Ok((r.get(0)?, r.get(1)?))
            })?
            .collect::<rusqlite::Result<Vec<_>>>()?,
        Some(chosen) => {
            let mut lease = c.prepare_cached(
                "UPDATE queue SET due_at = ?2, leased = 1 WHERE message_seq = ?1 RETURNING phase",
            )?;
            let mut rows = Vec::with_capacity(chosen.len());
            for seq in chosen {
                let phase: String = lease.query_row(params![seq, lease_until], |r| r.get(0))?;
                rows.push((seq, phase));
            }
            rows
        }
    };
    let mut start_sending = c.prepare_cached(
        "UPDATE messages SET status = 'sending', attempts = attempts + 1, date_updated = ?2 \
         WHERE seq = ?1 AND status IN ('queued', 'accepted', 'scheduled', 'sending') \
         RETURNING sid, account_sid, to_addr, from_addr, body, encoding, attempts, date_created, validity_secs, carrier_ref",
    )?;
    let mut awaiting = c.prepare_cached(
        "SELECT sid, account_sid, to_addr, from_addr, body, encoding, attempts, date_created, validity_secs, carrier_ref \
         FROM messages WHERE seq = ?1",
    )?;
    let mut drop_entry = c.prepare_cached("DELETE FROM queue WHERE message_seq = ?1")?;
    let mut out = Vec::with_capacity(rows.len());
    for (seq, phase) in rows {
        let submit = phase == "submit";
        let map = |r: &rusqlite::Row<'_>| {
            let carrier_ref: Option<String> = r.get(9)?;
            Ok(Claimed {
                sid: message_sid(r.get(0)?)?,
                account_sid: account_sid(r.get(1)?)?,
                to: r.get(2)?,
                from: r.get(3)?,
                body: r.get(4)?,
                encoding: r.get(5)?,
                attempts: r.get(6)?,
                date_created: r.get(7)?,
                validity_secs: r.get(8)?,
                lease_until,
                phase: if submit || carrier_ref.is_none() {
                    Phase::Submit
                } else {
                    Phase::AwaitReceipt {
                        carrier_refs: Vec::new(),
                    }
                },
            })
        };
        let found = if submit {
            start_sending.query_row(params![seq, now], map)
        } else {
            awaiting.query_row([seq], map)
        }
        .optional()?;
        match found {
            Some(mut claimed) => {
                if let Phase::AwaitReceipt { carrier_refs } = &mut claimed.phase {
                    *carrier_refs = pending_refs(c, seq)?;
                }
                out.push(claimed)
            }
            // The message was deleted or already final: the entry is stale.
            None => {
                drop_entry.execute([seq])?;
            }
        }
    }
    Ok(out)
}

fn finish(c: &Connection, seq: i64, outcome: &DeliveryOutcome, now: Millis) -> Result<()> {
    c.prepare_cached(
        "UPDATE messages SET status = ?2, error_code = ?3, error_message = ?4, date_updated = ?5 \
         WHERE seq = ?1 AND status NOT IN ('delivered', 'undelivered', 'failed', 'canceled', 'received')",
    )?
    .execute(params![
        seq,
        outcome.status.as_str(),
        outcome.error_code,
        outcome.error_message,
        now
    ])?;
    c.prepare_cached("DELETE FROM queue WHERE message_seq = ?1")?
        .execute([seq])?;
    Ok(())
}

fn seq_of(c: &Connection, sid: &str) -> Result<Option<i64>> {
    Ok(c.prepare_cached("SELECT seq FROM messages WHERE sid = ?1")?
        .query_row([sid], |r| r.get(0))
        .optional()?)
}

fn apply_update(c: &Connection, now: Millis, u: &QueueUpdate, fence: Option<Millis>) -> Result<()> {
    let sid = match u {
        QueueUpdate::Sent { sid, .. }
        | QueueUpdate::Retry { sid, .. }
        | QueueUpdate::Finish { sid, .. }
        | QueueUpdate::StopWaiting { sid }
        | QueueUpdate::Defer { sid, .. } => sid,
    };
    let Some(seq) = seq_of(c, sid.as_str())? else {
        return Ok(()); // deleted meanwhile
    };
    if let Some(lease) = fence {
        let current: Option<i64> = c
            .prepare_cached("SELECT due_at FROM queue WHERE message_seq = ?1 AND leased = 1")?
            .query_row([seq], |r| r.get(0))
            .optional()?;
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
            c.prepare_cached(
                "UPDATE messages SET status = 'sent', carrier_ref = ?2, date_sent = ?3, date_updated = ?3 \
                 WHERE seq = ?1 AND status = 'sending'",
            )?
            .execute(params![seq, carrier_refs.first(), now])?;
            c.prepare_cached(
                "UPDATE queue SET phase = 'receipt', due_at = ?2, leased = 0 WHERE message_seq = ?1",
            )?
            .execute(params![seq, receipt_due])?;
            let mut add_part = c.prepare_cached(
                "INSERT OR REPLACE INTO message_parts (message_seq, part, carrier_ref) VALUES (?1, ?2, ?3)",
            )?;
            for (i, r) in carrier_refs.iter().enumerate() {
                add_part.execute(params![seq, i as i64, r])?;
            }
            let mut take_orphan = c.prepare_cached(
                "DELETE FROM orphan_receipts WHERE carrier_ref = ?1 RETURNING status, error_code, error_message, done_date",
            )?;
            for r in carrier_refs {
                let orphan = take_orphan
                    .query_row([r], |row| {
                        Ok((
                            row.get::<_, String>(0)?,
                            row.get(1)?,
                            row.get(2)?,
                            row.get::<_, Option<String>>(3)?,
                        ))
                    })
                    .optional()?;
                if let Some((status, error_code, error_message, done_date)) = orphan {
                    let outcome = DeliveryOutcome {
                        status: super::rows::status(status)?,
                        error_code,
                        error_message,
                    };
                    part_receipt(c, seq, r, &outcome, done_date.as_deref(), now)?;
                }
            }
        }
        QueueUpdate::Retry { due_at, error, .. } => {
            let (code, msg) = error.clone().unzip();
            c.prepare_cached(
                "UPDATE messages SET status = 'queued', error_code = ?2, error_message = ?3, date_updated = ?4 \
                 WHERE seq = ?1 AND status = 'sending'",
            )?
            .execute(params![seq, code, msg, now])?;
            c.prepare_cached(
                "UPDATE queue SET phase = 'submit', due_at = ?2, leased = 0 WHERE message_seq = ?1",
            )?
            .execute(params![seq, due_at])?;
        }
        QueueUpdate::Finish { outcome, .. } => finish(c, seq, outcome, now)?,
        QueueUpdate::Defer { due_at, .. } => {
            c.prepare_cached(
                "UPDATE messages SET status = 'queued', attempts = MAX(attempts - 1, 0), date_updated = ?2 \
                 WHERE seq = ?1 AND status = 'sending'",
            )?
            .execute(params![seq, now])?;
            c.prepare_cached(
                "UPDATE queue SET phase = 'submit', due_at = ?2, leased = 0 WHERE message_seq = ?1",
            )?
            .execute(params![seq, due_at])?;
        }
        QueueUpdate::StopWaiting { .. } => {
            c.prepare_cached("DELETE FROM queue WHERE message_seq = ?1")?
                .execute([seq])?;
        }
    }
    Ok(())
}

/// Carrier references of the parts still waiting for a receipt.
fn pending_refs(c: &Connection, seq: i64) -> Result<Vec<String>> {
    let mut stmt = c.prepare_cached(
        "SELECT carrier_ref FROM message_parts WHERE message_seq = ?1 AND status IS NULL ORDER BY part",
    )?;
    let refs = stmt
        .query_map([seq], |r| r.get(0))?
        .collect::<rusqlite::Result<Vec<String>>>()?;
    Ok(refs)
}

/// A part's stored status, error code and error message.
type PartOutcome = (String, Option<u32>, Option<String>);

/// Records one part's outcome; once no part is pending, settles the message.
fn part_receipt(
    c: &Connection,
    seq: i64,
    carrier_ref: &str,
    o: &DeliveryOutcome,
    done_date: Option<&str>,
    now: Millis,
) -> Result<()> {
    if let Some(d) = done_date {
        c.prepare_cached("UPDATE messages SET raw_dlr_done_date = ?2 WHERE seq = ?1")?
            .execute(params![seq, d])?;
    }
    c.prepare_cached(
        "UPDATE message_parts SET status = ?2, error_code = ?3, error_message = ?4 WHERE carrier_ref = ?1",
    )?
    .execute(params![carrier_ref, o.status.as_str(), o.error_code, o.error_message])?;
    // One pass over the message's parts: how many are pending, and the first that failed.
    let (pending, first_bad): (i64, Option<i64>) = c
        .prepare_cached(
            "SELECT COALESCE(SUM(status IS NULL), 0), MIN(CASE WHEN status != 'delivered' THEN part END) \
             FROM message_parts WHERE message_seq = ?1",
        )?
        .query_row([seq], |r| Ok((r.get(0)?, r.get(1)?)))?;
    let worst: Option<PartOutcome> = match first_bad.filter(|_| pending == 0) {
        Some(part) => c
            .prepare_cached(
                "SELECT status, error_code, error_message FROM message_parts WHERE message_seq = ?1 AND part = ?2",
            )?
            .query_row(params![seq, part], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)))
            .optional()?,
        None => None,
    };
    if pending > 0 {
        return Ok(());
    }
    let outcome = match worst {
        Some((status, error_code, error_message)) => DeliveryOutcome {
            status: super::rows::status(status)?,
            error_code,
            error_message,
        },
        None => o.clone(),
    };
    finish(c, seq, &outcome, now)
}

fn apply_receipt(c: &Connection, now: Millis, r: &Receipt) -> Result<bool> {
    let seq: Option<i64> = c
        .prepare_cached("SELECT message_seq FROM message_parts WHERE carrier_ref = ?1")?
        .query_row([&r.carrier_ref], |row| row.get(0))
        .optional()?;
    match seq {
        Some(seq) => {
            part_receipt(
                c,
                seq,
                &r.carrier_ref,
                &r.outcome,
                r.done_date.as_deref(),
                now,
            )?;
            Ok(true)
        }
        None => {
            c.prepare_cached(
                "INSERT OR REPLACE INTO orphan_receipts (carrier_ref, status, error_code, error_message, received_at, done_date) \
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
            )?
            .execute(params![
                r.carrier_ref,
                r.outcome.status.as_str(),
                r.outcome.error_code,
                r.outcome.error_message,
                now,
                r.done_date
            ])?;
            Ok(false)
        }
    }
}

#[async_trait]
impl QueueStore for SqliteStore {
    async fn claim_due(
        &self,
        now: Millis,
        limit: u32,
        lease_until: Millis,
    ) -> Result<Vec<Claimed>> {
        let mut claimed = self
            .write(move |c| claim(c, now, limit, lease_until))
            .await?;
        self.open_claimed(&mut claimed).await?;
        Ok(claimed)
    }

    async fn record_updates(&self, now: Millis, updates: Vec<QueueUpdate>) -> Result<()> {
        self.write(move |c| {
            updates
                .iter()
                .try_for_each(|u| apply_update(c, now, u, None))
        })
        .await
    }

    async fn record_fenced(&self, now: Millis, updates: Vec<(Millis, QueueUpdate)>) -> Result<()> {
        self.write(move |c| {
            updates
                .iter()
                .try_for_each(|(lease, u)| apply_update(c, now, u, Some(*lease)))
        })
        .await
    }

    async fn apply_receipts(&self, now: Millis, receipts: Vec<Receipt>) -> Result<ReceiptStats> {
        self.write(move |c| {
            let mut stats = ReceiptStats::default();
            for r in &receipts {
                if apply_receipt(c, now, r)? {
                    stats.matched += 1;
                } else {
                    stats.orphaned += 1;
                }
            }
            Ok(stats)
        })
        .await
    }

    async fn settle_orphans(&self, _now: Millis) -> Result<u64> {
        // One writer: a receipt and its `Sent` update never interleave here.
        Ok(0)
    }

    async fn queued_from(&self, sender: &str, cap: u64) -> Result<u64> {
        let (sealed, sender) = (self.crypt().installation_lookup(sender), sender.to_owned());
        let cap = i64::try_from(cap).unwrap_or(i64::MAX);
        self.read(move |c| {
            let n: i64 = c
                .prepare_cached(
                    "SELECT COUNT(*) FROM (SELECT 1 FROM queue WHERE sender IN (?1, ?3) AND phase = 'submit' LIMIT ?2)",
                )?
                .query_row(params![sealed, cap, sender], |r| r.get(0))?;
            Ok(u64::try_from(n).unwrap_or(0))
        })
        .await
    }

    async fn queue_depth(&self) -> Result<u64> {
        self.read(|c| Ok(c.query_row("SELECT COUNT(*) FROM queue", [], |r| r.get(0))?))
            .await
    }

    async fn next_due(&self) -> Result<Option<Millis>> {
        self.read(|c| Ok(c.query_row("SELECT MIN(due_at) FROM queue", [], |r| r.get(0))?))
            .await
    }

    async fn recover_leases(&self, now: Millis) -> Result<u64> {
        self.write(move |c| {
            let n = c.execute(
                "UPDATE queue SET due_at = ?1, leased = 0 WHERE leased = 1",
                [now],
            )?;
            Ok(n as u64)
        })
        .await
    }
}
