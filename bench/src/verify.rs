//! `verify-pairs`: Twilio Verify on the real `switchboard` binary — verification starts
//! whose code travels as an SMS over SMPP to a simulator embedded here, read there, and
//! checked (approved) — as pairs per second, with start, delivery and check latencies.
//! Closed loop: `C` users at a time, each start → wait for the text → check. Reports
//! figures; asserts nothing. See bench/README.md.

#[allow(dead_code)]
mod prom;
#[allow(dead_code)]
mod server;
#[allow(dead_code)]
mod stats;

use std::collections::HashMap;
use std::path::PathBuf;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use anyhow::{bail, Context, Result};
use clap::Parser;
use rand::Rng;
use switchboard_smsc::{Smsc, SmscConfig, SubmitSeen};
use tokio::sync::{mpsc, oneshot};
use tokio_util::sync::CancellationToken;

use crate::server::Server;
use crate::stats::{ms, summarize, LatencySummary};

#[derive(Parser, Debug)]
#[command(
    name = "verify-pairs",
    about = "Verify start + check pairs per second, end to end"
)]
struct Args {
    /// Server binary (default: target/release/switchboard, or SWITCHBOARD_BENCH_BIN).
    #[arg(
        long,
        env = "SWITCHBOARD_BENCH_BIN",
        default_value = "target/release/switchboard"
    )]
    bin: PathBuf,
    /// Pairs per level.
    #[arg(long, default_value_t = 20_000)]
    pairs: usize,
    /// Users at a time (closed loop), comma-separated levels.
    #[arg(long, default_value = "16,64,256", value_delimiter = ',')]
    concurrency: Vec<usize>,
    /// Extra server environment (`K=V`), repeatable.
    #[arg(long = "env", value_parser = parse_kv)]
    env_overrides: Vec<(String, String)>,
}

fn parse_kv(s: &str) -> std::result::Result<(String, String), String> {
    s.split_once('=')
        .map(|(k, v)| (k.to_owned(), v.to_owned()))
        .ok_or_else(|| format!("expected K=V, got {s}"))
}

/// Texts awaited, by destination digits.
type Waiting = Arc<Mutex<HashMap<String, oneshot::Sender<String>>>>;

#[derive(Default)]
struct Samples {
    start: Vec<u64>,
    sms: Vec<u64>,
    check: Vec<u64>,
    errors: usize,
    first_error: Option<String>,
}

struct Ctx {
    http: reqwest::Client,
    base: String,
    sid: String,
    token: String,
    service: String,
    waiting: Waiting,
}

/// A random Italian mobile number (the fraud guard's default countries include IT).
fn number() -> String {
    let mut r = rand::thread_rng();
    let range = [
        320, 324, 328, 331, 333, 338, 340, 347, 349, 360, 366, 380, 388, 392,
    ][r.gen_range(0..14)];
    format!("+39{range}{:07}", r.gen_range(0..10_000_000u32))
}

async fn one_pair(c: &Ctx, s: &Mutex<Samples>) -> Result<()> {
    let to = number();
    let (tx, rx) = oneshot::channel();
    if let Ok(mut w) = c.waiting.lock() {
        w.insert(to.trim_start_matches('+').to_owned(), tx);
    }
    let t0 = Instant::now();
    let r = c
        .http
        .post(format!(
            "{}/v2/Services/{}/Verifications",
            c.base, c.service
        ))
        .basic_auth(&c.sid, Some(&c.token))
        .form(&[("To", to.as_str()), ("Channel", "sms")])
        .send()
        .await?;
    if r.status() != 201 {
        bail!(
            "start: {} {}",
            r.status(),
            r.text().await.unwrap_or_default()
        );
    }
    let t1 = Instant::now();
    let text = tokio::time::timeout(Duration::from_secs(30), rx)
        .await
        .context("no SMS within 30 s")??;
    let t2 = Instant::now();
    let code: String = text.rsplit(' ').next().unwrap_or_default().to_owned();
    let r = c
        .http
        .post(format!(
            "{}/v2/Services/{}/VerificationCheck",
            c.base, c.service
        ))
        .basic_auth(&c.sid, Some(&c.token))
        .form(&[("To", to.as_str()), ("Code", code.as_str())])
        .send()
        .await?;
    let ok = r.status() == 201 && r.json::<serde_json::Value>().await?["status"] == "approved";
    let t3 = Instant::now();
    if !ok {
        bail!("check of {code} for {to} was not approved");
    }
    if let Ok(mut s) = s.lock() {
        s.start.push((t1 - t0).as_micros() as u64);
        s.sms.push((t2 - t1).as_micros() as u64);
        s.check.push((t3 - t2).as_micros() as u64);
    }
    Ok(())
}

