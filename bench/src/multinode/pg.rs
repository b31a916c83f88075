//! The PostgreSQL side of `multinode`: a fresh schema per configuration, the
//! nodes' URLs, exact counts from the schema, the server's statistics
//! (`pg_stat_database`, `pg_stat_wal`) and a sampler of `pg_stat_activity`
//! that shows what the nodes' backends were doing.

use std::collections::{BTreeMap, BTreeSet};
use std::str::FromStr;
use std::time::{Duration, Instant};

use anyhow::{bail, Context, Result};
use sqlx::postgres::{PgConnectOptions, PgPoolOptions};
use sqlx::{Connection, PgConnection, PgPool, Row};
use tokio::sync::watch;

/// `application_name` of the bench's own connections (left out of the samples).
pub const PROBE_APP: &str = "sbbench-probe";

/// A small pool on the base URL for the bench's own queries.
pub async fn connect(base_url: &str) -> Result<PgPool> {
    let opts = PgConnectOptions::from_str(base_url)
        .with_context(|| format!("parsing PostgreSQL URL {base_url:?}"))?
        .application_name(PROBE_APP);
    PgPoolOptions::new()
        .max_connections(2)
        .acquire_timeout(Duration::from_secs(10))
        .connect_with(opts)
        .await
        .with_context(|| format!("connecting to PostgreSQL at {base_url} (--pg-url)"))
}

/// Server facts worth printing above the results.
pub async fn settings(pool: &PgPool) -> Vec<(String, String)> {
    let mut out = Vec::new();
    if let Ok(v) = sqlx::query_scalar::<_, String>("SHOW server_version")
        .fetch_one(pool)
        .await
    {
        out.push(("server_version".to_string(), v));
    }
    for name in [
        "synchronous_commit",
        "fsync",
        "wal_sync_method",
        "commit_delay",
        "full_page_writes",
        "shared_buffers",
        "max_connections",
    ] {
        let q = format!("SHOW {name}");
        if let Ok(v) = sqlx::query_scalar::<_, String>(&q).fetch_one(pool).await {
            out.push((name.to_string(), v));
        }
    }
    out
}

/// Creates `sbbench_<random>`; the caller drops it with [`drop_schema`].
pub async fn create_schema(pool: &PgPool) -> Result<String> {
    let mut rng = crate::load::seed(0);
    let name = format!(
        "sbbench_{:012x}",
        crate::load::next_rand(&mut rng) & 0xffff_ffff_ffff
    );
    sqlx::query(&format!("CREATE SCHEMA {name}"))
        .execute(pool)
        .await
        .with_context(|| format!("CREATE SCHEMA {name}"))?;
    Ok(name)
}

pub async fn drop_schema(pool: &PgPool, name: &str) -> Result<()> {
    check_ident(name)?;
    sqlx::query(&format!("DROP SCHEMA IF EXISTS {name} CASCADE"))
        .execute(pool)
        .await
        .with_context(|| format!("DROP SCHEMA {name} CASCADE"))?;
    Ok(())
}

fn check_ident(name: &str) -> Result<()> {
    if name.is_empty()
        || !name
            .chars()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_')
    {
        bail!("unexpected schema name {name:?}");
    }
    Ok(())
}

/// The prefix of the `application_name` of every node connection to `schema`.
pub fn app_prefix(schema: &str) -> String {
    format!("sbbench-{schema}-")
}

/// The URL node `node` uses: the base URL with the schema as `search_path`
/// and an `application_name` that identifies its backends in `pg_stat_activity`.
pub fn node_url(base_url: &str, schema: &str, node: usize) -> String {
    let sep = if base_url.contains('?') { '&' } else { '?' };
    format!(
        "{base_url}{sep}options=-csearch_path%3D{schema}&application_name={}node{}",
        app_prefix(schema),
        node + 1
    )
}

/// `SELECT count(*) FROM <schema>.queue`.
pub async fn queue_count(pool: &PgPool, schema: &str) -> Result<i64> {
    check_ident(schema)?;
    Ok(
        sqlx::query_scalar::<_, i64>(&format!("SELECT count(*) FROM {schema}.queue"))
            .fetch_one(pool)
            .await?,
    )
}

/// Messages by status, and rows in `message_parts` (one per part handed to the SMSC).
pub async fn status_counts(pool: &PgPool, schema: &str) -> Result<(Vec<(String, i64)>, i64)> {
    check_ident(schema)?;
    let rows = sqlx::query(&format!(
        "SELECT status, count(*) FROM {schema}.messages GROUP BY status ORDER BY status"
    ))
    .fetch_all(pool)
    .await?;
    let mut out = Vec::new();
    for r in rows {
        out.push((r.try_get::<String, _>(0)?, r.try_get::<i64, _>(1)?));
    }
    let parts =
        sqlx::query_scalar::<_, i64>(&format!("SELECT count(*) FROM {schema}.message_parts"))
            .fetch_one(pool)
            .await?;
    Ok((out, parts))
}

