//! `scheduled`: does waiting cost anything? (issue 6)
//!
//! For each backend and each scale N, on a fresh store with one account:
//! enqueue N `scheduled` messages due uniformly over the next 7 days (from a
//! fixed `t0`), then, for each of `--rounds` rounds, insert D `queued`
//! messages due at or before `t0` and claim them with `claim_due(t0, batch,
//! t0 + 60 s)` until all D are claimed, retiring each batch with
//! `StopWaiting`. It reports the enqueue rate, the claim rate and claim-call
//! latency, and the store size per scheduled message, and checks that
//! exactly the due messages were claimed. It reports figures; it asserts
//! nothing. See bench/README.md.

#[allow(dead_code)]
mod stats;

use std::collections::HashSet;
use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::str::FromStr;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use anyhow::{bail, Context, Result};
use clap::Parser;
use rand::Rng;
use sqlx::postgres::{PgConnectOptions, PgPoolOptions};
use sqlx::{PgPool, Row};
use switchboard_domain::clock::Millis;
use switchboard_domain::ids::{AccountSid, MessageSid, ServiceSid};
use switchboard_domain::message::{Direction, MessageStatus};
use switchboard_store::sqlite::Synchronous;
use switchboard_store::{NewAccount, NewMessage, PgStore, QueueUpdate, SqliteStore, Store};

use crate::stats::{ms, summarize};

const DEFAULT_PG_URL: &str = "postgres://postgres@127.0.0.1:5432/test";
const WEEK_MS: i64 = 7 * 24 * 3600 * 1000;
/// Due-now messages are due within this much before `t0`.
const DUE_SPREAD_MS: i64 = 60_000;
const LEASE_MS: i64 = 60_000;
const BODY: &str = "Reminder: your appointment is tomorrow at 10:00. Reply STOP to opt out.";
/// The claim query of the single-account case (as in both backends).
const CLAIM_SQL: &str =
    "SELECT message_seq FROM queue WHERE due_at <= {now} ORDER BY due_at LIMIT {limit}";
/// The accounts skip scan both backends run before every claim.
const ACCOUNTS_SQL: &str = "WITH RECURSIVE a(acct) AS (SELECT MIN(account_sid) FROM queue \
   UNION ALL SELECT (SELECT MIN(account_sid) FROM queue WHERE account_sid > a.acct) FROM a WHERE a.acct IS NOT NULL) \
 SELECT acct FROM a WHERE acct IS NOT NULL";

#[derive(Parser, Debug)]
#[command(
    name = "scheduled",
    about = "Scheduled messages: enqueue rate, claim cost vs. backlog, bytes per message"
)]
struct Args {
    /// Backends to run, in order: sqlite and/or pg.
    #[arg(long, default_value = "sqlite,pg", value_delimiter = ',')]
    backends: Vec<Backend>,
    /// Scheduled messages (due over the next 7 days) per run, comma-separated scales.
    #[arg(long, default_value = "1000,1000000", value_delimiter = ',')]
    scheduled: Vec<usize>,
    /// Scales for PostgreSQL only (default: --scheduled).
    #[arg(long, value_delimiter = ',')]
    pg_scheduled: Option<Vec<usize>>,
    /// Messages due now, inserted (and claimed) per round.
    #[arg(long, default_value_t = 20_000)]
    due: usize,
    /// `claim_due` limit.
    #[arg(long, default_value_t = 512)]
    batch: u32,
    /// Rounds of (insert D due now, claim them all) per run.
    #[arg(long, default_value_t = 3)]
    rounds: usize,
    /// Concurrent inserting tasks.
    #[arg(long, default_value_t = 64)]
    concurrency: usize,
    /// PostgreSQL base URL (a fresh schema per run is created and dropped).
    #[arg(long, env = "SWITCHBOARD_BENCH_PG_URL", default_value = DEFAULT_PG_URL)]
    pg_url: String,
    /// PostgreSQL pool size of the store (default: --concurrency).
    #[arg(long)]
    pg_connections: Option<u32>,
    /// SQLite durability: full (the server's default) or normal.
    #[arg(long, default_value = "full")]
    sqlite_sync: SyncArg,
    /// Print the claim query's plan (and, for PostgreSQL, its buffer counts)
    /// before the first round and after the last.
    #[arg(long)]
    explain: bool,
    /// SQLite: do not wait for the WAL checkpoint before each round's claims.
    #[arg(long)]
    no_quiesce: bool,
    /// Before each run: `sync`, then wait this many seconds (0: neither).
    #[arg(long, default_value_t = 3)]
    settle: u64,
    /// Keep the SQLite temp dirs and PostgreSQL schemas (their names are printed).
    #[arg(long)]
    keep: bool,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Backend {
    Sqlite,
    Pg,
}

impl FromStr for Backend {
    type Err = String;
    fn from_str(s: &str) -> std::result::Result<Self, String> {
        match s.trim() {
            "sqlite" => Ok(Self::Sqlite),
            "pg" | "postgres" => Ok(Self::Pg),
            other => Err(format!("expected sqlite or pg, got {other:?}")),
        }
    }
}

impl Backend {
    fn name(self) -> &'static str {
        match self {
            Self::Sqlite => "sqlite",
            Self::Pg => "pg",
        }
    }
}

