//! `http-create`: HTTP create-throughput benchmark against the real
//! `switchboard` binary. It reports figures; it asserts nothing.
//!
//! See bench/README.md for how to run it and read the output.

#[allow(dead_code)] // also holds what only the SMPP and multinode benchmarks use
mod load;
#[allow(dead_code)]
mod prom;
mod report;
#[allow(dead_code)]
mod sample;
mod server;
mod stats;

use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::sync::Arc;
use std::time::Duration;

use anyhow::{anyhow, bail, Context, Result};
use clap::Parser;

use crate::load::{run_level, LevelResult, LoadConfig, Shared};
use crate::report::RunInfo;
use crate::sample::{fmt_opt, mib, Probe};
use crate::server::{rss_bytes, Server};

/// Default server binary: `<workspace root>/target/release/switchboard`.
const DEFAULT_BIN: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/../target/release/switchboard");

#[derive(Parser, Debug)]
#[command(
    name = "http-create",
    about = "Measure Twilio-style message-create throughput of a real switchboard server"
)]
struct Args {
    /// Server binary to start (`<bin> serve --ready-file …`).
    #[arg(long, env = "SWITCHBOARD_BENCH_BIN", default_value = DEFAULT_BIN)]
    bin: PathBuf,
    /// Comma-separated concurrency levels (connections / in-flight requests).
    #[arg(long, value_delimiter = ',', default_value = "1,16,64")]
    levels: Vec<usize>,
    /// Measured seconds per level.
    #[arg(long, default_value_t = 10)]
    duration: u64,
    /// Unmeasured warmup seconds at the start of each level.
    #[arg(long, default_value_t = 1)]
    warmup: u64,
    /// Extra server environment, e.g. `--env SWITCHBOARD_PIPELINE__BATCH_SIZE=512` (repeatable).
    #[arg(long = "env", value_name = "K=V", value_parser = parse_kv)]
    env_overrides: Vec<(String, String)>,
    /// Also write the results as JSON to this file.
    #[arg(long, value_name = "FILE")]
    json: Option<PathBuf>,
    /// Seconds to wait after each level for the queue depth to reach 0.
    #[arg(long, default_value_t = 120)]
    drain_timeout: u64,
    /// Seconds to wait for the server's ready file.
    #[arg(long, default_value_t = 30)]
    ready_timeout: u64,
    /// Worker threads for the load generator's runtime (default: one per CPU).
    #[arg(long)]
    client_threads: Option<usize>,
    /// Keep the temp dir (data, ready file, server logs) after a successful run.
    #[arg(long)]
    keep_tmp: bool,
}

