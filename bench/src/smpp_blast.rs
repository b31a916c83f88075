//! `smpp-blast`: the raw SMPP ceiling. A minimal ESME with no persistence
//! (our `switchboard-smpp` session and codec on tokio) blasts `submit_sm` at
//! an SMSC child process — our simulator (`switchboard smsc-sim`) or the
//! node sink (`peers/smpp/smsc_sink.js`) — for each window size, with and
//! without delivery receipts. It reports figures; it asserts nothing.
//!
//! See bench/README.md for how to run it and read the output.

#[allow(dead_code)] // shared with smpp-e2e, which uses all of it
mod smpp;

use std::path::PathBuf;
use std::process::ExitCode;
use std::time::{Duration, Instant};

use anyhow::{anyhow, bail, Context, Result};
use clap::Parser;
use serde_json::json;

use crate::smpp::blast::{blast, BlastConfig, BlastResult};
use crate::smpp::cpu::{loadavg, CpuMeter, MachineMeter};
use crate::smpp::peer::{SmscChild, SmscCounts, SmscOptions, Target};
use crate::smpp::{
    machine, on_off, parse_kv, pct_cell, rate_cell, Programs, ReceiptsArg, DEFAULT_BIN,
    DEFAULT_SINK,
};

#[derive(Parser, Debug)]
#[command(
    name = "smpp-blast",
    about = "Measure the raw SMPP ceiling: a persistence-free ESME against an SMSC child process"
)]
struct Args {
    /// SMSCs to blast, comma-separated: `sim` (switchboard smsc-sim), `node` (peers/smpp/smsc_sink.js).
    #[arg(long, value_delimiter = ',', default_value = "sim,node")]
    target: Vec<Target>,
    /// Messages per run (target × window × receipts).
    #[arg(long, default_value_t = 200_000)]
    messages: u64,
    /// Window sizes (outstanding submits per connection), comma-separated.
    #[arg(long, value_delimiter = ',', default_value = "1,10,50,100")]
    windows: Vec<usize>,
    /// Ask for delivery receipts and wait for them: on, off or both.
    #[arg(long, value_enum, default_value = "both")]
    receipts: ReceiptsArg,
    /// SMPP connections (each with the full window).
    #[arg(long, default_value_t = 1)]
    connections: usize,
    /// Stop submitting after this many seconds of a run (small windows are
    /// slow); the rates are then over the messages actually sent.
    #[arg(long, default_value_t = 30)]
    max_seconds: u64,
    /// Give up on a run's missing answers after this many seconds.
    #[arg(long, default_value_t = 120)]
    timeout: u64,
    /// `switchboard` binary (for `smsc-sim`).
    #[arg(long, env = "SWITCHBOARD_BENCH_BIN", default_value = DEFAULT_BIN)]
    bin: PathBuf,
    /// node executable.
    #[arg(long, default_value = "node")]
    node: PathBuf,
    /// The sink script.
    #[arg(long, default_value = DEFAULT_SINK)]
    sink_script: PathBuf,
    /// Extra environment for the node sink, e.g. `--sink-env SINK_CORK=0` (repeatable).
    #[arg(long = "sink-env", value_name = "K=V", value_parser = parse_kv)]
    sink_env: Vec<(String, String)>,
    /// Worker threads of the blaster's runtime (1 = current-thread runtime).
    #[arg(long, default_value_t = 1)]
    client_threads: usize,
    /// Also write the results as JSON to this file.
    #[arg(long, value_name = "FILE")]
    json: Option<PathBuf>,
    /// Keep the temp dir (SMSC logs) after a successful run.
    #[arg(long)]
    keep_tmp: bool,
}

/// One row of the report.
struct Row {
    target: Target,
    window: usize,
    receipts: bool,
    result: BlastResult,
    smsc: SmscCounts,
    esme_cpu: Option<f64>,
    smsc_cpu: Option<f64>,
    /// CPU taken by processes other than the ESME and the SMSC (cores).
    other_cpu: Option<f64>,
    wall: Duration,
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
    let rt = if args.client_threads <= 1 {
        tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
    } else {
        tokio::runtime::Builder::new_multi_thread()
            .worker_threads(args.client_threads)
            .enable_all()
            .build()
    };
    rt.context("building tokio runtime")?.block_on(run(args))
}