#[derive(Debug, Clone, Copy)]
struct SyncArg(Synchronous);

impl FromStr for SyncArg {
    type Err = String;
    fn from_str(s: &str) -> std::result::Result<Self, String> {
        match s {
            "full" => Ok(Self(Synchronous::Full)),
            "normal" => Ok(Self(Synchronous::Normal)),
            other => Err(format!("expected full or normal, got {other:?}")),
        }
    }
}

/// Where a run's data lives, for sizes and plans.
enum Place {
    Sqlite {
        dir: Option<tempfile::TempDir>,
        path: PathBuf,
    },
    Pg {
        /// Connected with the run's schema as `search_path`.
        pool: PgPool,
        schema: String,
    },
}

/// Store size: the total, and a breakdown for the report.
struct Size {
    bytes: u64,
    /// SQLite: the WAL file's size (its high-water mark; not counted in `bytes`).
    wal: Option<u64>,
    detail: String,
}

struct Round {
    /// SQLite: the wait for the checkpoint before claiming, and whether it completed.
    quiesced: Option<(Duration, bool)>,
    claimed: usize,
    calls: usize,
    claim_secs: f64,
    wall_secs: f64,
}

struct Run {
    backend: Backend,
    scheduled: usize,
    t0: Millis,
    enqueue_secs: f64,
    due_insert_rate: f64,
    rounds: Vec<Round>,
    /// Claim-call latencies (µs), calls that returned entries.
    latencies: Vec<u64>,
    /// Latency (µs) of the final claim calls that found nothing due, one per round.
    idle_claims: Vec<u64>,
    /// Claimed entries that were not among the due messages.
    foreign: usize,
    /// Due messages never claimed.
    missed: usize,
    depth_after: u64,
    next_due_after: Option<Millis>,
    empty_size: Size,
    size: Size,
    notes: Vec<String>,
}

fn main() -> ExitCode {
    let args = Args::parse();
    let outcome = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .context("building tokio runtime")
        .and_then(|rt| rt.block_on(run(args)));
    match outcome {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("error: {e:#}");
            ExitCode::FAILURE
        }
    }
}

#[allow(clippy::disallowed_methods)] // a fixed reference time for the run, not business time
fn wall_millis() -> Millis {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| i64::try_from(d.as_millis()).unwrap_or(i64::MAX))
        .unwrap_or(0)
}

async fn run(args: Args) -> Result<()> {
    if args.scheduled.is_empty() || args.backends.is_empty() {
        bail!("--scheduled and --backends must not be empty");
    }
    if args.due == 0 || args.batch == 0 || args.rounds == 0 || args.concurrency == 0 {
        bail!("--due, --batch, --rounds and --concurrency must be positive");
    }
    let t0 = wall_millis();
    header(&args, t0).await;
    let mut runs = Vec::new();
    for &backend in &args.backends {
        let scales = match (backend, &args.pg_scheduled) {
            (Backend::Pg, Some(s)) => s.clone(),
            _ => args.scheduled.clone(),
        };
        for n in scales {
            eprintln!("== {} with {n} scheduled", backend.name());
            let r = one_run(&args, backend, n, t0)
                .await
                .with_context(|| format!("{} with {n} scheduled", backend.name()))?;
            runs.push(r);
        }
    }
    report(&args, &runs);
    Ok(())
}

async fn header(args: &Args, t0: Millis) {
    println!("# scheduled: claim cost vs. scheduled backlog");
    println!(
        "command: {}",
        std::env::args().collect::<Vec<_>>().join(" ")
    );
    let cpus = std::thread::available_parallelism().map_or(0, |n| n.get());
    let model = std::fs::read_to_string("/proc/cpuinfo")
        .ok()
        .and_then(|s| {
            s.lines()
                .find(|l| l.starts_with("model name"))
                .and_then(|l| l.split_once(':'))
                .map(|(_, m)| m.trim().to_owned())
        })
        .unwrap_or_else(|| "?".into());
    println!("cpus: {cpus} ({model})");
    println!(
        "t0 = {t0}; scheduled due in (t0, t0 + 7 d]; due-now: {} per round in [t0 - 60 s, t0], {} rounds; \
         claim_due(t0, {}, t0 + 60 s); {} inserting tasks",
        args.due, args.rounds, args.batch, args.concurrency
    );
    if args.backends.contains(&Backend::Sqlite) {
        println!(
            "sqlite: synchronous = {:?}, temp dir under {}",
            args.sqlite_sync.0,
            std::env::temp_dir().display()
        );
    }
    if args.backends.contains(&Backend::Pg) {
        match pg_settings(&args.pg_url).await {
            Ok(s) => println!("pg: {} ({s})", redact(&args.pg_url)),
            Err(e) => println!("pg: {} (settings unavailable: {e:#})", redact(&args.pg_url)),
        }
    }
    println!();
}

