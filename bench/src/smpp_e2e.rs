//! `smpp-e2e`: end-to-end SMS throughput of the real `switchboard` binary:
//! HTTP API → store → SMPP → node sink SMSC → delivery receipt → `delivered`.
//!
//! For each regime (receipts off / on) and window size it first measures the
//! raw SMPP ceiling on the same sink with the same window (the `smpp-blast`
//! ESME), then starts a fresh sink and a fresh server whose only carrier is
//! that sink, POSTs `--messages` messages at `--concurrency`, and waits until
//! the sink counted every submit (receipts off) or the server's queue is empty
//! (receipts on: every message delivered). It reports figures; it asserts
//! nothing. See bench/README.md.

#[allow(dead_code)] // shared with http-create
mod load;
#[allow(dead_code)]
mod prom;
#[allow(dead_code)]
mod sample;
#[allow(dead_code)]
mod server;
#[allow(dead_code)] // shared with smpp-blast
mod smpp;
#[allow(dead_code)]
mod stats;

use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

use anyhow::{anyhow, bail, Context, Result};
use clap::Parser;
use serde_json::json;

use crate::load::{post_all, LoadOutcome};
use crate::prom::{fmt_summary, sample_value, status_count, summaries, SummaryStat};
use crate::sample::Probe;
use crate::server::{describe, Server};
use crate::smpp::blast::{blast, BlastConfig};
use crate::smpp::cpu::{loadavg, CpuMeter, MachineMeter};
use crate::smpp::peer::{SmscChild, SmscCounts, SmscOptions, Target};
use crate::smpp::{
    machine, on_off, parse_kv, pct_cell, rate_cell, Programs, ReceiptsArg, DEFAULT_BIN,
    DEFAULT_SINK,
};
use crate::stats::{ms, LatencySummary};

/// The end-to-end targets (receipts on).
const TARGET_RATE: f64 = 10_000.0;
const TARGET_RATIO: f64 = 0.5;

#[derive(Parser, Debug)]
#[command(
    name = "smpp-e2e",
    about = "Measure end-to-end throughput: HTTP API → store → SMPP → node sink → receipt → delivered"
)]
struct Args {
    /// Messages POSTed per run.
    #[arg(long, default_value_t = 50_000)]
    messages: u64,
    /// Carrier window sizes to try (`window` of the `[[carriers]]` entry), comma-separated.
    #[arg(long, value_delimiter = ',', default_value = "10,100")]
    windows: Vec<usize>,
    /// Regimes: receipts on, off or both.
    #[arg(long, value_enum, default_value = "both")]
    receipts: ReceiptsArg,
    /// SMPP connections to the sink (`connections` of the carrier).
    #[arg(long, default_value_t = 1)]
    connections: usize,
    /// In-flight HTTP requests (closed-loop workers).
    #[arg(long, default_value_t = 64)]
    concurrency: usize,
    /// Messages for the raw ceiling measured before each run (0 = skip it).
    #[arg(long, default_value_t = 200_000)]
    ceiling_messages: u64,
    /// Extra server environment, e.g. `--env SWITCHBOARD_PIPELINE__BATCH_SIZE=1024` (repeatable).
    #[arg(long = "env", value_name = "K=V", value_parser = parse_kv)]
    env_overrides: Vec<(String, String)>,
    /// Extra environment for the node sink (repeatable).
    #[arg(long = "sink-env", value_name = "K=V", value_parser = parse_kv)]
    sink_env: Vec<(String, String)>,
    /// Seconds to wait, after the last POST, for the sink count / queue drain.
    #[arg(long, default_value_t = 300)]
    timeout: u64,
    /// Server binary to start (`<bin> serve --ready-file …`).
    #[arg(long, env = "SWITCHBOARD_BENCH_BIN", default_value = DEFAULT_BIN)]
    bin: PathBuf,
    /// node executable.
    #[arg(long, default_value = "node")]
    node: PathBuf,
    /// The sink script.
    #[arg(long, default_value = DEFAULT_SINK)]
    sink_script: PathBuf,
    /// Worker threads for the bench's runtime (default: one per CPU).
    #[arg(long)]
    client_threads: Option<usize>,
    /// Also write the results as JSON to this file.
    #[arg(long, value_name = "FILE")]
    json: Option<PathBuf>,
    /// Keep the temp dir (data, logs) after a successful run.
    #[arg(long)]
    keep_tmp: bool,
}

