//! SQLite backend.
//!
//! All writes go through one writer thread that owns a connection and commits
//! whatever has queued up since the last commit in one transaction (group
//! commit): many API requests share one fsync. Each command runs inside its own
//! savepoint so one failing command does not undo its neighbours. Replies are
//! sent only after `COMMIT` returns. Reads use a small pool of WAL readers on
//! blocking threads.

mod accounts;
mod audit;
mod calls;
mod console;
mod factors;
mod messages;
mod numbers;
mod passkeys;
mod queue;
mod rate_limits;
mod rows;
mod services;
mod shield;
mod verify;
mod views;
mod webhooks;

use crate::error::{Error, Result};
use rusqlite::{Connection, OpenFlags};
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};
use tokio::sync::{mpsc, oneshot, Semaphore};

const MIGRATIONS: &[(i64, &str)] = &[
    (1, include_str!("migrations/0001_init.sql")),
    (2, include_str!("migrations/0002_parts_numbers.sql")),
    (3, include_str!("migrations/0003_webhooks.sql")),
    (4, include_str!("migrations/0004_dlr_done_date.sql")),
    (5, include_str!("migrations/0005_idempotency.sql")),
    (6, include_str!("migrations/0006_fair_queue.sql")),
    (7, include_str!("migrations/0007_services.sql")),
    (8, include_str!("migrations/0008_service_inbound.sql")),
    (9, include_str!("migrations/0009_sending_once.sql")),
    (10, include_str!("migrations/0010_queue_sender.sql")),
    (11, include_str!("migrations/0011_shield.sql")),
    (12, include_str!("migrations/0012_verify.sql")),
    (13, include_str!("migrations/0013_factors.sql")),
    (14, include_str!("migrations/0014_passkeys.sql")),
    (15, include_str!("migrations/0015_rate_limits.sql")),
    (16, include_str!("migrations/0016_audit.sql")),
    (17, include_str!("migrations/0017_api_key_scopes.sql")),
    (18, include_str!("migrations/0018_encryption.sql")),
    (19, include_str!("migrations/0019_console.sql")),
    (20, include_str!("migrations/0020_calls.sql")),
];
const MAX_BATCH: usize = 2048;
const MAX_READERS: usize = 8;
const CHECKPOINT_EVERY: std::time::Duration = std::time::Duration::from_millis(200);

/// Durability of a commit (`PRAGMA synchronous`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Synchronous {
    /// fsync the WAL on every commit: a 201 survives power loss.
    Full,
    /// fsync at checkpoints only: survives a process crash, not power loss.
    Normal,
}

type WriteJob = Box<dyn FnOnce(&Connection) -> Box<dyn FnOnce(Result<()>) + Send> + Send>;

/// The SQLite store. Cheap to clone.
#[derive(Clone)]
pub struct SqliteStore {
    inner: Arc<Inner>,
}

struct Inner {
    path: PathBuf,
    writer: mpsc::Sender<WriteJob>,
    readers: Mutex<Vec<Connection>>,
    reader_slots: Semaphore,
    crypt: crate::crypt::Crypt,
}

fn open_conn(path: &Path, sync: Synchronous, read_only: bool) -> Result<Connection> {
    let flags = if read_only {
        OpenFlags::SQLITE_OPEN_READ_ONLY | OpenFlags::SQLITE_OPEN_NO_MUTEX
    } else {
        OpenFlags::SQLITE_OPEN_READ_WRITE
            | OpenFlags::SQLITE_OPEN_CREATE
            | OpenFlags::SQLITE_OPEN_NO_MUTEX
    };
    let conn = Connection::open_with_flags(path, flags)?;
    conn.busy_timeout(std::time::Duration::from_secs(10))?;
    let sync = match sync {
        Synchronous::Full => "FULL",
        Synchronous::Normal => "NORMAL",
    };
    conn.execute_batch(&format!(
        "PRAGMA journal_mode=WAL; PRAGMA synchronous={sync}; PRAGMA foreign_keys=ON; PRAGMA temp_store=MEMORY; PRAGMA cache_size=-32000;"
    ))?;
    conn.set_prepared_statement_cache_capacity(64);
    Ok(conn)
}

fn migrate(conn: &mut Connection) -> Result<()> {
    conn.execute_batch(
        "CREATE TABLE IF NOT EXISTS schema_migrations (version INTEGER PRIMARY KEY, applied_at INTEGER NOT NULL)",
    )?;
    for (version, sql) in MIGRATIONS {
        let done: bool = conn.query_row(
            "SELECT EXISTS(SELECT 1 FROM schema_migrations WHERE version = ?1)",
            [version],
            |r| r.get(0),
        )?;
        if !done {
            let tx = conn.transaction()?;
            tx.execute_batch(sql)?;
            tx.execute(
                "INSERT INTO schema_migrations (version, applied_at) VALUES (?1, strftime('%s','now'))",
                [version],
            )?;
            tx.commit()?;
            tracing::info!(version, "Applied SQLite migration.");
        }
    }
    Ok(())
}

