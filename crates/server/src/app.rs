//! `App::build` wires everything and binds the listener (port 0 works, tests
//! read the bound address); `run_until_stopped` serves until the shutdown token
//! fires, then stops taking requests and finishes claimed work.

use crate::config::{Database, Settings};
use crate::{secrets, wiring};
use anyhow::Context;
use std::net::SocketAddr;
use std::path::PathBuf;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use switchboard_api::AppState;
use switchboard_core::delivery::Pipeline;
use switchboard_core::Core;
use switchboard_domain::clock::{Clock, SystemClock};
use switchboard_store::sqlite::Synchronous;
use switchboard_store::{PgStore, SqliteStore, Store};
use tokio::task::JoinHandle;
use tokio_util::sync::CancellationToken;

pub struct App {
    pub http_addr: SocketAddr,
    pub core: Core,
    pub settings: Settings,
    shutdown: CancellationToken,
    server: JoinHandle<std::io::Result<()>>,
    pipeline: Pipeline,
    webhooks: JoinHandle<()>,
    voice: JoinHandle<()>,
}

/// Opens the configured store (SQLite file or PostgreSQL) and runs its migrations.
/// Customer data is encrypted at rest under the master key (`[security] encrypt_at_rest`).
pub async fn open_store(settings: &Settings) -> anyhow::Result<Arc<dyn Store>> {
    let keys = secrets::master_key(settings)?.key_ring(settings.security.encrypt_at_rest);
    match settings.database()? {
        Database::Sqlite(path) => {
            if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
                std::fs::create_dir_all(dir)
                    .with_context(|| format!("cannot create the directory {}", dir.display()))?;
            }
            let sync = if settings.database.synchronous == "normal" {
                Synchronous::Normal
            } else {
                Synchronous::Full
            };
            let store = SqliteStore::open_encrypted(&path, sync, keys)
                .with_context(|| format!("cannot open the SQLite database {}", path.display()))?;
            Ok(Arc::new(store))
        }
        Database::Postgres(url) => {
            let store = PgStore::connect_encrypted(&url, settings.database.max_connections, keys)
                .await
                .context("cannot connect to PostgreSQL (database.url)")?;
            Ok(Arc::new(store))
        }
    }
}

/// Builds the use cases over an opened store; with `screen`, the smishing shield (when
/// `[shield] enabled`) screens messages — one-shot admin commands, which send nothing, skip
/// building it.
pub fn core(settings: &Settings, store: Arc<dyn Store>, screen: bool) -> anyhow::Result<Core> {
    let key = secrets::master_key(settings)?;
    let clock: Arc<dyn Clock> = Arc::new(SystemClock);
    let policy = switchboard_core::messages::SenderPolicy {
        test_sender: Some(settings.messaging.test_sender.clone()).filter(|s| !s.is_empty()),
        alphanumeric: settings.messaging.alphanumeric_senders,
        schedule_min_secs: settings.messaging.schedule_min_secs,
        schedule_max_secs: settings.messaging.schedule_max_secs,
        sender_rates: wiring::sender_rates(settings),
        max_queue_secs: settings.shaping.max_queue_secs,
    };
    let shield = if screen && settings.shield.enabled {
        Some(Arc::new(switchboard_core::shield::Screening::new(
            settings.shield.build()?,
            store.clone(),
            clock.clone(),
            switchboard_core::shield::ShieldPolicy {
                outbound: settings.shield.outbound,
                inbound: settings.shield.inbound,
            },
        )))
    } else {
        None
    };
    Ok(Core::new(
        store,
        clock,
        key,
        policy,
        shield,
        settings.verify.policy()?,
    ))
}

