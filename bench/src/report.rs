//! Human-readable table and JSON output.

use std::path::Path;

use anyhow::{Context, Result};
use serde_json::{json, Map, Value};

use crate::load::LevelResult;
use crate::sample::{fmt_opt, mib, Drain};
use crate::server::{describe, Shutdown};
use crate::stats::ms;

/// Static facts about the run, printed above the table.
pub struct RunInfo {
    pub command: String,
    pub bin: String,
    pub nproc: usize,
    pub cpu_model: String,
    pub env_overrides: Vec<(String, String)>,
    pub idle_rss: Option<u64>,
    pub warmup_s: u64,
    pub duration_s: u64,
}

/// CPU model from /proc/cpuinfo and the number of usable CPUs.
pub fn machine() -> (usize, String) {
    let nproc = std::thread::available_parallelism().map_or(0, |n| n.get());
    let model = std::fs::read_to_string("/proc/cpuinfo")
        .ok()
        .and_then(|text| {
            text.lines()
                .find(|l| l.starts_with("model name"))
                .and_then(|l| l.split_once(':'))
                .map(|(_, v)| v.trim().to_string())
        })
        .unwrap_or_else(|| "unknown".to_string());
    (nproc, model)
}

fn drain_cell(d: &Drain) -> String {
    match d {
        Drain::Drained(t) => format!("{:.2}", t.as_secs_f64()),
        Drain::TimedOut { depth } => format!(">timeout(q={depth:.0})"),
        Drain::Unavailable(_) => "n/a".to_string(),
    }
}

pub fn print_header(info: &RunInfo) {
    println!();
    println!("command:   {}", info.command);
    println!("server:    {}", info.bin);
    println!("machine:   {} CPUs, {}", info.nproc, info.cpu_model);
    let env = if info.env_overrides.is_empty() {
        "(none)".to_string()
    } else {
        let pairs: Vec<String> = info
            .env_overrides
            .iter()
            .map(|(k, v)| format!("{k}={v}"))
            .collect();
        pairs.join(" ")
    };
    println!("env:       {env}");
    println!(
        "window:    {} s measured per level after {} s warmup",
        info.duration_s, info.warmup_s
    );
    println!(
        "idle RSS:  {}",
        fmt_opt(info.idle_rss.map(|r| format!("{:.1} MiB", mib(r))))
    );
}

pub fn print_table(results: &[LevelResult]) {
    println!();
    println!(
        "{:>5} {:>10} {:>7} {:>10} {:>8} {:>8} {:>8} {:>8} {:>9} {:>9} {:>9}",
        "conns",
        "ok",
        "errors",
        "ok req/s",
        "p50 ms",
        "p90 ms",
        "p99 ms",
        "max ms",
        "max queue",
        "drain s",
        "max RSS"
    );
    for r in results {
        let lat = |f: fn(&crate::stats::LatencySummary) -> u64| {
            fmt_opt(r.latency.as_ref().map(|l| format!("{:.2}", ms(f(l)))))
        };
        println!(
            "{:>5} {:>10} {:>7} {:>10.0} {:>8} {:>8} {:>8} {:>8} {:>9} {:>9} {:>9}",
            r.level,
            r.ok,
            r.errors,
            r.throughput(),
            lat(|l| l.p50),
            lat(|l| l.p90),
            lat(|l| l.p99),
            lat(|l| l.max),
            fmt_opt(r.peaks.max_queue.map(|q| format!("{q:.0}"))),
            drain_cell(&r.drain),
            fmt_opt(r.peaks.max_rss.map(|b| format!("{:.1}MiB", mib(b)))),
        );
    }
    for r in results {
        if !r.error_kinds.is_empty() {
            let kinds: Vec<String> = r
                .error_kinds
                .iter()
                .map(|(k, v)| format!("{k}: {v}"))
                .collect();
            println!("c={} errors: {}", r.level, kinds.join(", "));
        }
        if let Drain::Unavailable(why) = &r.drain {
            println!("c={} drain not measured: {why}", r.level);
        }
        if !r.messages.is_empty() {
            let m: Vec<String> = r.messages.iter().map(|(k, v)| format!("{k}={v}")).collect();
            println!("c={} after drain: {}", r.level, m.join(" "));
        }
    }
}

pub fn print_shutdown(s: &Shutdown) {
    let status = s.status.as_ref().map_or("unknown".to_string(), describe);
    let verdict = if s.graceful() {
        "graceful"
    } else {
        "NOT graceful"
    };
    println!("shutdown:  {status} ({}); {verdict}", s.note);
}

fn level_json(r: &LevelResult) -> Value {
    let latency = r.latency.as_ref().map(|l| {
        json!({
            "count": l.count, "mean": l.mean / 1000.0,
            "p50": ms(l.p50), "p90": ms(l.p90), "p99": ms(l.p99), "max": ms(l.max),
        })
    });
    let (drain_s, drain_status) = match &r.drain {
        Drain::Drained(t) => (json!(t.as_secs_f64()), "drained".to_string()),
        Drain::TimedOut { depth } => (Value::Null, format!("timed out at depth {depth}")),
        Drain::Unavailable(why) => (Value::Null, format!("unavailable: {why}")),
    };
    let messages: Map<String, Value> = r
        .messages
        .iter()
        .map(|(k, v)| (k.clone(), json!(v)))
        .collect();
    json!({
        "level": r.level,
        "ok": r.ok,
        "errors": r.errors,
        "error_kinds": r.error_kinds,
        "window_s": r.window.as_secs_f64(),
        "throughput_rps": r.throughput(),
        "latency_ms": latency,
        "max_queue_depth": r.peaks.max_queue,
        "drain_s": drain_s,
        "drain_status": drain_status,
        "max_rss_bytes": r.peaks.max_rss,
        "messages": messages,
    })
}

pub fn write_json(
    path: &Path,
    info: &RunInfo,
    results: &[LevelResult],
    shutdown: Option<&Shutdown>,
) -> Result<()> {
    let env: Map<String, Value> = info
        .env_overrides
        .iter()
        .map(|(k, v)| (k.clone(), json!(v)))
        .collect();
    let doc = json!({
        "command": info.command,
        "server_bin": info.bin,
        "machine": { "nproc": info.nproc, "cpu_model": info.cpu_model },
        "env_overrides": env,
        "warmup_s": info.warmup_s,
        "duration_s": info.duration_s,
        "idle_rss_bytes": info.idle_rss,
        "levels": results.iter().map(level_json).collect::<Vec<_>>(),
        "shutdown": shutdown.map(|s| json!({
            "status": s.status.as_ref().map(describe),
            "graceful": s.graceful(),
            "note": s.note,
        })),
    });
    let text = serde_json::to_string_pretty(&doc)?;
    std::fs::write(path, text + "\n").with_context(|| format!("writing {}", path.display()))?;
    println!("json:      {}", path.display());
    Ok(())
}