impl SqliteStore {
    /// Opens (creating if needed) the database file and runs migrations. Nothing is
    /// encrypted (no master key): see [`SqliteStore::open_encrypted`].
    pub fn open(path: impl AsRef<Path>, sync: Synchronous) -> Result<Self> {
        Self::open_encrypted(path, sync, crate::KeyRing::plaintext())
    }

    /// Like [`SqliteStore::open`], with the key ring that encrypts customer data at rest.
    pub fn open_encrypted(
        path: impl AsRef<Path>,
        sync: Synchronous,
        keys: crate::KeyRing,
    ) -> Result<Self> {
        let path = path.as_ref().to_path_buf();
        let mut conn = open_conn(&path, sync, false)?;
        migrate(&mut conn)?;
        // The checkpointer thread does this work; the writer never stops to checkpoint.
        conn.execute_batch("PRAGMA wal_autocheckpoint=0")?;
        let checkpointer = open_conn(&path, sync, false)?;
        let (tx, rx) = mpsc::channel::<WriteJob>(16 * 1024);
        std::thread::Builder::new()
            .name("sqlite-writer".into())
            .spawn(move || writer_loop(conn, rx))
            .map_err(|e| Error::Other(format!("cannot start writer thread: {e}")))?;
        let inner = Arc::new(Inner {
            path,
            writer: tx,
            readers: Mutex::new(Vec::new()),
            reader_slots: Semaphore::new(MAX_READERS),
            crypt: crate::crypt::Crypt::new(keys),
        });
        let weak = Arc::downgrade(&inner);
        std::thread::Builder::new()
            .name("sqlite-checkpoint".into())
            .spawn(move || checkpoint_loop(checkpointer, weak))
            .map_err(|e| Error::Other(format!("cannot start checkpoint thread: {e}")))?;
        Ok(Self { inner })
    }

    /// Runs `f` on the writer inside the next group-committed transaction.
    /// Resolves only once the transaction is durable.
    pub(crate) async fn write<T, F>(&self, f: F) -> Result<T>
    where
        T: Send + 'static,
        F: FnOnce(&Connection) -> Result<T> + Send + 'static,
    {
        let (reply_tx, reply_rx) = oneshot::channel::<Result<T>>();
        let job: WriteJob = Box::new(move |conn| {
            let outcome = run_in_savepoint(conn, f);
            Box::new(move |commit: Result<()>| {
                let result = match (commit, outcome) {
                    (Ok(()), r) => r,
                    (Err(e), _) => Err(e),
                };
                let _ = reply_tx.send(result);
            })
        });
        self.inner
            .writer
            .send(job)
            .await
            .map_err(|_| Error::Unavailable("writer stopped".into()))?;
        reply_rx
            .await
            .map_err(|_| Error::Unavailable("writer stopped".into()))?
    }

    /// Runs `f` on a pooled read connection on a blocking thread.
    pub(crate) async fn read<T, F>(&self, f: F) -> Result<T>
    where
        T: Send + 'static,
        F: FnOnce(&Connection) -> Result<T> + Send + 'static,
    {
        let _permit = self
            .inner
            .reader_slots
            .acquire()
            .await
            .map_err(|_| Error::Unavailable("reader pool closed".into()))?;
        let inner = self.inner.clone();
        tokio::task::spawn_blocking(move || {
            let pooled = inner.readers.lock().ok().and_then(|mut v| v.pop());
            let conn = match pooled {
                Some(c) => c,
                None => open_conn(&inner.path, Synchronous::Normal, true)?,
            };
            let result = f(&conn);
            if let Ok(mut v) = inner.readers.lock() {
                v.push(conn);
            }
            result
        })
        .await
        .map_err(|e| Error::Other(format!("reader task failed: {e}")))?
    }
}

#[async_trait::async_trait]
impl crate::crypt::KeyTable for SqliteStore {
    fn crypt(&self) -> &crate::crypt::Crypt {
        &self.inner.crypt
    }

    async fn load_key(&self, account: &str) -> Result<Option<Vec<u8>>> {
        let account = account.to_owned();
        self.read(move |c| {
            use rusqlite::OptionalExtension;
            Ok(
                c.prepare_cached("SELECT wrapped FROM account_keys WHERE account_sid = ?1")?
                    .query_row([account], |r| r.get(0))
                    .optional()?,
            )
        })
        .await
    }