fn redact(url: &str) -> String {
    match (url.find("://"), url.find('@')) {
        (Some(s), Some(at)) if at > s => {
            let creds = &url[s + 3..at];
            match creds.split_once(':') {
                Some((user, _)) => format!("{}{user}:***{}", &url[..s + 3], &url[at..]),
                None => url.to_owned(),
            }
        }
        _ => url.to_owned(),
    }
}

async fn admin_pool(url: &str) -> Result<PgPool> {
    let opts = PgConnectOptions::from_str(url)
        .with_context(|| format!("parsing PostgreSQL URL {}", redact(url)))?
        .application_name("sbbench-scheduled");
    PgPoolOptions::new()
        .max_connections(2)
        .acquire_timeout(Duration::from_secs(10))
        .connect_with(opts)
        .await
        .with_context(|| format!("connecting to PostgreSQL at {} (--pg-url)", redact(url)))
}

async fn pg_settings(url: &str) -> Result<String> {
    let pool = admin_pool(url).await?;
    let mut out = Vec::new();
    for name in [
        "server_version",
        "shared_buffers",
        "synchronous_commit",
        "fsync",
        "autovacuum",
        "random_page_cost",
        "max_connections",
    ] {
        let v: String = sqlx::query_scalar(&format!("SHOW {name}"))
            .fetch_one(&pool)
            .await?;
        out.push(format!("{name}={v}"));
    }
    pool.close().await;
    Ok(out.join(", "))
}

fn schema_url(base: &str, schema: &str) -> String {
    let sep = if base.contains('?') { '&' } else { '?' };
    format!("{base}{sep}options=-csearch_path%3D{schema}&application_name=sbbench-scheduled")
}

/// A fresh store: SQLite in a temp dir, or PostgreSQL in a new schema.
async fn open(args: &Args, backend: Backend) -> Result<(Arc<dyn Store>, Place)> {
    match backend {
        Backend::Sqlite => {
            let dir = tempfile::Builder::new()
                .prefix("sb-scheduled-")
                .tempdir()
                .context("creating temp dir")?;
            let path = dir.path().join("switchboard.db");
            let store = SqliteStore::open(&path, args.sqlite_sync.0)
                .map_err(|e| anyhow::anyhow!("opening SQLite at {}: {e}", path.display()))?;
            Ok((
                Arc::new(store),
                Place::Sqlite {
                    dir: Some(dir),
                    path,
                },
            ))
        }
        Backend::Pg => {
            let admin = admin_pool(&args.pg_url).await?;
            let schema = format!(
                "sbbench_sched_{:012x}",
                rand::random::<u64>() & 0xffff_ffff_ffff
            );
            sqlx::query(&format!("CREATE SCHEMA {schema}"))
                .execute(&admin)
                .await
                .with_context(|| format!("CREATE SCHEMA {schema}"))?;
            admin.close().await;
            eprintln!("pg schema {schema}");
            let url = schema_url(&args.pg_url, &schema);
            let conns = args
                .pg_connections
                .unwrap_or(u32::try_from(args.concurrency).unwrap_or(64));
            let store = PgStore::connect(&url, conns)
                .await
                .map_err(|e| anyhow::anyhow!("PgStore::connect: {e}"))?;
            let pool = PgPoolOptions::new()
                .max_connections(2)
                .connect_with(
                    PgConnectOptions::from_str(&url)?.application_name("sbbench-scheduled-probe"),
                )
                .await?;
            Ok((Arc::new(store), Place::Pg { pool, schema }))
        }
    }
}

/// Removes the run's data unless `--keep`.
async fn dispose(args: &Args, place: Place) -> Option<String> {
    match place {
        Place::Sqlite { dir, path } => {
            if args.keep {
                let _ = dir.map(tempfile::TempDir::keep);
                Some(format!("kept {}", path.display()))
            } else {
                None
            }
        }
        Place::Pg { pool, schema } => {
            pool.close().await;
            if args.keep {
                return Some(format!("kept schema {schema}"));
            }
            let dropped = async {
                let admin = admin_pool(&args.pg_url).await?;
                sqlx::query(&format!("DROP SCHEMA IF EXISTS {schema} CASCADE"))
                    .execute(&admin)
                    .await?;
                admin.close().await;
                anyhow::Ok(())
            }
            .await;
            dropped
                .err()
                .map(|e| format!("could not drop schema {schema}: {e:#}"))
        }
    }
}

