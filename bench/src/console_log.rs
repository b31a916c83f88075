//! Console page load with a large store: the server time of the message log (first page,
//! filtered by `To`, an older page) and of a message's detail page, with `--messages`
//! messages (default 1,000,000) in one account. In-process: the console router over a
//! SQLite store (encrypted as `serve` opens it), called without a network, so the figures
//! are the handler's own time (session lookup, store query, decryption, rendering).
//! Seeding goes through the store API (so rows are encrypted and indexed exactly as in
//! production); a seeded database can be kept and reused with `--db`.
//!
//!   bench/run-console --messages 1000000 --requests 2000

use axum::body::Body;
use axum::http::{header, Request, StatusCode};
use clap::Parser;
use std::sync::Arc;
use std::time::Instant;
use switchboard_core::console::ConsoleSettings;
use switchboard_core::Core;
use switchboard_domain::clock::{Clock, SystemClock};
use switchboard_domain::ids::{AccountSid, MessageSid};
use switchboard_domain::message::{Direction, MessageStatus};
use switchboard_store::{realm, NewMessage, Store};
use switchboard_testkit::soft_authenticator::SoftAuthenticator;
use tower::ServiceExt;

#[derive(Parser, Debug)]
struct Args {
    /// Messages to seed into the account.
    #[arg(long, default_value_t = 1_000_000)]
    messages: u64,
    /// Requests per measured page.
    #[arg(long, default_value_t = 2_000)]
    requests: usize,
    /// Keep (or reuse) the seeded database in this directory.
    #[arg(long)]
    db: Option<std::path::PathBuf>,
}

const ORIGIN: &str = "http://localhost:8080";
const RECIPIENTS: u64 = 10_000;

fn number(i: u64) -> String {
    format!("+1415{:07}", 5_000_000 + i % RECIPIENTS)
}

async fn seed(
    store: &Arc<dyn Store>,
    account: &AccountSid,
    n: u64,
    now: i64,
) -> anyhow::Result<()> {
    let started = Instant::now();
    let workers = 64u64;
    let mut tasks = Vec::new();
    for w in 0..workers {
        let (store, account) = (store.clone(), account.clone());
        tasks.push(tokio::spawn(async move {
            let mut i = w;
            while i < n {
                let at = now - 30 * 86_400_000 + (i as i64 * 30 * 86_400_000) / n.max(1) as i64;
                store
                    .insert_message(NewMessage {
                        sid: MessageSid::generate_at(at),
                        account_sid: account.clone(),
                        direction: Direction::OutboundApi,
                        status: if i % 20 == 0 { MessageStatus::Undelivered } else { MessageStatus::Delivered },
                        to: number(i),
                        from: "+15005550006".into(),
                        body: format!("Reminder {i}: your appointment is tomorrow at 10:00. Reply C to confirm."),
                        num_segments: 1,
                        media_urls: Vec::new(),
                        encoding: "GSM".into(),
                        messaging_service_sid: None,
                        status_callback: None,
                        validity_secs: None,
                        now: at,
                        due_at: at,
                        error_code: None,
                        error_message: None,
                        shield: None,
                    })
                    .await?;
                i += workers;
            }
            anyhow::Ok(())
        }));
    }
    for t in tasks {
        t.await??;
    }
    eprintln!(
        "seeded {n} messages in {:.1} s",
        started.elapsed().as_secs_f64()
    );
    Ok(())
}

fn pct(sorted: &[f64], p: f64) -> f64 {
    if sorted.is_empty() {
        return 0.0;
    }
    let i = ((sorted.len() as f64 - 1.0) * p).round() as usize;
    sorted[i.min(sorted.len() - 1)]
}

async fn measure(
    router: &axum::Router,
    cookie: &str,
    path: &str,
    n: usize,
) -> anyhow::Result<Vec<f64>> {
    let mut ms = Vec::with_capacity(n);
    for _ in 0..n {
        let req = Request::get(path)
            .header(header::COOKIE, cookie)
            .body(Body::empty())?;
        let t = Instant::now();
        let r = router.clone().oneshot(req).await?;
        let body = axum::body::to_bytes(r.into_body(), usize::MAX).await?;
        ms.push(t.elapsed().as_secs_f64() * 1e3);
        anyhow::ensure!(!body.is_empty(), "{path}: empty page");
    }
    ms.sort_by(f64::total_cmp);
    Ok(ms)
}

