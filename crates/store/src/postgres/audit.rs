//! The audit log on PostgreSQL. Every append takes one transaction-scoped advisory lock
//! before reading the head, so appends from all nodes serialize and the chain never forks.

use super::PgStore;
use crate::audit::{AuditEntry, Chainer, NewAuditEntry};
use crate::error::Result;
use crate::AuditStore;
use async_trait::async_trait;
use sqlx::postgres::PgRow;
use sqlx::Row;
use switchboard_domain::ids::AccountSid;

const COLUMNS: &str = "seq, at, account_sid, actor, action, target, details, prev_hash, hash";
/// The advisory lock key that serializes appends (migrations use 7405221).
const APPEND_LOCK: i64 = 7_405_222;

fn entry(r: &PgRow) -> Result<AuditEntry> {
    Ok(AuditEntry {
        seq: r.try_get(0)?,
        at: r.try_get(1)?,
        account_sid: r.try_get(2)?,
        actor: r.try_get(3)?,
        action: r.try_get(4)?,
        target: r.try_get(5)?,
        details: r.try_get(6)?,
        prev_hash: r.try_get(7)?,
        hash: r.try_get(8)?,
    })
}

#[async_trait]
impl AuditStore for PgStore {
    async fn append_audit(&self, new: NewAuditEntry, chainer: Chainer) -> Result<AuditEntry> {
        let mut tx = self.pool().begin().await?;
        sqlx::query("SELECT pg_advisory_xact_lock($1)")
            .bind(APPEND_LOCK)
            .execute(&mut *tx)
            .await?;
        let head = sqlx::query("SELECT seq, hash FROM audit_log ORDER BY seq DESC LIMIT 1")
            .fetch_optional(&mut *tx)
            .await?;
        let (seq, prev) = match head {
            Some(r) => (r.try_get::<i64, _>(0)? + 1, r.try_get::<Vec<u8>, _>(1)?),
            None => (1, Vec::new()),
        };
        let mut e = AuditEntry::unhashed(new, seq, prev);
        e.hash = chainer(&e);
        sqlx::query(&format!(
            "INSERT INTO audit_log ({COLUMNS}) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)"
        ))
        .bind(e.seq)
        .bind(e.at)
        .bind(&e.account_sid)
        .bind(&e.actor)
        .bind(&e.action)
        .bind(&e.target)
        .bind(&e.details)
        .bind(&e.prev_hash)
        .bind(&e.hash)
        .execute(&mut *tx)
        .await?;
        tx.commit().await?;
        Ok(e)
    }

    async fn list_audit(
        &self,
        account: Option<&AccountSid>,
        before: Option<i64>,
        limit: u32,
    ) -> Result<Vec<AuditEntry>> {
        // Two statements rather than `$3 IS NULL OR …`, so each keeps its own index plan.
        let sql = match account {
            Some(_) => format!(
                "SELECT {COLUMNS} FROM audit_log WHERE seq < $1 AND account_sid = $3 \
                 ORDER BY seq DESC LIMIT $2"
            ),
            None => {
                format!("SELECT {COLUMNS} FROM audit_log WHERE seq < $1 ORDER BY seq DESC LIMIT $2")
            }
        };
        let mut query = sqlx::query(&sql)
            .bind(before.unwrap_or(i64::MAX))
            .bind(i64::from(limit));
        if let Some(a) = account {
            query = query.bind(a.as_str());
        }
        let rows = query.fetch_all(self.pool()).await?;
        rows.iter().map(entry).collect()
    }

    async fn audit_page(&self, after: i64, limit: u32) -> Result<Vec<AuditEntry>> {
        let rows = sqlx::query(&format!(
            "SELECT {COLUMNS} FROM audit_log WHERE seq > $1 ORDER BY seq LIMIT $2"
        ))
        .bind(after)
        .bind(i64::from(limit))
        .fetch_all(self.pool())
        .await?;
        rows.iter().map(entry).collect()
    }
}