impl App {
    pub async fn build(settings: Settings) -> anyhow::Result<App> {
        std::fs::create_dir_all(&settings.data_dir).with_context(|| {
            format!(
                "cannot create the data directory {}",
                settings.data_dir.display()
            )
        })?;
        // Metrics first: gauges set while carriers bind must not be lost.
        let _ = switchboard_api::ops::prometheus();
        let store = open_store(&settings).await?;
        let core = core(&settings, store.clone(), true)?;
        let recovered = store.recover_leases(core.clock.now_millis()).await?;
        if recovered > 0 {
            tracing::info!(recovered, "Released delivery leases held before a restart.");
        }
        bootstrap_account(&settings, &core).await?;

        let shutdown = CancellationToken::new();
        let (receipts_tx, receipts_rx) = tokio::sync::mpsc::channel(16 * 1024);
        let carrier = crate::carriers::start(&settings, receipts_tx, shutdown.clone()).await?;
        let wakes = switchboard_core::delivery::Wakes {
            queued: core.messages.queued.clone(),
            webhooks: Arc::new(tokio::sync::Notify::new()),
        };
        let pipeline = Pipeline::start(
            store,
            carrier,
            core.clock.clone(),
            wiring::pipeline_shaped(
                &settings.pipeline,
                wiring::sender_rates(&settings),
                core.shield.clone(),
            ),
            wakes.clone(),
            receipts_rx,
            shutdown.clone(),
        );

        let client = switchboard_api::webhook_client::HttpWebhookClient::new(
            wiring::address_policy(&settings.webhooks)?,
        )
        .context("cannot build the webhook HTTP client")?;
        let client: Arc<dyn switchboard_core::webhooks::WebhookClient> = Arc::new(client);
        let dispatcher = switchboard_core::webhooks::dispatch::Dispatcher::new(
            core.store.clone(),
            core.clock.clone(),
            core.accounts.clone(),
            client.clone(),
            wiring::webhooks(&settings.webhooks),
            wakes,
            core.shield.clone(),
        );
        let webhooks = tokio::spawn(dispatcher.run(shutdown.clone()));
        let voice = crate::voice::start(&settings, &core, client, shutdown.clone()).await?;

        let listener = tokio::net::TcpListener::bind(&settings.http.bind)
            .await
            .with_context(|| format!("cannot listen on {} (http.bind)", settings.http.bind))?;
        let http_addr = listener.local_addr()?;
        let ready = Arc::new(AtomicBool::new(false));
        let core = if settings.console.enabled {
            let console = settings.console.build(http_addr.port())?;
            tracing::info!(origin = %console.origin, "Console at {}/console.", console.origin);
            core.with_console(console)
        } else {
            core
        };
        let api = switchboard_api::router(
            AppState::new(core.clone(), ready.clone())
                .with_public_url(&settings.public_url)
                .with_account_rate(
                    settings.http.account_rate_per_sec,
                    settings.http.account_burst,
                ),
        );
        let router = if settings.console.enabled {
            switchboard_console::router(core.clone()).merge(api)
        } else {
            api
        };
        let stop = shutdown.clone();
        let server = tokio::spawn(async move {
            axum::serve(listener, router)
                .with_graceful_shutdown(async move { stop.cancelled().await })
                .await
        });
        ready.store(true, Ordering::Release);
        tracing::info!(addr = %http_addr, "HTTP API listening.");
        Ok(App {
            http_addr,
            core,
            settings,
            shutdown,
            server,
            pipeline,
            webhooks,
            voice,
        })
    }

    /// Cancelling this token stops the app gracefully.
    pub fn shutdown_token(&self) -> CancellationToken {
        self.shutdown.clone()
    }

    pub async fn run_until_stopped(self) -> anyhow::Result<()> {
        self.shutdown.cancelled().await;
        tracing::info!("Shutting down: no new requests, finishing claimed work.");
        let served = self.server.await;
        self.pipeline.join().await;
        if let Err(e) = self.webhooks.await {
            tracing::warn!(error = %e, "The webhook dispatcher ended abnormally.");
        }
        if let Err(e) = self.voice.await {
            tracing::warn!(error = %e, "The voice engine ended abnormally.");
        }
        served.context("HTTP server task failed")??;
        tracing::info!("Stopped.");
        Ok(())
    }
}

/// On first start with an empty store, creates one account and writes its
/// credentials to `<data_dir>/credentials.json` (mode 0600).
async fn bootstrap_account(settings: &Settings, core: &Core) -> anyhow::Result<Option<PathBuf>> {
    if core.store.count_accounts().await? > 0 {
        return Ok(None);
    }
    let created = core.accounts.create_account("Default account").await?;
    let event =
        switchboard_core::audit::AuditEvent::new(switchboard_core::audit::SYSTEM, "account.create")
            .account(&created.sid)
            .target(created.sid.as_str())
            .details(r#"{"bootstrap":true}"#);
    core.audit.record(event).await?;
    let path = settings.data_dir.join("credentials.json");
    let json = serde_json::json!({
        "account_sid": created.sid.as_str(),
        "auth_token": created.secret,
    });
    secrets::write_private(&path, format!("{json:#}\n").as_bytes())?;
    tracing::info!(account_sid = %created.sid, path = %path.display(), "Created the first account; its credentials are in the file named here.");
    Ok(Some(path))
}
