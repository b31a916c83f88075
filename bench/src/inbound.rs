//! `inbound`: the two-way path of the real `switchboard` binary, end to end:
//! MO `deliver_sm` (our SMSC simulator, embedded here) → inbound message
//! stored → webhook to a local receiver answering TwiML → `outbound-reply`
//! queued → `submit_sm` back to the simulator.
//!
//! Each conversation is one MO from its own phone number; its latency is from
//! the moment the MO is handed to the simulator until the reply's `submit_sm`
//! arrives there (the simulator reports accepted submits to this process).
//! For each concurrency level, `C` conversations are kept open (closed loop)
//! until `--conversations` are done. It reports figures; it asserts nothing.
//! See bench/README.md.

#[allow(dead_code)]
mod prom;
#[allow(dead_code)]
mod server;
#[allow(dead_code)]
mod smpp;
#[allow(dead_code)]
mod stats;

use std::collections::HashMap;
use std::path::PathBuf;
use std::process::ExitCode;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use anyhow::{bail, Context, Result};
use clap::Parser;
use switchboard_smsc::{Smsc, SmscConfig, SubmitSeen};
use tokio::sync::{mpsc, oneshot};
use tokio_util::sync::CancellationToken;

use crate::server::{describe, Server};
use crate::smpp::cpu::CpuMeter;
use crate::stats::{ms, summarize};

const NUMBER: &str = "+15550300000";
const TWIML: &str = "<Response><Message>Thanks, you are confirmed.</Message></Response>";

#[derive(Parser, Debug)]
#[command(
    name = "inbound",
    about = "MO → webhook → TwiML → reply submit, end to end"
)]
struct Args {
    /// Server binary (default: target/release/switchboard, or SWITCHBOARD_BENCH_BIN).
    #[arg(
        long,
        env = "SWITCHBOARD_BENCH_BIN",
        default_value = "target/release/switchboard"
    )]
    bin: PathBuf,
    /// Conversations per level.
    #[arg(long, default_value_t = 20_000)]
    conversations: usize,
    /// Open conversations (closed loop), comma-separated levels.
    #[arg(long, default_value = "8,64,256", value_delimiter = ',')]
    concurrency: Vec<usize>,
    /// Give up waiting for a reply after this many seconds.
    #[arg(long, default_value_t = 60)]
    timeout: u64,
    /// Extra server environment (`K=V`), repeatable.
    #[arg(long = "env", value_parser = parse_kv)]
    env_overrides: Vec<(String, String)>,
    /// Keep the temp dir (data, logs).
    #[arg(long)]
    keep_tmp: bool,
}

fn parse_kv(s: &str) -> std::result::Result<(String, String), String> {
    s.split_once('=')
        .map(|(k, v)| (k.to_owned(), v.to_owned()))
        .ok_or_else(|| format!("expected K=V, got {s}"))
}

/// Replies still awaited, by the phone number that sent the MO.
type Waiting = Arc<Mutex<HashMap<String, oneshot::Sender<Instant>>>>;

struct Level {
    concurrency: usize,
    done: usize,
    lost: usize,
    secs: f64,
    p50: f64,
    p90: f64,
    p99: f64,
    max: f64,
    server_cpu: Option<f64>,
    bench_cpu: Option<f64>,
    shutdown: String,
}

/// A local webhook receiver answering every request with `TWIML`.
async fn receiver() -> Result<std::net::SocketAddr> {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await?;
    let addr = listener.local_addr()?;
    let app = axum::Router::new().fallback(|| async { ([("content-type", "text/xml")], TWIML) });
    tokio::spawn(async move {
        let _ = axum::serve(listener, app).await;
    });
    Ok(addr)
}