fn file_len(p: &Path) -> u64 {
    std::fs::metadata(p).map_or(0, |m| m.len())
}

fn mb(b: u64) -> f64 {
    b as f64 / 1e6
}

/// For SQLite: checkpoints the WAL into the database file (the store's own
/// checkpointer does this every 200 ms anyway), then returns the database
/// file's size. The WAL is reported but not counted: it is reused, not grown
/// per message.
fn sqlite_size(path: &Path) -> Result<Size> {
    let conn = rusqlite::Connection::open(path)?;
    conn.busy_timeout(Duration::from_secs(10))?;
    let done = checkpointed(&conn, Duration::from_secs(5))?;
    let page_size: i64 = conn.query_row("PRAGMA page_size", [], |r| r.get(0))?;
    let pages: i64 = conn.query_row("PRAGMA page_count", [], |r| r.get(0))?;
    let free: i64 = conn.query_row("PRAGMA freelist_count", [], |r| r.get(0))?;
    drop(conn);
    let db = file_len(path);
    let wal = file_len(&wal_path(path));
    Ok(Size {
        bytes: db,
        wal: Some(wal),
        detail: format!(
            "db file {:.1} MB ({pages} pages of {page_size} B, {free} free){}, WAL file {:.1} MB (not counted)",
            mb(db),
            if done { "" } else { " [WAL not fully checkpointed]" },
            mb(wal)
        ),
    })
}

/// Runs `PRAGMA wal_checkpoint(PASSIVE)` until every WAL frame is in the
/// database file (or `limit` has passed); whether it got there.
fn checkpointed(conn: &rusqlite::Connection, limit: Duration) -> Result<bool> {
    let started = Instant::now();
    loop {
        let (busy, log, ckpt): (i64, i64, i64) =
            conn.query_row("PRAGMA wal_checkpoint(PASSIVE)", [], |r| {
                Ok((r.get(0)?, r.get(1)?, r.get(2)?))
            })?;
        if busy == 0 && log == ckpt {
            return Ok(true);
        }
        if started.elapsed() >= limit {
            return Ok(false);
        }
        std::thread::sleep(Duration::from_millis(50));
    }
}

/// SQLite: waits (up to 60 s) until the WAL written by the inserts is in the
/// database file, so the claims do not compete with the checkpointer copying
/// it. Returns how long that took and whether it finished; `None` for PostgreSQL.
async fn quiesce(place: &Place) -> Result<Option<(Duration, bool)>> {
    let Place::Sqlite { path, .. } = place else {
        return Ok(None);
    };
    let path = path.clone();
    tokio::task::spawn_blocking(move || {
        let started = Instant::now();
        let conn = rusqlite::Connection::open(&path)?;
        conn.busy_timeout(Duration::from_secs(10))?;
        let done = checkpointed(&conn, Duration::from_secs(60))?;
        Ok(Some((started.elapsed(), done)))
    })
    .await?
}

fn wal_path(db: &Path) -> PathBuf {
    let mut s = db.as_os_str().to_owned();
    s.push("-wal");
    PathBuf::from(s)
}

/// For PostgreSQL: `pg_total_relation_size` (heap + TOAST + indexes) of `messages` and `queue`.
async fn pg_size(pool: &PgPool) -> Result<Size> {
    let rows = sqlx::query(
        "SELECT c.relname::text, pg_relation_size(c.oid), pg_indexes_size(c.oid), pg_total_relation_size(c.oid) \
         FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace \
         WHERE n.nspname = current_schema() AND c.relname IN ('messages', 'queue') ORDER BY 1",
    )
    .fetch_all(pool)
    .await?;
    let mut total = 0u64;
    let mut parts = Vec::new();
    for r in rows {
        let name: String = r.try_get(0)?;
        let heap: i64 = r.try_get(1)?;
        let idx: i64 = r.try_get(2)?;
        let all: i64 = r.try_get(3)?;
        total += u64::try_from(all).unwrap_or(0);
        parts.push(format!(
            "{name} {:.1} MB (heap {:.1} + indexes {:.1})",
            mb(all as u64),
            mb(heap as u64),
            mb(idx as u64)
        ));
    }
    Ok(Size {
        bytes: total,
        wal: None,
        detail: parts.join(", "),
    })
}

async fn size(place: &Place) -> Result<Size> {
    match place {
        Place::Sqlite { path, .. } => {
            let path = path.clone();
            tokio::task::spawn_blocking(move || sqlite_size(&path)).await?
        }
        Place::Pg { pool, .. } => pg_size(pool).await,
    }
}