fn main() -> ExitCode {
    let args = Args::parse();
    match start(args) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("error: {e:#}");
            ExitCode::FAILURE
        }
    }
}

fn start(args: Args) -> Result<()> {
    let mut rt = tokio::runtime::Builder::new_multi_thread();
    rt.enable_all();
    if let Some(n) = args.client_threads {
        rt.worker_threads(n.max(1));
    }
    rt.build()
        .context("building tokio runtime")?
        .block_on(run(args))
}

/// Everything measured for one regime × window.
struct Run {
    receipts: bool,
    window: usize,
    ceiling: Option<Ceiling>,
    load: LoadOutcome,
    /// From the first POST.
    timeline: Timeline,
    sink: SmscCounts,
    messages: Vec<(String, f64)>,
    receipts_matched: Option<f64>,
    receipts_orphaned: Option<f64>,
    store: Vec<SummaryStat>,
    server_cpu: Option<f64>,
    sink_cpu: Option<f64>,
    bench_cpu: Option<f64>,
    other_cpu: Option<f64>,
    shutdown: String,
}

impl Run {
    /// Accepted messages / time from the first POST to the end.
    fn e2e_rate(&self) -> Option<f64> {
        let end = self.timeline.end?.as_secs_f64();
        (end > 0.0).then(|| self.load.accepted as f64 / end)
    }

    fn ratio(&self) -> Option<f64> {
        Some(self.e2e_rate()? / self.ceiling?.rate)
    }
}

/// Offsets from the first POST.
#[derive(Debug, Default, Clone, Copy)]
struct Timeline {
    last_accept: Option<Duration>,
    sink_submits: Option<Duration>,
    sink_acks: Option<Duration>,
    drained: Option<Duration>,
    /// The end used for the end-to-end rate.
    end: Option<Duration>,
}

async fn run(args: Args) -> Result<()> {
    if args.windows.is_empty() || args.windows.contains(&0) {
        bail!("--windows must be a non-empty list of positive integers");
    }
    if args.messages == 0 || args.connections == 0 || args.concurrency == 0 {
        bail!("--messages, --connections and --concurrency must be positive");
    }
    let load_at_start = loadavg();
    let dir = tempfile::Builder::new()
        .prefix("switchboard-smpp-e2e-")
        .tempdir()
        .context("creating temp dir")?;
    let programs = Programs {
        switchboard: args.bin.clone(),
        node: args.node.clone(),
        sink_script: args.sink_script.clone(),
        sink_env: args.sink_env.clone(),
    };
    let mut runs = Vec::new();
    let outcome = tokio::select! {
        r = run_all(&args, &programs, dir.path(), &mut runs) => r,
        _ = tokio::signal::ctrl_c() => Err(anyhow!("interrupted")),
    };
    print_report(&args, &runs, load_at_start.as_deref());
    if let Some(path) = &args.json {
        let written = write_json(path, &args, &runs, load_at_start.as_deref());
        if outcome.is_ok() {
            written?;
        } else if let Err(e) = written {
            eprintln!("warning: {e:#}");
        }
    }
    if outcome.is_err() || args.keep_tmp {
        println!("temp dir kept: {}", dir.keep().display());
    }
    outcome
}