async fn run(args: Args) -> Result<()> {
    if args.windows.is_empty() || args.windows.contains(&0) {
        bail!("--windows must be a non-empty list of positive integers");
    }
    if args.messages == 0 || args.connections == 0 || args.target.is_empty() {
        bail!("--messages, --connections and --target must not be zero or empty");
    }
    let load_at_start = loadavg();
    let dir = tempfile::Builder::new()
        .prefix("switchboard-smpp-blast-")
        .tempdir()
        .context("creating temp dir")?;
    let programs = Programs {
        switchboard: args.bin.clone(),
        node: args.node.clone(),
        sink_script: args.sink_script.clone(),
        sink_env: args.sink_env.clone(),
    };
    let mut rows = Vec::new();
    let outcome = tokio::select! {
        r = run_all(&args, &programs, dir.path(), &mut rows) => r,
        _ = tokio::signal::ctrl_c() => Err(anyhow!("interrupted")),
    };
    print_report(&args, &rows, load_at_start.as_deref());
    if let Some(path) = &args.json {
        let written = write_json(path, &args, &rows, load_at_start.as_deref());
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

async fn run_all(
    args: &Args,
    programs: &Programs,
    dir: &std::path::Path,
    rows: &mut Vec<Row>,
) -> Result<()> {
    for &target in &args.target {
        for receipts in args.receipts.modes() {
            for &window in &args.windows {
                let row = run_one(args, programs, dir, target, window, receipts).await?;
                rows.push(row);
            }
        }
    }
    Ok(())
}

async fn run_one(
    args: &Args,
    programs: &Programs,
    dir: &std::path::Path,
    target: Target,
    window: usize,
    receipts: bool,
) -> Result<Row> {
    let label = format!("{} w={window} receipts={}", target.name(), on_off(receipts));
    let run_dir = dir.join(format!(
        "{}-w{window}-receipts-{}",
        target.name(),
        on_off(receipts)
    ));
    eprintln!("{label}: starting the SMSC");
    let mut smsc = SmscChild::start(
        target,
        programs,
        &run_dir,
        SmscOptions {
            receipts,
            expect: None,
        },
    )
    .await?;
    let cfg = BlastConfig {
        addr: smsc.smpp_addr,
        messages: args.messages,
        window,
        receipts,
        connections: args.connections,
        max_submit: Duration::from_secs(args.max_seconds.max(1)),
        timeout: Duration::from_secs(args.timeout.max(1)),
        label: label.clone(),
    };
    let esme_cpu = CpuMeter::start(None);
    let smsc_cpu = CpuMeter::start(Some(smsc.pid));
    let machine_cpu = MachineMeter::start();
    let started = Instant::now();
    let result = blast(&cfg).await;
    let wall = started.elapsed();
    let esme_share = esme_cpu.share(wall.as_secs_f64());
    let smsc_share = smsc_cpu.share(wall.as_secs_f64());
    let other = machine_cpu
        .share(wall.as_secs_f64())
        .map(|m| (m - esme_share.unwrap_or(0.0) - smsc_share.unwrap_or(0.0)).max(0.0));
    let alive = smsc.check_alive();
    let counts = smsc.stop().await;
    let result = result.with_context(|| format!("{label}: blast failed"))?;
    alive?;
    let counts = counts.with_context(|| format!("{label}: reading the SMSC's counts"))?;
    eprintln!(
        "{label}: {} submits answered, {} receipts; {} msg/s; SMSC counted {}",
        result.accepted + result.refused,
        result.receipts,
        rate_cell(result.rate(receipts)),
        counts.submit_sm
    );
    if let Some(why) = &result.incomplete {
        eprintln!("{label}: incomplete: {why}");
    }
    Ok(Row {
        target,
        window,
        receipts,
        result,
        smsc: counts,
        esme_cpu: esme_share,
        smsc_cpu: smsc_share,
        other_cpu: other,
        wall,
    })
}

fn print_report(args: &Args, rows: &[Row], load_at_start: Option<&str>) {
    let (nproc, cpu_model) = machine();
    println!();
    println!(
        "command:   {}",
        std::env::args().collect::<Vec<_>>().join(" ")
    );
    println!(
        "machine:   {nproc} CPUs, {cpu_model}; load average at start {}",
        load_at_start.unwrap_or("n/a")
    );
    println!(
        "setup:     {} connection(s), {} messages per run (submitting stops after {} s), \
         blaster runtime: {}",
        args.connections,
        args.messages,
        args.max_seconds,
        if args.client_threads <= 1 {
            "current-thread".to_string()
        } else {
            format!("{} threads", args.client_threads)
        }
    );
    println!("           sim = `switchboard smsc-sim --receipt-delay-ms 0`; node = peers/smpp/smsc_sink.js (npm smpp 0.5.1)");
    if rows.is_empty() {
        return;
    }
    println!();
    println!(
        "{:>6} {:>6} {:>8} {:>9} {:>10} {:>10} {:>10} {:>9} {:>8} {:>6} {:>6} {:>8} {:>8} {:>6} {:>8}",
        "target",
        "window",
        "receipts",
        "submitted",
        "submit/s",
        "receipts/s",
        "smsc count",
        "receipts",
        "matched",
        "errors",
        "secs",
        "esme cpu",
        "smsc cpu",
        "other",
        "pdu/read"
    );
    for r in rows {
        let res = &r.result;
        let receipt_rate = if r.receipts {
            rate_cell(res.receipt_rate())
        } else {
            "-".to_string()
        };
        let frames_in = res.accepted + res.refused + res.receipts;
        let per_read = if res.reads > 0 {
            format!("{:.1}", frames_in as f64 / res.reads as f64)
        } else {
            "n/a".to_string()
        };
        println!(
            "{:>6} {:>6} {:>8} {:>9} {:>10} {:>10} {:>10} {:>9} {:>8} {:>6} {:>6.1} {:>8} {:>8} {:>6} {:>8}",
            r.target.name(),
            r.window,
            on_off(r.receipts),
            res.submitted,
            rate_cell(res.submit_rate()),
            receipt_rate,
            r.smsc.submit_sm,
            if r.receipts { res.receipts.to_string() } else { "-".into() },
            if r.receipts { res.matched.to_string() } else { "-".into() },
            res.refused + res.timed_out,
            r.wall.as_secs_f64(),
            pct_cell(r.esme_cpu),
            pct_cell(r.smsc_cpu),
            pct_cell(r.other_cpu),
            per_read,
        );
    }
    for r in rows {
        if let Some(why) = &r.result.incomplete {
            println!(
                "{} w={} receipts={}: incomplete: {why}",
                r.target.name(),
                r.window,
                on_off(r.receipts)
            );
        }
        if r.smsc.submit_sm != r.result.submitted {
            println!(
                "{} w={} receipts={}: the SMSC counted {} submit_sm, the ESME sent {}",
                r.target.name(),
                r.window,
                on_off(r.receipts),
                r.smsc.submit_sm,
                r.result.submitted
            );
        }
    }
    println!();
    println!("ceiling (best window) per target and regime:");
    for &target in &args.target {
        for receipts in args.receipts.modes() {
            let best = rows
                .iter()
                .filter(|r| r.target == target && r.receipts == receipts)
                .filter_map(|r| r.result.rate(receipts).map(|x| (x, r.window)))
                .max_by(|a, b| a.0.total_cmp(&b.0));
            if let Some((rate, window)) = best {
                println!(
                    "  {:<5} receipts {:<3}: {rate:>8.0} msg/s (window {window})",
                    target.name(),
                    on_off(receipts)
                );
            }
        }
    }
}

fn write_json(
    path: &std::path::Path,
    args: &Args,
    rows: &[Row],
    load_at_start: Option<&str>,
) -> Result<()> {
    let (nproc, cpu_model) = machine();
    let runs: Vec<serde_json::Value> = rows
        .iter()
        .map(|r| {
            let res = &r.result;
            json!({
                "target": r.target.name(),
                "window": r.window,
                "receipts": r.receipts,
                "connections": args.connections,
                "submitted": res.submitted,
                "accepted": res.accepted,
                "refused": res.refused,
                "timed_out": res.timed_out,
                "receipts_received": res.receipts,
                "receipts_matched": res.matched,
                "submit_rate": res.submit_rate(),
                "receipt_rate": res.receipt_rate(),
                "rate": res.rate(r.receipts),
                "submit_elapsed_s": res.submit_elapsed.as_secs_f64(),
                "receipt_elapsed_s": res.receipt_elapsed.map(|d| d.as_secs_f64()),
                "smsc_submit_sm": r.smsc.submit_sm,
                "smsc_receipts_sent": r.smsc.receipts_sent,
                "smsc_receipts_acked": r.smsc.receipts_acked,
                "esme_cpu": r.esme_cpu,
                "smsc_cpu": r.smsc_cpu,
                "other_cpu": r.other_cpu,
                "writes": res.writes,
                "reads": res.reads,
                "incomplete": res.incomplete,
            })
        })
        .collect();
    let doc = json!({
        "command": std::env::args().collect::<Vec<_>>().join(" "),
        "machine": { "nproc": nproc, "cpu_model": cpu_model },
        "loadavg_at_start": load_at_start,
        "messages": args.messages,
        "connections": args.connections,
        "runs": runs,
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
    fn parses_args() {
        let a = Args::try_parse_from([
            "smpp-blast",
            "--target",
            "node",
            "--windows",
            "1,100",
            "--receipts",
            "on",
        ])
        .unwrap();
        assert_eq!(a.target, vec![Target::Node]);
        assert_eq!(a.windows, vec![1, 100]);
        assert_eq!(a.receipts.modes(), vec![true]);
        assert_eq!(a.messages, 200_000);
        let d = Args::try_parse_from(["smpp-blast"]).unwrap();
        assert_eq!(d.target, vec![Target::Sim, Target::Node]);
        assert_eq!(d.receipts.modes(), vec![false, true]);
    }
}