/// The claim query's plan, with `t0` and `batch` filled in.
async fn explain(place: &Place, t0: Millis, batch: u32) -> Result<Vec<String>> {
    let claim = CLAIM_SQL
        .replace("{now}", &t0.to_string())
        .replace("{limit}", &batch.to_string());
    match place {
        Place::Sqlite { path, .. } => {
            let path = path.clone();
            tokio::task::spawn_blocking(move || -> Result<Vec<String>> {
                let conn = rusqlite::Connection::open_with_flags(
                    &path,
                    rusqlite::OpenFlags::SQLITE_OPEN_READ_ONLY,
                )?;
                let mut out = Vec::new();
                for (what, sql) in [("claim", claim.as_str()), ("accounts", ACCOUNTS_SQL)] {
                    out.push(format!("{what}: EXPLAIN QUERY PLAN {sql}"));
                    let mut stmt = conn.prepare(&format!("EXPLAIN QUERY PLAN {sql}"))?;
                    let rows = stmt
                        .query_map([], |r| r.get::<_, String>(3))?
                        .collect::<rusqlite::Result<Vec<_>>>()?;
                    out.extend(rows.into_iter().map(|r| format!("  {r}")));
                }
                Ok(out)
            })
            .await?
        }
        Place::Pg { pool, .. } => {
            let mut out = Vec::new();
            let update = format!(
                "WITH due AS ({claim} FOR UPDATE SKIP LOCKED) \
                 UPDATE queue q SET due_at = {}, leased = TRUE FROM due WHERE q.message_seq = due.message_seq \
                 RETURNING q.message_seq, q.phase",
                t0 + LEASE_MS
            );
            for (what, sql, analyze) in [
                (
                    "claim UPDATE as the store runs it (plan only)",
                    update.as_str(),
                    false,
                ),
                ("claim without the lock", claim.as_str(), true),
                ("accounts", ACCOUNTS_SQL, true),
            ] {
                let opts = if analyze {
                    "(ANALYZE, BUFFERS, TIMING OFF, COSTS OFF)"
                } else {
                    "(COSTS OFF)"
                };
                out.push(format!("{what}: EXPLAIN {opts}"));
                let rows: Vec<String> = sqlx::query_scalar(&format!("EXPLAIN {opts} {sql}"))
                    .fetch_all(pool)
                    .await?;
                out.extend(compact(rows, analyze).map(|r| format!("  {r}")));
            }
            Ok(out)
        }
    }
}

/// Keeps the lines of an `EXPLAIN ANALYZE` that matter here: the scans, the
/// total buffer count (the first `Buffers:` line, on the root node) and the
/// execution time.
fn compact(rows: Vec<String>, analyze: bool) -> impl Iterator<Item = String> {
    let mut seen_buffers = !analyze;
    rows.into_iter().filter_map(move |r| {
        if !analyze {
            return Some(r);
        }
        let line = r.trim_start().trim_start_matches("->").trim_start();
        let keep = (line.starts_with("Buffers:") && !std::mem::replace(&mut seen_buffers, true))
            || ["Scan using", "Index Cond", "Heap Fetches", "Execution Time"]
                .iter()
                .any(|k| line.starts_with(k));
        keep.then(|| format!("  {line}"))
    })
}

fn message(
    account: &AccountSid,
    service: &ServiceSid,
    status: MessageStatus,
    i: usize,
    due_at: Millis,
) -> NewMessage {
    let now = wall_millis();
    NewMessage {
        sid: MessageSid::generate_at(now),
        account_sid: account.clone(),
        direction: Direction::OutboundApi,
        status,
        to: format!("+1555{:07}", i % 10_000_000),
        from: "+15005550006".into(),
        body: BODY.into(),
        num_segments: 1,
        media_urls: Vec::new(),
        encoding: "GSM-7".into(),
        messaging_service_sid: Some(service.as_str().to_owned()),
        status_callback: None,
        validity_secs: None,
        now,
        due_at,
        error_code: None,
        error_message: None,
        shield: None,
    }
}

/// When inserted messages are due.
#[derive(Debug, Clone, Copy)]
enum Due {
    /// Uniformly in (t0, t0 + 7 d], status `scheduled`.
    Later,
    /// Uniformly in [t0 - 60 s, t0], status `queued`.
    Now,
}

impl Due {
    fn pick(self, t0: Millis, rng: &mut impl Rng) -> Millis {
        match self {
            Self::Later => t0 + 1 + rng.gen_range(0..WEEK_MS),
            Self::Now => t0 - rng.gen_range(0..=DUE_SPREAD_MS),
        }
    }
    fn status(self) -> MessageStatus {
        match self {
            Self::Later => MessageStatus::Scheduled,
            Self::Now => MessageStatus::Queued,
        }
    }
}