async fn level(args: &Args, concurrency: usize) -> Result<Level> {
    let tmp = tempfile::Builder::new().prefix("sb-inbound-").tempdir()?;
    let dir = if args.keep_tmp {
        tmp.keep()
    } else {
        tmp.path().to_path_buf()
    };
    let stop = CancellationToken::new();
    let (seen_tx, mut seen_rx) = mpsc::unbounded_channel::<SubmitSeen>();
    let smsc = Smsc::start(
        SmscConfig {
            bind: "127.0.0.1:0".parse()?,
            control_bind: None,
            credentials: None,
            receipt_delay: Duration::ZERO,
            rules: Vec::new(),
            submit_log: None,
            submit_observer: Some(seen_tx),
        },
        stop.clone(),
    )
    .await?;
    let waiting: Waiting = Arc::default();
    let w = waiting.clone();
    tokio::spawn(async move {
        while let Some(s) = seen_rx.recv().await {
            let tx = w.lock().ok().and_then(|mut m| m.remove(&s.dest));
            if let Some(tx) = tx {
                let _ = tx.send(s.at);
            }
        }
    });
    let hook = receiver().await?;
    let config = dir.join("switchboard.toml");
    std::fs::write(
        &config,
        format!(
            "[[carriers]]\nname = \"sim\"\nhost = \"127.0.0.1\"\nport = {}\nsystem_id = \"bench\"\n\
             password = \"bench\"\nwindow = 100\nmax_tps = 0\nroutes = [\"*\"]\n",
            smsc.smpp_addr.port()
        ),
    )?;
    let mut env = vec![(
        "SWITCHBOARD_CONFIG".to_owned(),
        config.display().to_string(),
    )];
    env.extend(args.env_overrides.iter().cloned());
    let mut server = Server::spawn(&args.bin, &dir, &env)?;
    let ready = server.wait_ready(Duration::from_secs(30)).await?;
    let base = format!("http://{}", ready.addr);
    let http = reqwest::Client::new();
    let r = http
        .post(format!(
            "{base}/2010-04-01/Accounts/{}/IncomingPhoneNumbers.json",
            ready.account_sid
        ))
        .basic_auth(&ready.account_sid, Some(&ready.auth_token))
        .form(&[
            ("PhoneNumber", NUMBER),
            ("SmsUrl", &format!("http://{hook}/sms")),
        ])
        .send()
        .await?;
    if r.status() != 201 {
        bail!(
            "registering {NUMBER} failed: {}",
            r.text().await.unwrap_or_default()
        );
    }
    let deadline = Instant::now() + Duration::from_secs(30);
    loop {
        let text = http
            .get(format!("{base}/metrics"))
            .send()
            .await?
            .text()
            .await?;
        if prom::smpp_bound(&text).unwrap_or(0.0) >= 1.0 {
            break;
        }
        if Instant::now() > deadline {
            bail!(
                "the server did not bind to the simulator\n{}",
                server.log_hint()
            );
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }

    eprintln!(
        "inbound: concurrency {concurrency}, {} conversations",
        args.conversations
    );
    let smsc = Arc::new(smsc);
    let next = Arc::new(std::sync::atomic::AtomicUsize::new(0));
    let server_cpu = CpuMeter::start(Some(server.pid));
    let bench_cpu = CpuMeter::start(None);
    let started = Instant::now();
    let mut lanes = tokio::task::JoinSet::new();
    for _ in 0..concurrency {
        let (smsc, next, waiting) = (smsc.clone(), next.clone(), waiting.clone());
        let (total, timeout) = (args.conversations, Duration::from_secs(args.timeout));
        lanes.spawn(async move {
            let mut lat = Vec::new();
            let mut lost = 0usize;
            loop {
                let i = next.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
                if i >= total {
                    break;
                }
                let phone = format!("1556{i:07}");
                let (tx, rx) = oneshot::channel();
                if let Ok(mut m) = waiting.lock() {
                    m.insert(phone.clone(), tx);
                }
                let t0 = Instant::now();
                smsc.inject_mo(&format!("+{phone}"), NUMBER, "1");
                match tokio::time::timeout(timeout, rx).await {
                    Ok(Ok(at)) => lat
                        .push(u64::try_from(at.duration_since(t0).as_micros()).unwrap_or(u64::MAX)),
                    _ => lost += 1,
                }
            }
            (lat, lost)
        });
    }
    let mut all = Vec::new();
    let mut lost = 0;
    while let Some(r) = lanes.join_next().await {
        let (lat, l) = r.context("lane")?;
        all.extend(lat);
        lost += l;
    }
    let secs = started.elapsed().as_secs_f64();
    let (server_cpu, bench_cpu) = (server_cpu.share(secs), bench_cpu.share(secs));
    let done = all.len();
    let s = summarize(all).context("no conversation completed")?;
    let shutdown = server.shutdown(Duration::from_secs(10)).await;
    stop.cancel();
    Ok(Level {
        concurrency,
        done,
        lost,
        secs,
        p50: ms(s.p50),
        p90: ms(s.p90),
        p99: ms(s.p99),
        max: ms(s.max),
        server_cpu,
        bench_cpu,
        shutdown: shutdown
            .status
            .as_ref()
            .map_or(shutdown.note.clone(), describe),
    })
}

fn pct(v: Option<f64>) -> String {
    v.map_or("n/a".into(), |v| format!("{:.0}%", v * 100.0))
}

#[tokio::main]
async fn main() -> ExitCode {
    let args = Args::parse();
    let mut rows = Vec::new();
    for &c in &args.concurrency {
        match level(&args, c).await {
            Ok(l) => rows.push(l),
            Err(e) => {
                eprintln!("inbound: level {c} failed: {e:#}");
                return ExitCode::FAILURE;
            }
        }
    }
    let (cpus, model) = crate::smpp::machine();
    println!("inbound: MO deliver_sm → webhook → TwiML → reply submit_sm ({cpus} CPUs, {model})");
    println!(
        "{:>6} {:>8} {:>6} {:>10} {:>8} {:>8} {:>8} {:>8} {:>8} {:>8}  shutdown",
        "conc",
        "done",
        "lost",
        "conv/s",
        "p50 ms",
        "p90 ms",
        "p99 ms",
        "max ms",
        "srv cpu",
        "bench"
    );
    for l in &rows {
        println!(
            "{:>6} {:>8} {:>6} {:>10.0} {:>8.1} {:>8.1} {:>8.1} {:>8.1} {:>8} {:>8}  {}",
            l.concurrency,
            l.done,
            l.lost,
            l.done as f64 / l.secs,
            l.p50,
            l.p90,
            l.p99,
            l.max,
            pct(l.server_cpu),
            pct(l.bench_cpu),
            l.shutdown
        );
    }
    println!("target: >= 2,000 conversations/s with p99 < 50 ms");
    ExitCode::SUCCESS
}