fn parse_kv(s: &str) -> Result<(String, String), String> {
    match s.split_once('=') {
        Some((k, v)) if !k.is_empty() => Ok((k.to_string(), v.to_string())),
        _ => Err(format!("expected K=V, got {s:?}")),
    }
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

async fn run(args: Args) -> Result<()> {
    if args.levels.is_empty() || args.levels.contains(&0) {
        bail!("--levels must be a non-empty list of positive integers");
    }
    if args.duration == 0 {
        bail!("--duration must be at least 1 second");
    }
    let dir = tempfile::Builder::new()
        .prefix("switchboard-bench-")
        .tempdir()
        .context("creating temp dir")?;
    let (nproc, cpu_model) = report::machine();
    let mut info = RunInfo {
        command: std::env::args().collect::<Vec<_>>().join(" "),
        bin: args.bin.display().to_string(),
        nproc,
        cpu_model,
        env_overrides: args.env_overrides.clone(),
        idle_rss: None,
        warmup_s: args.warmup,
        duration_s: args.duration,
    };

    let mut server = Server::spawn(&args.bin, dir.path(), &args.env_overrides)?;
    let mut results = Vec::new();
    let outcome = tokio::select! {
        r = bench(&mut server, &args, &mut info, &mut results) => r,
        _ = tokio::signal::ctrl_c() => Err(anyhow!("interrupted")),
    };

    report::print_header(&info);
    if !results.is_empty() {
        report::print_table(&results);
    }
    println!();
    let logs = [server.stdout_path.clone(), server.stderr_path.clone()];
    let shutdown = server.shutdown(Duration::from_secs(10)).await;
    report::print_shutdown(&shutdown);
    print_log_tails(&logs);

    if let Some(path) = &args.json {
        let written = report::write_json(path, &info, &results, Some(&shutdown));
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

async fn bench(
    server: &mut Server,
    args: &Args,
    info: &mut RunInfo,
    results: &mut Vec<LevelResult>,
) -> Result<()> {
    let ready = server
        .wait_ready(Duration::from_secs(args.ready_timeout))
        .await?;
    tokio::time::sleep(Duration::from_secs(1)).await;
    server.check_alive()?;
    info.idle_rss = rss_bytes(server.pid);
    eprintln!(
        "idle RSS: {}",
        fmt_opt(info.idle_rss.map(|r| format!("{:.1} MiB", mib(r))))
    );

    let probe = Probe::new(ready.addr, server.pid)?;
    match probe.metrics().await {
        Ok(text) if prom::queue_depth(&text).is_none() => {
            eprintln!("warning: /metrics has no {} gauge", prom::QUEUE_DEPTH)
        }
        Ok(_) => {}
        Err(e) => eprintln!("warning: /metrics not readable: {e:#}"),
    }

    let cfg = LoadConfig {
        warmup: Duration::from_secs(args.warmup),
        duration: Duration::from_secs(args.duration),
        drain_timeout: Duration::from_secs(args.drain_timeout),
    };
    let shared = Arc::new(Shared::default());
    let mut accepted_before = 0.0;
    for &level in &args.levels {
        eprintln!(
            "level {level}: {} s warmup + {} s measured",
            args.warmup, args.duration
        );
        let cpu0 = crate::server::cpu_seconds(server.pid);
        let r = run_level(&ready, &probe, &cfg, &shared, level).await?;
        let cpu = crate::server::cpu_seconds(server.pid) - cpu0;
        // Accepted includes the warm-up second and the drain: per accepted message,
        // everything the server did for it (HTTP, store, pipeline, SMPP, receipts).
        let accepted_total = r
            .messages
            .iter()
            .find(|(k, _)| k == "switchboard_messages_accepted_total")
            .map_or(0.0, |(_, v)| *v);
        let accepted = accepted_total - accepted_before;
        accepted_before = accepted_total;
        if accepted > 0.0 {
            println!(
                "level {level}: server CPU {cpu:.2} s for {accepted:.0} accepted messages = {:.1} µs per message",
                cpu * 1e6 / accepted
            );
        }
        eprintln!(
            "level {level}: {} ok, {} errors, {:.0} ok req/s",
            r.ok,
            r.errors,
            r.throughput()
        );
        results.push(r);
        server.check_alive()?;
    }
    Ok(())
}

fn print_log_tails(paths: &[PathBuf]) {
    for path in paths {
        let lines = server::tail(path, 5);
        if !lines.is_empty() {
            println!("last lines of {}:", display_short(path));
            for l in lines {
                println!("  {l}");
            }
        }
    }
}

fn display_short(p: &Path) -> String {
    p.file_name().map_or_else(
        || p.display().to_string(),
        |n| n.to_string_lossy().into_owned(),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_env_pairs() {
        assert_eq!(
            parse_kv("A=b=c").unwrap(),
            ("A".to_string(), "b=c".to_string())
        );
        assert_eq!(parse_kv("A=").unwrap(), ("A".to_string(), String::new()));
        assert!(parse_kv("=x").is_err());
        assert!(parse_kv("novalue").is_err());
    }

    #[test]
    fn parses_args() {
        let a = Args::try_parse_from([
            "http-create",
            "--levels",
            "2,8",
            "--env",
            "X=1",
            "--env",
            "Y=2",
        ])
        .unwrap();
        assert_eq!(a.levels, vec![2, 8]);
        assert_eq!(a.env_overrides.len(), 2);
        assert_eq!(a.duration, 10);
        assert_eq!(a.warmup, 1);
    }
}