/// What `insert_many` did.
struct Inserted {
    /// The SIDs, if asked for.
    sids: HashSet<MessageSid>,
    elapsed: Duration,
    /// Inserts per second in each full 10 s interval.
    intervals: Vec<f64>,
}

/// Inserts `n` messages from `concurrency` tasks.
#[allow(clippy::too_many_arguments)]
async fn insert_many(
    store: &Arc<dyn Store>,
    account: &AccountSid,
    service: &ServiceSid,
    due: Due,
    t0: Millis,
    n: usize,
    concurrency: usize,
    keep_sids: bool,
    label: &str,
) -> Result<Inserted> {
    let next = Arc::new(AtomicUsize::new(0));
    let done = Arc::new(AtomicUsize::new(0));
    let sids = Arc::new(Mutex::new(HashSet::with_capacity(if keep_sids {
        n
    } else {
        0
    })));
    let started = Instant::now();
    let mut tasks = tokio::task::JoinSet::new();
    for _ in 0..concurrency.min(n.max(1)) {
        let (store, account, service) = (store.clone(), account.clone(), service.clone());
        let (next, done, sids) = (next.clone(), done.clone(), sids.clone());
        tasks.spawn(async move {
            loop {
                let i = next.fetch_add(1, Ordering::Relaxed);
                if i >= n {
                    return anyhow::Ok(());
                }
                let due_at = due.pick(t0, &mut rand::thread_rng());
                let m = message(&account, &service, due.status(), i, due_at);
                let sid = m.sid.clone();
                store
                    .insert_message(m)
                    .await
                    .map_err(|e| anyhow::anyhow!("insert_message: {e}"))?;
                if keep_sids {
                    if let Ok(mut s) = sids.lock() {
                        s.insert(sid);
                    }
                }
                done.fetch_add(1, Ordering::Relaxed);
            }
        });
    }
    let mut tick = tokio::time::interval(Duration::from_secs(10));
    tick.tick().await;
    let (mut intervals, mut last) = (Vec::new(), 0usize);
    loop {
        tokio::select! {
            joined = tasks.join_next() => match joined {
                None => break,
                Some(r) => r.context("insert task panicked")??,
            },
            _ = tick.tick() => {
                let d = done.load(Ordering::Relaxed);
                let secs = started.elapsed().as_secs_f64();
                intervals.push((d - last) as f64 / 10.0);
                last = d;
                eprintln!("  {label}: {d}/{n} in {secs:.0} s ({:.0} msg/s)", d as f64 / secs);
            }
        }
    }
    let elapsed = started.elapsed();
    let sids = std::mem::take(&mut *sids.lock().map_err(|_| anyhow::anyhow!("poisoned"))?);
    Ok(Inserted {
        sids,
        elapsed,
        intervals,
    })
}

/// Lets the previous run's I/O (e.g. deleting a multi-GB WAL) finish first.
async fn settle(secs: u64) {
    if secs == 0 {
        return;
    }
    let _ = tokio::process::Command::new("sync").status().await;
    tokio::time::sleep(Duration::from_secs(secs)).await;
}

async fn one_run(args: &Args, backend: Backend, n: usize, t0: Millis) -> Result<Run> {
    settle(args.settle).await;
    let (store, place) = open(args, backend).await?;
    let result = measure(args, backend, n, t0, &store, &place).await;
    drop(store);
    let disposed = dispose(args, place).await;
    let mut run = result?;
    run.notes.extend(disposed);
    Ok(run)
}