async fn level(args: &Args, concurrency: usize) -> Result<()> {
    let dir = tempfile::Builder::new().prefix("sb-verify-").tempdir()?;
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
            let tx = w
                .lock()
                .ok()
                .and_then(|mut m| m.remove(s.dest.trim_start_matches('+')));
            if let Some(tx) = tx {
                let _ = tx.send(s.text);
            }
        }
    });
    let config = dir.path().join("switchboard.toml");
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
    let mut server = Server::spawn(&args.bin, dir.path(), &env)?;
    let ready = server.wait_ready(Duration::from_secs(30)).await?;
    let base = format!("http://{}", ready.addr);
    let http = reqwest::Client::new();
    let deadline = Instant::now() + Duration::from_secs(30);
    while prom::smpp_bound(
        &http
            .get(format!("{base}/metrics"))
            .send()
            .await?
            .text()
            .await?,
    )
    .unwrap_or(0.0)
        < 1.0
    {
        if Instant::now() > deadline {
            bail!(
                "the server did not bind to the simulator\n{}",
                server.log_hint()
            );
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    let svc: serde_json::Value = http
        .post(format!("{base}/v2/Services"))
        .basic_auth(&ready.account_sid, Some(&ready.auth_token))
        .form(&[("FriendlyName", "Bench")])
        .send()
        .await?
        .json()
        .await?;
    let ctx = Arc::new(Ctx {
        http,
        base,
        sid: ready.account_sid.clone(),
        token: ready.auth_token.clone(),
        service: svc["sid"].as_str().context("service sid")?.to_owned(),
        waiting,
    });
    let samples = Arc::new(Mutex::new(Samples::default()));
    let next = Arc::new(AtomicUsize::new(0));
    let started = Instant::now();
    let mut tasks = Vec::new();
    for _ in 0..concurrency {
        let (ctx, samples, next, total) = (ctx.clone(), samples.clone(), next.clone(), args.pairs);
        tasks.push(tokio::spawn(async move {
            while next.fetch_add(1, Ordering::Relaxed) < total {
                if let Err(e) = one_pair(&ctx, &samples).await {
                    if let Ok(mut s) = samples.lock() {
                        s.errors += 1;
                        s.first_error.get_or_insert_with(|| e.to_string());
                    }
                }
            }
        }));
    }
    for t in tasks {
        t.await?;
    }
    let elapsed = started.elapsed().as_secs_f64();
    let s = std::mem::take(&mut *samples.lock().map_err(|_| anyhow::anyhow!("poisoned"))?);
    let pairs = s.check.len();
    println!(
        "concurrency {concurrency:>4}: {:>7.0} pairs/s ({pairs} approved, {} errors, {elapsed:.1} s)",
        pairs as f64 / elapsed,
        s.errors
    );
    let show = |name: &str, l: Option<LatencySummary>| {
        if let Some(l) = l {
            println!(
                "    {name:<6} p50 {:>7.2} ms  p90 {:>7.2} ms  p99 {:>7.2} ms  max {:>8.2} ms",
                ms(l.p50),
                ms(l.p90),
                ms(l.p99),
                ms(l.max)
            );
        }
    };
    show("start", summarize(s.start));
    show("sms", summarize(s.sms));
    show("check", summarize(s.check));
    if let Some(e) = s.first_error {
        println!("    first error: {e}");
    }
    server.shutdown(Duration::from_secs(10)).await;
    stop.cancel();
    Ok(())
}

#[tokio::main]
async fn main() -> Result<()> {
    let args = Args::parse();
    let cores = std::thread::available_parallelism().map_or(0, |n| n.get());
    println!(
        "verify-pairs: {} pairs per level, {cores} cores, server {}",
        args.pairs,
        args.bin.display()
    );
    for &c in &args.concurrency {
        level(&args, c).await?;
    }
    Ok(())
}