async fn run_all(args: &Args, programs: &Programs, dir: &Path, runs: &mut Vec<Run>) -> Result<()> {
    for receipts in args.receipts.modes() {
        for &window in &args.windows {
            let run_dir = dir.join(format!("w{window}-receipts-{}", on_off(receipts)));
            let ceiling = if args.ceiling_messages > 0 {
                Some(ceiling(args, programs, &run_dir.join("ceiling"), window, receipts).await?)
            } else {
                None
            };
            runs.push(e2e(args, programs, &run_dir, window, receipts, ceiling).await?);
        }
    }
    Ok(())
}

/// The raw ceiling measured before a run, with the CPU picture during it.
#[derive(Debug, Clone, Copy)]
struct Ceiling {
    rate: f64,
    esme_cpu: Option<f64>,
    sink_cpu: Option<f64>,
    other_cpu: Option<f64>,
}

/// The raw ceiling on the node sink with this window: `smpp-blast`'s ESME.
async fn ceiling(
    args: &Args,
    programs: &Programs,
    dir: &Path,
    window: usize,
    receipts: bool,
) -> Result<Ceiling> {
    let label = format!("ceiling w={window} receipts={}", on_off(receipts));
    eprintln!(
        "{label}: raw SMPP blast of {} messages",
        args.ceiling_messages
    );
    let sink = SmscChild::start(
        Target::Node,
        programs,
        dir,
        SmscOptions {
            receipts,
            expect: None,
        },
    )
    .await?;
    let esme_cpu = CpuMeter::start(None);
    let sink_cpu = CpuMeter::start(Some(sink.pid));
    let machine_cpu = MachineMeter::start();
    let started = Instant::now();
    let result = blast(&BlastConfig {
        addr: sink.smpp_addr,
        messages: args.ceiling_messages,
        window,
        receipts,
        connections: args.connections,
        max_submit: Duration::from_secs(30),
        timeout: Duration::from_secs(120),
        label: label.clone(),
    })
    .await;
    let wall = started.elapsed().as_secs_f64();
    let (esme_cpu, sink_cpu) = (esme_cpu.share(wall), sink_cpu.share(wall));
    let other_cpu = machine_cpu
        .share(wall)
        .map(|m| (m - esme_cpu.unwrap_or(0.0) - sink_cpu.unwrap_or(0.0)).max(0.0));
    let counts = sink.stop().await;
    let result = result.with_context(|| format!("{label}: blast failed"))?;
    if let Some(why) = &result.incomplete {
        eprintln!("{label}: incomplete: {why}");
    }
    let rate = result
        .rate(receipts)
        .with_context(|| format!("{label}: nothing was measured"))?;
    eprintln!(
        "{label}: {rate:.0} msg/s (sink counted {})",
        counts.map_or(0, |c| c.submit_sm)
    );
    Ok(Ceiling {
        rate,
        esme_cpu,
        sink_cpu,
        other_cpu,
    })
}

fn carrier_toml(port: u16, window: usize, connections: usize) -> String {
    format!(
        "# Written by smpp-e2e: the node sink is the only carrier.\n\
         [[carriers]]\n\
         name = \"sink\"\n\
         host = \"127.0.0.1\"\n\
         port = {port}\n\
         system_id = \"bench\"\n\
         password = \"bench\"\n\
         window = {window}\n\
         max_tps = 0\n\
         connections = {connections}\n\
         routes = [\"*\"]\n"
    )
}

