//! PostgreSQL backend, for several nodes sharing one database.
//!
//! Same behaviour as the SQLite backend (the conformance suite runs on both);
//! the differences are in the queue: claims use `FOR UPDATE SKIP LOCKED`, so
//! two nodes never claim the same entry, and a claim moves `due_at` to the end
//! of its lease, so a dead node's entries come back when the lease runs out.
//! PostgreSQL does its own group commit; every write here is one transaction.

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
use sqlx::postgres::{PgConnectOptions, PgPoolOptions};
use sqlx::PgPool;
use std::str::FromStr;

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
    (12, include_str!("migrations/0012_shield_trigger_when.sql")),
    (13, include_str!("migrations/0013_verify.sql")),
    (14, include_str!("migrations/0014_factors.sql")),
    (15, include_str!("migrations/0015_passkeys.sql")),
    (16, include_str!("migrations/0016_rate_limits.sql")),
    (17, include_str!("migrations/0017_audit.sql")),
    (18, include_str!("migrations/0018_api_key_scopes.sql")),
    (19, include_str!("migrations/0019_encryption.sql")),
    (20, include_str!("migrations/0020_console.sql")),
    (21, include_str!("migrations/0021_calls.sql")),
];

impl From<sqlx::Error> for Error {
    fn from(e: sqlx::Error) -> Self {
        match e {
            sqlx::Error::RowNotFound => Error::NotFound,
            sqlx::Error::Database(db)
                if db.is_unique_violation() || db.is_foreign_key_violation() =>
            {
                Error::Conflict(db.message().to_owned())
            }
            sqlx::Error::Io(_)
            | sqlx::Error::PoolTimedOut
            | sqlx::Error::PoolClosed
            | sqlx::Error::Tls(_) => Error::Unavailable(e.to_string()),
            other => Error::Other(other.to_string()),
        }
    }
}

/// The PostgreSQL store. Cheap to clone.
#[derive(Clone)]
pub struct PgStore {
    pool: PgPool,
    crypt: std::sync::Arc<crate::crypt::Crypt>,
}

impl PgStore {
    /// Connects (`postgres://…`; a `search_path` may be given with
    /// `?options=-csearch_path%3Dname`) and runs migrations.
    pub async fn connect(url: &str, max_connections: u32) -> Result<Self> {
        Self::connect_encrypted(url, max_connections, crate::KeyRing::plaintext()).await
    }

    /// Like [`PgStore::connect`], with the key ring that encrypts customer data at rest.
    pub async fn connect_encrypted(
        url: &str,
        max_connections: u32,
        keys: crate::KeyRing,
    ) -> Result<Self> {
        let opts = PgConnectOptions::from_str(url).map_err(|e| Error::Other(e.to_string()))?;
        let pool = PgPoolOptions::new()
            .max_connections(max_connections.max(2))
            .acquire_timeout(std::time::Duration::from_secs(10))
            .connect_with(opts)
            .await?;
        let store = Self {
            pool,
            crypt: std::sync::Arc::new(crate::crypt::Crypt::new(keys)),
        };
        store.migrate().await?;
        Ok(store)
    }

    async fn migrate(&self) -> Result<()> {
        let mut tx = self.pool.begin().await?;
        // One node migrates at a time.
        sqlx::query("SELECT pg_advisory_xact_lock(7405221)")
            .execute(&mut *tx)
            .await?;
        sqlx::query(
            "CREATE TABLE IF NOT EXISTS schema_migrations (version BIGINT PRIMARY KEY, applied_at TIMESTAMPTZ NOT NULL DEFAULT now())",
        )
        .execute(&mut *tx)
        .await?;
        for (version, sql) in MIGRATIONS {
            let done: bool = sqlx::query_scalar(
                "SELECT EXISTS(SELECT 1 FROM schema_migrations WHERE version = $1)",
            )
            .bind(version)
            .fetch_one(&mut *tx)
            .await?;
            if !done {
                sqlx::raw_sql(sql).execute(&mut *tx).await?;
                sqlx::query("INSERT INTO schema_migrations (version) VALUES ($1)")
                    .bind(version)
                    .execute(&mut *tx)
                    .await?;
                tracing::info!(version, "Applied PostgreSQL migration.");
            }
        }
        tx.commit().await?;
        Ok(())
    }

    pub(crate) fn pool(&self) -> &PgPool {
        &self.pool
    }
}

#[async_trait::async_trait]
impl crate::crypt::KeyTable for PgStore {
    fn crypt(&self) -> &crate::crypt::Crypt {
        &self.crypt
    }

    async fn load_key(&self, account: &str) -> Result<Option<Vec<u8>>> {
        Ok(
            sqlx::query_scalar("SELECT wrapped FROM account_keys WHERE account_sid = $1")
                .bind(account)
                .fetch_optional(&self.pool)
                .await?,
        )
    }

    async fn create_key(&self, account: &str, wrapped: Vec<u8>) -> Result<Option<Vec<u8>>> {
        sqlx::query(
            "INSERT INTO account_keys (account_sid, wrapped) SELECT $1, $2 \
             WHERE NOT EXISTS (SELECT 1 FROM accounts WHERE sid = $1 AND status = 'closed') \
             ON CONFLICT (account_sid) DO NOTHING",
        )
        .bind(account)
        .bind(wrapped)
        .execute(&self.pool)
        .await?;
        self.load_key(account).await
    }
}

/// Test support: a fresh schema per test run on a shared server.
#[cfg(feature = "testing")]
pub mod testing {
    use super::*;

    /// A schema that is dropped when this is dropped (best effort).
    pub struct FreshSchema {
        pub url: String,
        base: String,
        name: String,
    }

    impl FreshSchema {
        /// Creates `sbtest_<random>` on the server at `base_url` and returns a URL whose connections use it.
        pub async fn create(base_url: &str) -> Result<Self> {
            let name = format!("sbtest_{}", hex::encode(rand::random::<[u8; 6]>()));
            let pool = PgPool::connect(base_url).await?;
            sqlx::query(&format!("CREATE SCHEMA {name}"))
                .execute(&pool)
                .await?;
            pool.close().await;
            let sep = if base_url.contains('?') { '&' } else { '?' };
            Ok(Self {
                url: format!("{base_url}{sep}options=-csearch_path%3D{name}"),
                base: base_url.to_owned(),
                name,
            })
        }

        /// Runs `sql` in this schema and returns its first column as text,
        /// so tests can look at what the nodes left in the shared store.
        pub async fn strings(&self, sql: &str) -> Result<Vec<String>> {
            let pool = PgPool::connect(&self.url).await?;
            let rows = sqlx::query(sql).fetch_all(&pool).await?;
            pool.close().await;
            let mut out = Vec::with_capacity(rows.len());
            for r in rows {
                out.push(sqlx::Row::try_get::<String, _>(&r, 0)?);
            }
            Ok(out)
        }
    }

    impl Drop for FreshSchema {
        fn drop(&mut self) {
            let (base, name) = (self.base.clone(), self.name.clone());
            // Drop from a separate thread with its own runtime: Drop cannot be async.
            let _ = std::thread::spawn(move || {
                let rt = tokio::runtime::Builder::new_current_thread()
                    .enable_all()
                    .build();
                if let Ok(rt) = rt {
                    rt.block_on(async {
                        if let Ok(pool) = PgPool::connect(&base).await {
                            let _ = sqlx::query(&format!("DROP SCHEMA {name} CASCADE"))
                                .execute(&pool)
                                .await;
                        }
                    });
                }
            })
            .join();
        }
    }
}