    async fn create_key(&self, account: &str, wrapped: Vec<u8>) -> Result<Option<Vec<u8>>> {
        let account = account.to_owned();
        self.write(move |c| {
            use rusqlite::OptionalExtension;
            c.prepare_cached(
                "INSERT OR IGNORE INTO account_keys (account_sid, wrapped) SELECT ?1, ?2 \
                 WHERE NOT EXISTS (SELECT 1 FROM accounts WHERE sid = ?1 AND status = 'closed')",
            )?
            .execute(rusqlite::params![account, wrapped])?;
            Ok(
                c.prepare_cached("SELECT wrapped FROM account_keys WHERE account_sid = ?1")?
                    .query_row([account], |r| r.get(0))
                    .optional()?,
            )
        })
        .await
    }
}

fn run_in_savepoint<T>(conn: &Connection, f: impl FnOnce(&Connection) -> Result<T>) -> Result<T> {
    conn.prepare_cached("SAVEPOINT job")?.execute([])?;
    match f(conn) {
        Ok(v) => {
            conn.prepare_cached("RELEASE job")?.execute([])?;
            Ok(v)
        }
        Err(e) => {
            let _ = conn.execute_batch("ROLLBACK TO job; RELEASE job");
            Err(e)
        }
    }
}

/// Past this size the checkpointer empties the WAL file (see `checkpoint_loop`).
const WAL_TRUNCATE_BYTES: u64 = 64 * 1024 * 1024;

/// Checkpoints the WAL from its own connection so that copying pages into the
/// database file (and its fsync) is off the writer's critical path. Stops once
/// the store is dropped.
fn checkpoint_loop(conn: Connection, store: std::sync::Weak<Inner>) {
    let Some(wal) = store.upgrade().map(|s| {
        let mut p = s.path.clone().into_os_string();
        p.push("-wal");
        PathBuf::from(p)
    }) else {
        return;
    };
    while store.upgrade().is_some() {
        std::thread::sleep(CHECKPOINT_EVERY);
        if let Err(e) = conn.query_row("PRAGMA wal_checkpoint(PASSIVE)", [], |_| Ok(())) {
            tracing::warn!(error = %e, "WAL checkpoint failed.");
        }
        // Under sustained writes the log never gets a moment to restart, and
        // passive checkpoints alone let the file grow without bound (13 GB for
        // a 700 MB database in the 1M-message benchmark). A TRUNCATE checkpoint
        // waits for the readers (holding the writer back for that moment) and
        // empties it.
        if std::fs::metadata(&wal).map_or(0, |m| m.len()) > WAL_TRUNCATE_BYTES {
            if let Err(e) = conn.query_row("PRAGMA wal_checkpoint(TRUNCATE)", [], |_| Ok(())) {
                tracing::warn!(error = %e, "WAL truncation failed; will retry.");
            }
        }
    }
}

fn writer_loop(conn: Connection, mut rx: mpsc::Receiver<WriteJob>) {
    let mut jobs = Vec::with_capacity(MAX_BATCH);
    while let Some(first) = rx.blocking_recv() {
        jobs.push(first);
        while jobs.len() < MAX_BATCH {
            match rx.try_recv() {
                Ok(j) => jobs.push(j),
                Err(_) => break,
            }
        }
        if let Err(e) = conn.execute_batch("BEGIN IMMEDIATE") {
            // Dropping the jobs drops their reply channels: each caller gets `Unavailable`.
            tracing::error!(error = %e, "SQLite writer could not begin a transaction.");
            jobs.clear();
            continue;
        }
        let started = std::time::Instant::now();
        let n = jobs.len();
        let finishers: Vec<_> = jobs.drain(..).map(|job| job(&conn)).collect();
        let executed = started.elapsed();
        let commit = conn.execute_batch("COMMIT").map_err(Error::from);
        metrics::histogram!("switchboard_store_batch_jobs").record(n as f64);
        metrics::histogram!("switchboard_store_execute_seconds").record(executed.as_secs_f64());
        metrics::histogram!("switchboard_store_commit_seconds")
            .record((started.elapsed() - executed).as_secs_f64());
        if let Err(e) = &commit {
            tracing::error!(error = %e, "SQLite group commit failed.");
            let _ = conn.execute_batch("ROLLBACK");
        }
        for finish in finishers {
            finish(match &commit {
                Ok(()) => Ok(()),
                Err(e) => Err(Error::Unavailable(e.to_string())),
            });
        }
    }
    tracing::debug!("SQLite writer stopped.");
}