async fn e2e(
    args: &Args,
    programs: &Programs,
    dir: &Path,
    window: usize,
    receipts: bool,
    ceiling: Option<Ceiling>,
) -> Result<Run> {
    let label = format!("e2e w={window} receipts={}", on_off(receipts));
    let sink = SmscChild::start(
        Target::Node,
        programs,
        &dir.join("sink"),
        SmscOptions {
            receipts,
            expect: Some(args.messages),
        },
    )
    .await?;
    let config = dir.join("switchboard.toml");
    std::fs::write(
        &config,
        carrier_toml(sink.smpp_addr.port(), window, args.connections),
    )
    .with_context(|| format!("writing {}", config.display()))?;
    let mut overrides = vec![(
        "SWITCHBOARD_CONFIG".to_string(),
        config.display().to_string(),
    )];
    overrides.extend(args.env_overrides.iter().cloned());
    let mut server = Server::spawn(&args.bin, dir, &overrides)?;
    let measured = measure(args, &label, &mut server, &sink, receipts).await;
    let logs = [server.stdout_path.clone(), server.stderr_path.clone()];
    let shutdown = server.shutdown(Duration::from_secs(10)).await;
    let sink_counts = sink.stop().await;
    let shutdown_note = format!(
        "{} ({}){}",
        shutdown
            .status
            .as_ref()
            .map_or("unknown".to_string(), describe),
        shutdown.note,
        if shutdown.graceful() {
            ""
        } else {
            "; NOT graceful"
        }
    );
    let m = match measured {
        Ok(m) => m,
        Err(e) => {
            for path in &logs {
                for line in server::tail(path, 10) {
                    eprintln!("  {}: {line}", path.display());
                }
            }
            return Err(e.context(label));
        }
    };
    let sink_counts = sink_counts.with_context(|| format!("{label}: reading the sink's counts"))?;
    Ok(Run {
        receipts,
        window,
        ceiling,
        load: m.load,
        timeline: m.timeline,
        sink: sink_counts,
        messages: m.messages,
        receipts_matched: m.receipts_matched,
        receipts_orphaned: m.receipts_orphaned,
        store: m.store,
        server_cpu: m.server_cpu,
        sink_cpu: m.sink_cpu,
        bench_cpu: m.bench_cpu,
        other_cpu: m.other_cpu,
        shutdown: shutdown_note,
    })
}

struct Measured {
    load: LoadOutcome,
    timeline: Timeline,
    messages: Vec<(String, f64)>,
    receipts_matched: Option<f64>,
    receipts_orphaned: Option<f64>,
    store: Vec<SummaryStat>,
    server_cpu: Option<f64>,
    sink_cpu: Option<f64>,
    bench_cpu: Option<f64>,
    other_cpu: Option<f64>,
}

async fn measure(
    args: &Args,
    label: &str,
    server: &mut Server,
    sink: &SmscChild,
    receipts: bool,
) -> Result<Measured> {
    let ready = server.wait_ready(Duration::from_secs(30)).await?;
    let probe = Probe::new(ready.addr, server.pid)?;
    probe
        .wait_bound(args.connections, Duration::from_secs(15))
        .await
        .with_context(|| server.log_hint())?;
    server.check_alive()?;
    eprintln!(
        "{label}: server bound to the sink; POSTing {} messages at concurrency {}",
        args.messages, args.concurrency
    );

    let server_cpu = CpuMeter::start(Some(server.pid));
    let sink_cpu = CpuMeter::start(Some(sink.pid));
    let bench_cpu = CpuMeter::start(None);
    let machine_cpu = MachineMeter::start();
    let t0 = Instant::now();
    let accepted = Arc::new(AtomicU64::new(0));
    let load_done = Arc::new(AtomicBool::new(false));
    let load = async {
        let r = post_all(
            &ready,
            &[ready.addr],
            args.messages,
            args.concurrency,
            Arc::clone(&accepted),
        )
        .await;
        load_done.store(true, Ordering::Release);
        r
    };
    let watch = watch_completion(Watch {
        label,
        probe: &probe,
        sink,
        receipts,
        accepted: &accepted,
        load_done: &load_done,
        t0,
        timeout: Duration::from_secs(args.timeout),
    });
    let (load, mut timeline) = tokio::join!(load, watch);
    let load = load?;
    timeline.last_accept = load.last_accept.map(|t| t.saturating_duration_since(t0));
    let wall = timeline.end.unwrap_or_else(|| t0.elapsed()).as_secs_f64();
    let (server_cpu, sink_cpu, bench_cpu) = (
        server_cpu.share(wall),
        sink_cpu.share(wall),
        bench_cpu.share(wall),
    );
    let other_cpu = machine_cpu.share(wall).map(|m| {
        let ours = [server_cpu, sink_cpu, bench_cpu]
            .iter()
            .map(|c| c.unwrap_or(0.0))
            .sum::<f64>();
        (m - ours).max(0.0)
    });
    server.check_alive()?;

    // The per-status gauges refresh at most every 5 s: wait for them to catch up.
    let want = load.accepted as f64;
    let settle = Instant::now() + Duration::from_secs(8);
    let mut text = String::new();
    loop {
        match probe.metrics().await {
            Ok(t) => text = t,
            Err(e) => eprintln!("warning: /metrics: {e:#}"),
        }
        let counts = prom::message_counts(&text);
        let got = status_count(&counts, "delivered")
            + if receipts {
                0.0
            } else {
                status_count(&counts, "sent")
            };
        if got >= want || Instant::now() >= settle || timeline.end.is_none() {
            break;
        }
        tokio::time::sleep(Duration::from_millis(500)).await;
    }
    Ok(Measured {
        load,
        timeline,
        messages: prom::message_counts(&text)
            .into_iter()
            .filter(|(k, _)| k.starts_with("switchboard_messages{"))
            .collect(),
        receipts_matched: sample_value(&text, "switchboard_receipts_total", "matched=\"true\""),
        receipts_orphaned: sample_value(&text, "switchboard_receipts_total", "matched=\"false\""),
        store: summaries(&text, "switchboard_store_"),
        server_cpu,
        sink_cpu,
        bench_cpu,
        other_cpu,
    })
}