async fn measure(
    args: &Args,
    backend: Backend,
    n: usize,
    t0: Millis,
    store: &Arc<dyn Store>,
    place: &Place,
) -> Result<Run> {
    let account = AccountSid::generate();
    store
        .create_account(NewAccount {
            sid: account.clone(),
            friendly_name: "bench".into(),
            auth_token_sealed: vec![0; 60],
            now: t0,
        })
        .await
        .map_err(|e| anyhow::anyhow!("create_account: {e}"))?;
    let service = ServiceSid::generate();
    let empty_size = size(place).await?;

    let enqueued = insert_many(
        store,
        &account,
        &service,
        Due::Later,
        t0,
        n,
        args.concurrency,
        false,
        "enqueue",
    )
    .await?;
    let enqueue_secs = enqueued.elapsed.as_secs_f64();
    eprintln!(
        "  enqueued {n} in {enqueue_secs:.1} s ({:.0} msg/s)",
        n as f64 / enqueue_secs
    );
    let size_after = size(place).await?;
    let mut notes = Vec::new();
    if !enqueued.intervals.is_empty() {
        let rates: Vec<String> = enqueued
            .intervals
            .iter()
            .map(|r| format!("{r:.0}"))
            .collect();
        notes.push(format!("enqueue msg/s per 10 s: {}", rates.join(", ")));
    }
    let mut rounds = Vec::new();
    let mut latencies = Vec::new();
    let mut idle_claims = Vec::new();
    let (mut foreign, mut missed) = (0usize, 0usize);
    let mut due_insert = Duration::ZERO;
    for round in 0..args.rounds {
        let inserted = insert_many(
            store,
            &account,
            &service,
            Due::Now,
            t0,
            args.due,
            args.concurrency,
            true,
            "due now",
        )
        .await?;
        due_insert += inserted.elapsed;
        let mut due = inserted.sids;
        if args.explain && round == 0 {
            notes.push("plan before the first round:".into());
            notes.extend(explain(place, t0, args.batch).await?);
        }
        let quiesced = if args.no_quiesce {
            None
        } else {
            quiesce(place).await?
        };
        let mut r = Round {
            quiesced,
            claimed: 0,
            calls: 0,
            claim_secs: 0.0,
            wall_secs: 0.0,
        };
        let wall = Instant::now();
        while r.claimed < args.due {
            let started = Instant::now();
            let got = store
                .claim_due(t0, args.batch, t0 + LEASE_MS)
                .await
                .map_err(|e| anyhow::anyhow!("claim_due: {e}"))?;
            let took = started.elapsed();
            if got.is_empty() {
                break;
            }
            latencies.push(u64::try_from(took.as_micros()).unwrap_or(u64::MAX));
            r.claim_secs += took.as_secs_f64();
            r.calls += 1;
            r.claimed += got.len();
            let mut retire = Vec::with_capacity(got.len());
            for c in got {
                if !due.remove(&c.sid) {
                    foreign += 1;
                }
                retire.push(QueueUpdate::StopWaiting { sid: c.sid });
            }
            store
                .record_updates(t0, retire)
                .await
                .map_err(|e| anyhow::anyhow!("record_updates: {e}"))?;
        }
        r.wall_secs = wall.elapsed().as_secs_f64();
        // Nothing else may be due now: the scheduled backlog is all in the future.
        let started = Instant::now();
        let extra = store
            .claim_due(t0, args.batch, t0 + LEASE_MS)
            .await
            .map_err(|e| anyhow::anyhow!("claim_due: {e}"))?;
        idle_claims.push(u64::try_from(started.elapsed().as_micros()).unwrap_or(u64::MAX));
        foreign += extra.len();
        missed += due.len();
        eprintln!(
            "  round {}: claimed {} in {} calls, {:.0} msg/s of claim time, {:.0} msg/s of wall time",
            round + 1,
            r.claimed,
            r.calls,
            r.claimed as f64 / r.claim_secs,
            r.claimed as f64 / r.wall_secs
        );
        rounds.push(r);
    }
    if args.explain {
        notes.push("plan after the last round:".into());
        notes.extend(explain(place, t0, args.batch).await?);
    }
    let depth_after = store
        .queue_depth()
        .await
        .map_err(|e| anyhow::anyhow!("queue_depth: {e}"))?;
    let next_due_after = store
        .next_due()
        .await
        .map_err(|e| anyhow::anyhow!("next_due: {e}"))?;
    Ok(Run {
        backend,
        scheduled: n,
        t0,
        enqueue_secs,
        due_insert_rate: (args.due * args.rounds) as f64 / due_insert.as_secs_f64(),
        rounds,
        latencies,
        idle_claims,
        foreign,
        missed,
        depth_after,
        next_due_after,
        empty_size,
        size: size_after,
        notes,
    })
}

impl Run {
    fn claimed(&self) -> usize {
        self.rounds.iter().map(|r| r.claimed).sum()
    }
    fn claim_rate(&self) -> f64 {
        self.claimed() as f64 / self.rounds.iter().map(|r| r.claim_secs).sum::<f64>()
    }
    fn wall_rate(&self) -> f64 {
        self.claimed() as f64 / self.rounds.iter().map(|r| r.wall_secs).sum::<f64>()
    }
    fn bytes_per_msg(&self) -> f64 {
        self.size.bytes.saturating_sub(self.empty_size.bytes) as f64 / self.scheduled.max(1) as f64
    }
}