#[tokio::main(flavor = "multi_thread", worker_threads = 2)]
async fn main() -> anyhow::Result<()> {
    let args = Args::parse();
    let tmp = tempfile::tempdir()?;
    let dir = args.db.clone().unwrap_or_else(|| tmp.path().to_owned());
    std::fs::create_dir_all(&dir)?;
    // Opened exactly as `serve` opens its default store: SQLite in the data directory, the
    // master key from `<data_dir>/master.key`.
    let settings = switchboard_server::Settings {
        data_dir: dir.clone(),
        ..Default::default()
    };
    let key = switchboard_server::secrets::master_key(&settings)?;
    let store = switchboard_server::app::open_store(&settings).await?;
    let clock: Arc<dyn Clock> = Arc::new(SystemClock);
    let core = Core::new(
        store.clone(),
        clock.clone(),
        key,
        switchboard_core::messages::SenderPolicy::default(),
        None,
        switchboard_core::verify::VerifyPolicy::default(),
    )
    .with_console(ConsoleSettings::for_origin(ORIGIN).map_err(anyhow::Error::msg)?);
    let account_file = dir.join("account.txt");
    let account = match std::fs::read_to_string(&account_file) {
        Ok(s) => AccountSid::parse(s.trim()).map_err(|e| anyhow::anyhow!("{e}"))?,
        Err(_) => {
            let a = core.accounts.create_account("Bench").await?.sid;
            seed(&store, &a, args.messages, clock.now_millis()).await?;
            std::fs::write(&account_file, a.as_str())?;
            a
        }
    };
    // An owner signs in with a (software) passkey, as the browser would.
    let (token, _) = core
        .console
        .create_invite(
            realm::CONSOLE,
            Some(account.clone()),
            "owner",
            "Bench owner",
            "cli",
        )
        .await
        .map_err(|e| anyhow::anyhow!("{e}"))?;
    let mut key = SoftAuthenticator::new(ORIGIN);
    let started = core
        .console
        .start_invite(&token)
        .await
        .map_err(|e| anyhow::anyhow!("{e}"))?;
    let cred = key.create(&started.options).to_string();
    let signed = core
        .console
        .finish_invite(realm::CONSOLE, cred.as_bytes())
        .await
        .map_err(|e| anyhow::anyhow!("{e}"))?;
    let cookie = format!("sb_console={}", signed.token);
    let router = switchboard_console::router(core.clone());

    // Warm the page cache and find an older page's cursor and a message.
    let (first, _) = core.messages.list(&account, Default::default(), 50).await?;
    let before = first.last().map(|m| m.seq - 400_000).unwrap_or(1).max(1);
    let sid = first.first().map(|m| m.sid.to_string()).unwrap_or_default();
    let probe = router
        .clone()
        .oneshot(
            Request::get("/console/messages")
                .header(header::COOKIE, &cookie)
                .body(Body::empty())?,
        )
        .await?;
    anyhow::ensure!(
        probe.status() == StatusCode::OK,
        "message log: {}",
        probe.status()
    );

    println!(
        "console page load, server time in-process ({} messages in the account, {} requests each)",
        args.messages, args.requests
    );
    println!(
        "{:<34} {:>8} {:>8} {:>8} {:>8}",
        "page", "p50 ms", "p90 ms", "p99 ms", "max ms"
    );
    let to = urlencode(&number(42));
    for (name, path) in [
        ("message log, first page", "/console/messages".to_owned()),
        (
            "message log, To filter",
            format!("/console/messages?to={to}"),
        ),
        (
            "message log, older page",
            format!("/console/messages?before={before}"),
        ),
        ("message detail", format!("/console/messages/{sid}")),
    ] {
        let ms = measure(&router, &cookie, &path, args.requests).await?;
        println!(
            "{:<34} {:>8.2} {:>8.2} {:>8.2} {:>8.2}",
            name,
            pct(&ms, 0.5),
            pct(&ms, 0.9),
            pct(&ms, 0.99),
            pct(&ms, 1.0)
        );
    }
    let ms = measure(&router, &cookie, "/console", 20.min(args.requests)).await?;
    println!(
        "{:<34} {:>8.2} {:>8.2} {:>8.2} {:>8.2}",
        "dashboard (24 h, 20 requests)",
        pct(&ms, 0.5),
        pct(&ms, 0.9),
        pct(&ms, 0.99),
        pct(&ms, 1.0)
    );
    Ok(())
}

fn urlencode(s: &str) -> String {
    s.replace('+', "%2B")
}