struct Watch<'a> {
    label: &'a str,
    probe: &'a Probe,
    sink: &'a SmscChild,
    receipts: bool,
    accepted: &'a AtomicU64,
    load_done: &'a AtomicBool,
    t0: Instant,
    timeout: Duration,
}

/// Polls the sink's output (every 20 ms) and, once the load is done, the
/// server's queue depth (every 100 ms) until the run is complete.
async fn watch_completion(w: Watch<'_>) -> Timeline {
    let mut tl = Timeline::default();
    let mut load_done_at: Option<Instant> = None;
    let mut next_depth = Instant::now();
    let mut next_report = Instant::now() + Duration::from_secs(1);
    let mut last_accepted = 0u64;
    loop {
        tokio::time::sleep(Duration::from_millis(20)).await;
        let now = Instant::now();
        let since = now.saturating_duration_since(w.t0);
        let done = w.load_done.load(Ordering::Acquire);
        if done && load_done_at.is_none() {
            load_done_at = Some(now);
        }
        let accepted = w.accepted.load(Ordering::Relaxed);
        if tl.sink_submits.is_none() {
            let counted =
                w.sink.reached("submit_sm") || (done && sink_total(w.sink).await >= accepted);
            if counted {
                tl.sink_submits = Some(since);
            }
        }
        if w.receipts && tl.sink_acks.is_none() && w.sink.reached("dlr_acked") {
            tl.sink_acks = Some(since);
        }
        if w.receipts && done && tl.drained.is_none() && now >= next_depth {
            next_depth = now + Duration::from_millis(100);
            if let Ok(Some(d)) = w.probe.queue_depth().await {
                if d <= 0.0 {
                    tl.drained = Some(Instant::now().saturating_duration_since(w.t0));
                }
            }
        }
        tl.end = if w.receipts {
            tl.drained
        } else {
            tl.sink_submits
        };
        if done && tl.end.is_some() {
            return tl;
        }
        if load_done_at.is_some_and(|t| now.saturating_duration_since(t) > w.timeout) {
            eprintln!("{}: gave up waiting after {:?}", w.label, w.timeout);
            return tl;
        }
        if now >= next_report {
            next_report = now + Duration::from_secs(1);
            let sink = w.sink.counts().await.unwrap_or_default();
            let depth = w
                .probe
                .queue_depth()
                .await
                .ok()
                .flatten()
                .map_or("n/a".to_string(), |d| format!("{d:.0}"));
            eprintln!(
                "  [{}] t={:>5.1}s accepted={accepted:>7} ({:>6}/s) sink submits={:>7} receipts acked={:>7} queue={depth}",
                w.label,
                since.as_secs_f64(),
                accepted - last_accepted,
                sink.submit_sm,
                sink.receipts_acked,
            );
            last_accepted = accepted;
        }
    }
}