/// Cumulative server statistics: the bench database's `pg_stat_database`
/// row and the cluster's `pg_stat_wal` (PostgreSQL 14+).
#[derive(Debug, Clone, Copy, Default, PartialEq)]
pub struct Counters {
    pub xact_commit: f64,
    pub xact_rollback: f64,
    pub tup_inserted: f64,
    pub tup_updated: f64,
    pub tup_deleted: f64,
    pub blks_read: f64,
    pub blks_hit: f64,
    /// Milliseconds backends spent running statements (PostgreSQL 14+).
    pub active_time_ms: Option<f64>,
    /// Milliseconds backends spent idle inside a transaction (PostgreSQL 14+).
    pub idle_in_transaction_ms: Option<f64>,
    pub wal: Option<Wal>,
}

#[derive(Debug, Clone, Copy, Default, PartialEq)]
pub struct Wal {
    pub records: f64,
    pub fpi: f64,
    pub bytes: f64,
    pub buffers_full: f64,
    pub write: f64,
    pub sync: f64,
}

pub async fn counters(pool: &PgPool) -> Result<Counters> {
    let r = sqlx::query(
        "SELECT xact_commit::float8, xact_rollback::float8, tup_inserted::float8, \
         tup_updated::float8, tup_deleted::float8, blks_read::float8, blks_hit::float8 \
         FROM pg_stat_database WHERE datname = current_database()",
    )
    .fetch_one(pool)
    .await
    .context("reading pg_stat_database")?;
    let mut c = Counters {
        xact_commit: r.try_get(0)?,
        xact_rollback: r.try_get(1)?,
        tup_inserted: r.try_get(2)?,
        tup_updated: r.try_get(3)?,
        tup_deleted: r.try_get(4)?,
        blks_read: r.try_get(5)?,
        blks_hit: r.try_get(6)?,
        ..Counters::default()
    };
    if let Ok(r) = sqlx::query(
        "SELECT active_time::float8, idle_in_transaction_time::float8 \
         FROM pg_stat_database WHERE datname = current_database()",
    )
    .fetch_one(pool)
    .await
    {
        c.active_time_ms = r.try_get(0).ok();
        c.idle_in_transaction_ms = r.try_get(1).ok();
    }
    if let Ok(r) = sqlx::query(
        "SELECT wal_records::float8, wal_fpi::float8, wal_bytes::float8, \
         wal_buffers_full::float8, wal_write::float8, wal_sync::float8 FROM pg_stat_wal",
    )
    .fetch_one(pool)
    .await
    {
        c.wal = Some(Wal {
            records: r.try_get(0)?,
            fpi: r.try_get(1)?,
            bytes: r.try_get(2)?,
            buffers_full: r.try_get(3)?,
            write: r.try_get(4)?,
            sync: r.try_get(5)?,
        });
    }
    Ok(c)
}

impl Counters {
    /// `self - before`, field by field.
    pub fn since(&self, before: &Counters) -> Counters {
        let opt = |a: Option<f64>, b: Option<f64>| Some(a? - b?);
        Counters {
            xact_commit: self.xact_commit - before.xact_commit,
            xact_rollback: self.xact_rollback - before.xact_rollback,
            tup_inserted: self.tup_inserted - before.tup_inserted,
            tup_updated: self.tup_updated - before.tup_updated,
            tup_deleted: self.tup_deleted - before.tup_deleted,
            blks_read: self.blks_read - before.blks_read,
            blks_hit: self.blks_hit - before.blks_hit,
            active_time_ms: opt(self.active_time_ms, before.active_time_ms),
            idle_in_transaction_ms: opt(self.idle_in_transaction_ms, before.idle_in_transaction_ms),
            wal: match (self.wal, before.wal) {
                (Some(a), Some(b)) => Some(Wal {
                    records: a.records - b.records,
                    fpi: a.fpi - b.fpi,
                    bytes: a.bytes - b.bytes,
                    buffers_full: a.buffers_full - b.buffers_full,
                    write: a.write - b.write,
                    sync: a.sync - b.sync,
                }),
                _ => None,
            },
        }
    }
}

/// What `pg_stat_activity` showed over a run. Counts are backend-samples:
/// each tick adds one per backend in that state.
#[derive(Debug, Clone, Default)]
pub struct Activity {
    pub ticks: u64,
    /// Over the sampled period.
    pub elapsed: Duration,
    /// The nodes' backends: state key → samples.
    pub ours: BTreeMap<String, u64>,
    /// Server processes that are not client backends (WAL writer,
    /// checkpointer, autovacuum, …): key → samples.
    pub background: BTreeMap<String, u64>,
    /// Other clients' backends (any database) that were not idle: key → samples.
    pub others: BTreeMap<String, u64>,
    /// PIDs of the nodes' backends seen.
    pub our_pids: BTreeSet<i32>,
    /// Most of the nodes' backends seen in one tick.
    pub max_ours: usize,
    pub errors: u64,
}

impl Activity {
    pub fn our_samples(&self) -> u64 {
        self.ours.values().sum()
    }

    /// The nodes' backends that were not idle, per tick.
    pub fn busy_ours(&self) -> f64 {
        let busy: u64 = self
            .ours
            .iter()
            .filter(|(k, _)| !k.starts_with("idle:"))
            .map(|(_, v)| v)
            .sum();
        per_tick(busy, self.ticks)
    }
}

