//! The audit log on SQLite. Appends run on the single writer, so reading the head and
//! inserting the next entry cannot interleave with another append.

use super::SqliteStore;
use crate::audit::{AuditEntry, Chainer, NewAuditEntry};
use crate::error::Result;
use crate::AuditStore;
use async_trait::async_trait;
use rusqlite::{params, OptionalExtension, Row};
use switchboard_domain::ids::AccountSid;

const COLUMNS: &str = "seq, at, account_sid, actor, action, target, details, prev_hash, hash";

fn entry(r: &Row<'_>) -> rusqlite::Result<AuditEntry> {
    Ok(AuditEntry {
        seq: r.get(0)?,
        at: r.get(1)?,
        account_sid: r.get(2)?,
        actor: r.get(3)?,
        action: r.get(4)?,
        target: r.get(5)?,
        details: r.get(6)?,
        prev_hash: r.get(7)?,
        hash: r.get(8)?,
    })
}

#[async_trait]
impl AuditStore for SqliteStore {
    async fn append_audit(&self, new: NewAuditEntry, chainer: Chainer) -> Result<AuditEntry> {
        self.write(move |c| {
            let head: Option<(i64, Vec<u8>)> = c
                .prepare_cached("SELECT seq, hash FROM audit_log ORDER BY seq DESC LIMIT 1")?
                .query_row([], |r| Ok((r.get(0)?, r.get(1)?)))
                .optional()?;
            let (seq, prev) = head.map_or((1, Vec::new()), |(s, h)| (s + 1, h));
            let mut e = AuditEntry::unhashed(new, seq, prev);
            e.hash = chainer(&e);
            c.prepare_cached(&format!(
                "INSERT INTO audit_log ({COLUMNS}) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9)"
            ))?
            .execute(params![
                e.seq,
                e.at,
                e.account_sid,
                e.actor,
                e.action,
                e.target,
                e.details,
                e.prev_hash,
                e.hash
            ])?;
            Ok(e)
        })
        .await
    }

    async fn list_audit(
        &self,
        account: Option<&AccountSid>,
        before: Option<i64>,
        limit: u32,
    ) -> Result<Vec<AuditEntry>> {
        let account = account.map(|a| a.as_str().to_owned());
        let before = before.unwrap_or(i64::MAX);
        self.read(move |c| {
            let rows = match account {
                Some(a) => c
                    .prepare_cached(&format!(
                        "SELECT {COLUMNS} FROM audit_log WHERE seq < ?1 AND account_sid = ?3 \
                         ORDER BY seq DESC LIMIT ?2"
                    ))?
                    .query_map(params![before, limit, a], entry)?
                    .collect::<rusqlite::Result<Vec<_>>>()?,
                None => c
                    .prepare_cached(&format!(
                        "SELECT {COLUMNS} FROM audit_log WHERE seq < ?1 ORDER BY seq DESC LIMIT ?2"
                    ))?
                    .query_map(params![before, limit], entry)?
                    .collect::<rusqlite::Result<Vec<_>>>()?,
            };
            Ok(rows)
        })
        .await
    }

    async fn audit_page(&self, after: i64, limit: u32) -> Result<Vec<AuditEntry>> {
        self.read(move |c| {
            let rows = c
                .prepare_cached(&format!(
                    "SELECT {COLUMNS} FROM audit_log WHERE seq > ?1 ORDER BY seq LIMIT ?2"
                ))?
                .query_map(params![after, limit], entry)?
                .collect::<rusqlite::Result<Vec<_>>>()?;
            Ok(rows)
        })
        .await
    }
}