async fn sink_total(sink: &SmscChild) -> u64 {
    sink.counts().await.map_or(0, |c| c.submit_sm)
}

/// Messages in the regime's final state: `delivered` with receipts, `sent` without.
fn final_count(r: &Run) -> f64 {
    status_count(&r.messages, if r.receipts { "delivered" } else { "sent" })
}

/// How busy the SQLite writer thread was: (execute + commit time) / run time.
fn writer_busy(r: &Run) -> Option<String> {
    let sum = |name: &str| r.store.iter().find(|s| s.name == name).map(|s| s.sum);
    let exec = sum("switchboard_store_execute_seconds")?;
    let commit = sum("switchboard_store_commit_seconds")?;
    let wall = r.timeline.end?.as_secs_f64();
    Some(format!(
        "store writer busy {:.0}% of the run (execute {exec:.2} s + commit {commit:.2} s over {wall:.2} s)",
        (exec + commit) / wall * 100.0
    ))
}

fn secs_cell(d: Option<Duration>) -> String {
    d.map_or_else(|| "n/a".to_string(), |d| format!("{:.2}", d.as_secs_f64()))
}

fn lat_cell(l: Option<&LatencySummary>, f: fn(&LatencySummary) -> u64) -> String {
    l.map_or_else(|| "n/a".to_string(), |l| format!("{:.1}", ms(f(l))))
}