pub fn per_tick(samples: u64, ticks: u64) -> f64 {
    if ticks == 0 {
        0.0
    } else {
        samples as f64 / ticks as f64
    }
}

/// `state: type:event`, with `CPU` for an active backend that waits on nothing
/// (it runs, or waits for a CPU).
pub fn state_key(state: Option<&str>, wait_type: Option<&str>, wait_event: Option<&str>) -> String {
    let state = state.unwrap_or("-");
    let wait = match (wait_type, wait_event) {
        (Some(t), Some(e)) => format!("{t}:{e}"),
        (Some(t), None) => t.to_string(),
        (None, _) if state == "active" => "CPU (no wait event)".to_string(),
        (None, _) => "no wait event".to_string(),
    };
    format!("{state}: {wait}")
}

/// Samples `pg_stat_activity` on its own connection every `every` until `stop`
/// flips, classifying the nodes' backends by their `application_name` prefix.
pub async fn sample_activity(
    base_url: String,
    prefix: String,
    every: Duration,
    mut stop: watch::Receiver<bool>,
) -> Result<Activity> {
    let opts = PgConnectOptions::from_str(&base_url)?.application_name(PROBE_APP);
    let mut conn = PgConnection::connect_with(&opts)
        .await
        .context("connecting the pg_stat_activity sampler")?;
    let mut act = Activity::default();
    let mut tick = tokio::time::interval(every);
    tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Skip);
    let started = Instant::now();
    loop {
        tokio::select! {
            _ = tick.tick() => {}
            _ = stop.changed() => break,
        }
        let rows = sqlx::query(
            "SELECT pid, backend_type, application_name, state, wait_event_type, wait_event \
             FROM pg_stat_activity WHERE pid <> pg_backend_pid()",
        )
        .fetch_all(&mut conn)
        .await;
        let rows = match rows {
            Ok(r) => r,
            Err(e) => {
                act.errors += 1;
                if act.errors == 1 {
                    eprintln!("warning: sampling pg_stat_activity: {e}");
                }
                continue;
            }
        };
        act.ticks += 1;
        let mut ours_now = 0;
        for r in rows {
            let get = |i: usize| r.try_get::<Option<String>, _>(i).ok().flatten();
            let pid: i32 = r.try_get(0).unwrap_or(0);
            let backend_type = get(1).unwrap_or_default();
            let app = get(2).unwrap_or_default();
            let (state, wt, we) = (get(3), get(4), get(5));
            if app == PROBE_APP {
                continue;
            }
            let key = state_key(state.as_deref(), wt.as_deref(), we.as_deref());
            if backend_type != "client backend" {
                let key = format!(
                    "{backend_type}: {}",
                    key.split_once(": ").map_or(key.as_str(), |(_, w)| w)
                );
                *act.background.entry(key).or_default() += 1;
            } else if app.starts_with(&prefix) {
                ours_now += 1;
                act.our_pids.insert(pid);
                *act.ours.entry(key).or_default() += 1;
            } else if state.as_deref() != Some("idle") {
                *act.others.entry(key).or_default() += 1;
            }
        }
        act.max_ours = act.max_ours.max(ours_now);
    }
    act.elapsed = started.elapsed();
    let _ = conn.close().await;
    Ok(act)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn builds_node_urls() {
        assert_eq!(
            node_url("postgres://u@h:5432/db", "sbbench_1", 0),
            "postgres://u@h:5432/db?options=-csearch_path%3Dsbbench_1&application_name=sbbench-sbbench_1-node1"
        );
        assert!(node_url("postgres://u@h/db?sslmode=disable", "s", 2)
            .starts_with("postgres://u@h/db?sslmode=disable&options="));
    }

    #[test]
    fn keys_states() {
        assert_eq!(
            state_key(Some("active"), None, None),
            "active: CPU (no wait event)"
        );
        assert_eq!(
            state_key(Some("active"), Some("IO"), Some("WALSync")),
            "active: IO:WALSync"
        );
        assert_eq!(
            state_key(Some("idle"), Some("Client"), Some("ClientRead")),
            "idle: Client:ClientRead"
        );
    }

    #[test]
    fn counts_deltas() {
        let a = Counters {
            xact_commit: 10.0,
            active_time_ms: Some(5.0),
            wal: Some(Wal {
                records: 100.0,
                ..Wal::default()
            }),
            ..Counters::default()
        };
        let b = Counters {
            xact_commit: 25.0,
            active_time_ms: Some(9.0),
            wal: Some(Wal {
                records: 160.0,
                ..Wal::default()
            }),
            ..Counters::default()
        };
        let d = b.since(&a);
        assert_eq!(d.xact_commit, 15.0);
        assert_eq!(d.active_time_ms, Some(4.0));
        assert_eq!(d.wal.map(|w| w.records), Some(60.0));
    }

    #[test]
    fn rejects_odd_schema_names() {
        assert!(check_ident("sbbench_00ab").is_ok());
        assert!(check_ident("x; DROP TABLE y").is_err());
        assert!(check_ident("").is_err());
    }
}