fn report(args: &Args, runs: &[Run]) {
    println!(
        "{:<7} {:>9} {:>9} {:>10} {:>10} {:>10} {:>8} {:>8} {:>8} {:>8} {:>9} {:>10} {:>8}",
        "backend",
        "scheduled",
        "enqueue s",
        "enqueue/s",
        "claim/s",
        "claim/s",
        "p50 ms",
        "p99 ms",
        "max ms",
        "idle ms",
        "bytes/msg",
        "store MB",
        "WAL MB"
    );
    println!(
        "{:<7} {:>9} {:>9} {:>10} {:>10} {:>10} {:>8} {:>8} {:>8} {:>8} {:>9} {:>10} {:>8}",
        "", "", "", "", "(claim)", "(wall)", "", "", "", "", "", "", ""
    );
    for r in runs {
        let lat = summarize(r.latencies.clone());
        let f = |v: Option<u64>| v.map_or("-".to_string(), |v| format!("{:.2}", ms(v)));
        let idle = summarize(r.idle_claims.clone()).map(|s| s.p50);
        println!(
            "{:<7} {:>9} {:>9.1} {:>10.0} {:>10.0} {:>10.0} {:>8} {:>8} {:>8} {:>8} {:>9.0} {:>10.1} {:>8}",
            r.backend.name(),
            r.scheduled,
            r.enqueue_secs,
            r.scheduled as f64 / r.enqueue_secs,
            r.claim_rate(),
            r.wall_rate(),
            f(lat.map(|s| s.p50)),
            f(lat.map(|s| s.p99)),
            f(lat.map(|s| s.max)),
            f(idle),
            r.bytes_per_msg(),
            mb(r.size.bytes),
            r.size
                .wal
                .map_or("-".to_string(), |w| format!("{:.1}", mb(w))),
        );
    }
    println!();
    println!("claim rate at the largest vs. the smallest scale (target: within 10%, i.e. ratio >= 0.90):");
    for backend in &args.backends {
        let mine: Vec<&Run> = runs.iter().filter(|r| r.backend == *backend).collect();
        let small = mine.iter().min_by_key(|r| r.scheduled);
        let large = mine.iter().max_by_key(|r| r.scheduled);
        if let (Some(s), Some(l)) = (small, large) {
            if s.scheduled == l.scheduled {
                println!("  {}: only one scale", backend.name());
                continue;
            }
            let c = l.claim_rate() / s.claim_rate();
            let w = l.wall_rate() / s.wall_rate();
            println!(
                "  {}: {} vs {} scheduled: {:.3} of claim time ({}), {:.3} of wall time ({})",
                backend.name(),
                l.scheduled,
                s.scheduled,
                c,
                if c >= 0.9 {
                    "within 10%"
                } else {
                    "NOT within 10%"
                },
                w,
                if w >= 0.9 {
                    "within 10%"
                } else {
                    "NOT within 10%"
                },
            );
        }
    }
    println!();
    for r in runs {
        println!("{} with {} scheduled:", r.backend.name(), r.scheduled);
        let per_round: Vec<String> = r
            .rounds
            .iter()
            .map(|x| {
                format!(
                    "{:.0} ({:.0} wall, {} calls)",
                    x.claimed as f64 / x.claim_secs,
                    x.claimed as f64 / x.wall_secs,
                    x.calls
                )
            })
            .collect();
        println!("  claim msg/s per round: {}", per_round.join(", "));
        let waits: Vec<String> = r
            .rounds
            .iter()
            .filter_map(|x| x.quiesced)
            .map(|(d, done)| {
                format!(
                    "{:.0}{}",
                    d.as_secs_f64() * 1000.0,
                    if done { "" } else { " (not finished)" }
                )
            })
            .collect();
        if !waits.is_empty() {
            println!(
                "  wait for the WAL checkpoint before claiming, ms per round: {}",
                waits.join(", ")
            );
        }
        println!(
            "  due-now inserts: {:.0} msg/s; idle claim (nothing due) per round, ms: {}",
            r.due_insert_rate,
            r.idle_claims
                .iter()
                .map(|v| format!("{:.2}", ms(*v)))
                .collect::<Vec<_>>()
                .join(", ")
        );
        let expected = args.due * args.rounds;
        let ok = r.claimed() == expected
            && r.foreign == 0
            && r.missed == 0
            && r.depth_after == r.scheduled as u64
            && r.next_due_after.is_none_or(|d| d > r.t0);
        println!(
            "  check: claimed {} of {expected} due, {} not due (or claimed twice), {} missed; queue depth after {} (scheduled {}); next due t0 + {}: {}",
            r.claimed(),
            r.foreign,
            r.missed,
            r.depth_after,
            r.scheduled,
            r.next_due_after
                .map_or("none".to_string(), |d| format!("{:.1} s", (d - r.t0) as f64 / 1000.0)),
            if ok { "OK" } else { "MISMATCH" }
        );
        println!("  empty store: {}", r.empty_size.detail);
        println!(
            "  after enqueue: {}; ({} - {}) / {} = {:.0} B/msg",
            r.size.detail,
            r.size.bytes,
            r.empty_size.bytes,
            r.scheduled,
            r.bytes_per_msg()
        );
        for n in &r.notes {
            println!("  {n}");
        }
    }
}