fn print_report(args: &Args, runs: &[Run], load_at_start: Option<&str>) {
    let (nproc, cpu_model) = machine();
    println!();
    println!(
        "command:   {}",
        std::env::args().collect::<Vec<_>>().join(" ")
    );
    println!("server:    {}", args.bin.display());
    println!(
        "machine:   {nproc} CPUs, {cpu_model}; load average at start {}",
        load_at_start.unwrap_or("n/a")
    );
    println!(
        "setup:     {} messages per run, HTTP concurrency {}, {} SMPP connection(s), node sink \
         (peers/smpp/smsc_sink.js), receipt delay 0",
        args.messages, args.concurrency, args.connections
    );
    let env = if args.env_overrides.is_empty() {
        "(none)".to_string()
    } else {
        args.env_overrides
            .iter()
            .map(|(k, v)| format!("{k}={v}"))
            .collect::<Vec<_>>()
            .join(" ")
    };
    println!("env:       {env}");
    if runs.is_empty() {
        return;
    }
    println!();
    println!(
        "{:>8} {:>6} {:>8} {:>6} {:>8} {:>7} {:>7} {:>9} {:>8} {:>9} {:>9} {:>9} {:>9} {:>6} {:>7} {:>8} {:>6} {:>6}",
        "receipts",
        "window",
        "accepted",
        "errors",
        "api/s",
        "p50 ms",
        "p99 ms",
        "e2e msg/s",
        "e2e secs",
        "smsc subs",
        "dlr acked",
        "sent|dlvd",
        "ceiling/s",
        "ratio",
        "srv cpu",
        "sink cpu",
        "bench",
        "other"
    );
    for r in runs {
        println!(
            "{:>8} {:>6} {:>8} {:>6} {:>8} {:>7} {:>7} {:>9} {:>8} {:>9} {:>9} {:>9} {:>9} {:>6} {:>7} {:>8} {:>6} {:>6}",
            on_off(r.receipts),
            r.window,
            r.load.accepted,
            r.load.errors.values().sum::<u64>(),
            rate_cell(r.load.accept_rate()),
            lat_cell(r.load.latency.as_ref(), |l| l.p50),
            lat_cell(r.load.latency.as_ref(), |l| l.p99),
            rate_cell(r.e2e_rate()),
            secs_cell(r.timeline.end),
            r.sink.submit_sm,
            if r.receipts { r.sink.receipts_acked.to_string() } else { "-".into() },
            format!("{:.0}", final_count(r)),
            rate_cell(r.ceiling.map(|c| c.rate)),
            pct_cell(r.ratio()),
            pct_cell(r.server_cpu),
            pct_cell(r.sink_cpu),
            pct_cell(r.bench_cpu),
            pct_cell(r.other_cpu),
        );
    }
    println!();
    for r in runs {
        let tag = format!("receipts {} w={}", on_off(r.receipts), r.window);
        println!(
            "{tag}: timeline from the first POST: last 201 at {} s, sink counted all submits at {} s{}",
            secs_cell(r.timeline.last_accept),
            secs_cell(r.timeline.sink_submits),
            if r.receipts {
                format!(
                    ", all receipts acked at {} s, queue empty at {} s",
                    secs_cell(r.timeline.sink_acks),
                    secs_cell(r.timeline.drained)
                )
            } else {
                String::new()
            }
        );
        if let Some(c) = r.ceiling {
            println!(
                "{tag}: raw ceiling {} msg/s (esme cpu {}, sink cpu {}, other {})",
                rate_cell(Some(c.rate)),
                pct_cell(c.esme_cpu),
                pct_cell(c.sink_cpu),
                pct_cell(c.other_cpu)
            );
        }
        if r.timeline.end.is_none() {
            println!("{tag}: INCOMPLETE: the run did not finish before the timeout");
        }
        if !r.load.errors.is_empty() {
            let kinds: Vec<String> = r
                .load
                .errors
                .iter()
                .map(|(k, v)| format!("{k}: {v}"))
                .collect();
            println!("{tag}: errors: {}", kinds.join(", "));
        }
        let m: Vec<String> = r
            .messages
            .iter()
            .filter(|(_, v)| *v > 0.0)
            .map(|(k, v)| format!("{}={v}", k.trim_start_matches("switchboard_messages")))
            .collect();
        println!("{tag}: messages by status: {}", m.join(" "));
        if r.receipts {
            println!(
                "{tag}: receipts matched={} orphaned-then-applied={}",
                r.receipts_matched
                    .map_or("n/a".into(), |v| format!("{v:.0}")),
                r.receipts_orphaned
                    .map_or("n/a".into(), |v| format!("{v:.0}")),
            );
        }
        for s in &r.store {
            println!("{tag}: {}", fmt_summary(s));
        }
        if let Some(line) = writer_busy(r) {
            println!("{tag}: {line}");
        }
        println!("{tag}: server shutdown: {}", r.shutdown);
    }
    println!();
    println!(
        "target (receipts on): ≥ {TARGET_RATE:.0} msg/s end to end and ≥ {:.0}% of the raw ceiling with receipts on the same sink",
        TARGET_RATIO * 100.0
    );
    for r in runs.iter().filter(|r| r.receipts) {
        let rate = r.e2e_rate();
        let meets_rate = rate.is_some_and(|x| x >= TARGET_RATE);
        let meets_ratio = r.ratio().map(|x| x >= TARGET_RATIO);
        println!(
            "  window {:>4}: {} msg/s ({}), {} of ceiling ({})",
            r.window,
            rate_cell(rate),
            if meets_rate { "meets" } else { "below" },
            pct_cell(r.ratio()),
            match meets_ratio {
                Some(true) => "meets",
                Some(false) => "below",
                None => "not measured",
            }
        );
    }
}

fn write_json(path: &Path, args: &Args, runs: &[Run], load_at_start: Option<&str>) -> Result<()> {
    let (nproc, cpu_model) = machine();
    let secs = |d: Option<Duration>| d.map(|d| d.as_secs_f64());
    let rows: Vec<serde_json::Value> = runs
        .iter()
        .map(|r| {
            let latency = r.load.latency.as_ref().map(|l| {
                json!({"count": l.count, "mean": l.mean / 1000.0, "p50": ms(l.p50),
                       "p90": ms(l.p90), "p99": ms(l.p99), "max": ms(l.max)})
            });
            let messages: serde_json::Map<String, serde_json::Value> = r
                .messages
                .iter()
                .map(|(k, v)| (k.clone(), json!(v)))
                .collect();
            let store: Vec<serde_json::Value> = r
                .store
                .iter()
                .map(|s| json!({"name": s.name, "count": s.count, "sum": s.sum,
                                "quantiles": s.quantiles.iter().map(|(q, v)| json!([q, v])).collect::<Vec<_>>()}))
                .collect();
            json!({
                "receipts": r.receipts,
                "window": r.window,
                "connections": args.connections,
                "concurrency": args.concurrency,
                "accepted": r.load.accepted,
                "errors": r.load.errors,
                "api_accept_rate": r.load.accept_rate(),
                "api_latency_ms": latency,
                "e2e_rate": r.e2e_rate(),
                "timeline_s": {
                    "last_accept": secs(r.timeline.last_accept),
                    "sink_submits": secs(r.timeline.sink_submits),
                    "sink_acks": secs(r.timeline.sink_acks),
                    "drained": secs(r.timeline.drained),
                    "end": secs(r.timeline.end),
                },
                "sink": {"submit_sm": r.sink.submit_sm, "receipts_sent": r.sink.receipts_sent,
                         "receipts_acked": r.sink.receipts_acked},
                "messages": messages,
                "receipts_matched": r.receipts_matched,
                "receipts_orphaned": r.receipts_orphaned,
                "ceiling_rate": r.ceiling.map(|c| c.rate),
                "ceiling_cpu": r.ceiling.map(|c| json!({
                    "esme": c.esme_cpu, "sink": c.sink_cpu, "other": c.other_cpu,
                })),
                "ratio_to_ceiling": r.ratio(),
                "server_cpu": r.server_cpu,
                "sink_cpu": r.sink_cpu,
                "bench_cpu": r.bench_cpu,
                "other_cpu": r.other_cpu,
                "store": store,
                "shutdown": r.shutdown,
            })
        })
        .collect();
    let doc = json!({
        "command": std::env::args().collect::<Vec<_>>().join(" "),
        "server_bin": args.bin.display().to_string(),
        "machine": {"nproc": nproc, "cpu_model": cpu_model},
        "loadavg_at_start": load_at_start,
        "messages": args.messages,
        "env_overrides": args.env_overrides.iter().map(|(k, v)| format!("{k}={v}")).collect::<Vec<_>>(),
        "runs": rows,
    });
    let text = serde_json::to_string_pretty(&doc)?;
    std::fs::write(path, text + "\n").with_context(|| format!("writing {}", path.display()))?;
    println!("json:      {}", path.display());
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn writes_carrier_toml() {
        let t = carrier_toml(2775, 100, 2);
        assert!(t.contains("[[carriers]]"));
        assert!(t.contains("port = 2775"));
        assert!(t.contains("window = 100"));
        assert!(t.contains("max_tps = 0"));
        assert!(t.contains("connections = 2"));
        assert!(t.contains("routes = [\"*\"]"));
    }

    #[test]
    fn parses_args() {
        let a = Args::try_parse_from(["smpp-e2e", "--windows", "100", "--receipts", "on"]).unwrap();
        assert_eq!(a.windows, vec![100]);
        assert_eq!(a.messages, 50_000);
        assert_eq!(a.concurrency, 64);
        assert_eq!(a.receipts.modes(), vec![true]);
    }
}
