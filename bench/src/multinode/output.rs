//! `multinode`'s report on stdout.

use std::time::Duration;

use crate::measure::{Measured, PgFigures};
use crate::pg::per_tick;
use crate::prom::fmt_summary;
use crate::smpp::{machine, pct_cell, rate_cell};
use crate::stats::{ms, LatencySummary};
use crate::{Args, ConfigRun};

/// Facts gathered before the runs.
pub struct Info {
    pub load_at_start: Option<String>,
    pub pg_settings: Vec<(String, String)>,
}

fn secs_cell(d: Option<Duration>) -> String {
    d.map_or_else(|| "n/a".to_string(), |d| format!("{:.2}", d.as_secs_f64()))
}

fn lat_cell(l: Option<&LatencySummary>, f: fn(&LatencySummary) -> u64) -> String {
    l.map_or_else(|| "n/a".to_string(), |l| format!("{:.1}", ms(f(l))))
}

/// `61%` for one node, `38/37/36%` for several.
fn nodes_cpu_cell(cpu: &[Option<f64>]) -> String {
    let parts: Vec<String> = cpu
        .iter()
        .map(|c| c.map_or("n/a".to_string(), |c| format!("{:.0}", c * 100.0)))
        .collect();
    format!("{}%", parts.join("/"))
}

fn per_msg(v: f64, m: &Measured) -> Option<f64> {
    (m.load.accepted > 0).then(|| v / m.load.accepted as f64)
}

fn opt_cell(v: Option<f64>, decimals: usize) -> String {
    v.map_or_else(|| "n/a".to_string(), |v| format!("{v:.decimals$}"))
}

pub fn print_report(args: &Args, info: &Info, runs: &[ConfigRun]) {
    let (nproc, cpu_model) = machine();
    println!();
    println!(
        "command:   {}",
        std::env::args().collect::<Vec<_>>().join(" ")
    );
    println!("server:    {}", args.bin.display());
    println!(
        "machine:   {nproc} CPUs, {cpu_model}; load average at start {}",
        info.load_at_start.as_deref().unwrap_or("n/a")
    );
    println!(
        "setup:     {} messages per configuration, HTTP concurrency {} in total (round robin over the nodes), \
         SMSC simulator (receipt delay 0), window {}, {} SMPP connection(s) per node, \
         PostgreSQL pool {} per node",
        args.messages, args.concurrency, args.window, args.connections, args.max_connections
    );
    if !info.pg_settings.is_empty() {
        let s: Vec<String> = info
            .pg_settings
            .iter()
            .map(|(k, v)| format!("{k}={v}"))
            .collect();
        println!("postgres:  {} ({})", redact(&args.pg_url), s.join(" "));
    }
    let env = if args.env_overrides.is_empty() {
        "(none)".to_string()
    } else {
        let kv: Vec<String> = args
            .env_overrides
            .iter()
            .map(|(k, v)| format!("{k}={v}"))
            .collect();
        kv.join(" ")
    };
    println!("env:       {env}");
    if runs.is_empty() {
        return;
    }

    println!();
    println!(
        "{:>8} {:>8} {:>6} {:>7} {:>6} {:>6} {:>9} {:>6} {:>8} {:>14} {:>6} {:>6} {:>5} {:>5} {:>5} {:>6}",
        "config", "accepted", "errors", "api/s", "p50 ms", "p99 ms", "e2e msg/s", "e2e s",
        "smsc sub", "node cpu", "sim", "pg", "bench", "other", "idle", "iowait"
    );
    for r in runs {
        let Ok(m) = &r.measured else {
            println!("{:>8} FAILED (see below)", r.setup.to_string());
            continue;
        };
        let machine = m.cpu.machine;
        println!(
            "{:>8} {:>8} {:>6} {:>7} {:>6} {:>6} {:>9} {:>6} {:>8} {:>14} {:>6} {:>6} {:>5} {:>5} {:>5} {:>6}",
            r.setup.to_string(),
            m.load.accepted,
            m.load.errors.values().sum::<u64>(),
            rate_cell(m.load.accept_rate()),
            lat_cell(m.load.latency.as_ref(), |l| l.p50),
            lat_cell(m.load.latency.as_ref(), |l| l.p99),
            rate_cell(m.e2e_rate()),
            secs_cell(m.timeline.drained),
            m.sim.submit_sm,
            nodes_cpu_cell(&m.cpu.nodes),
            pct_cell(m.cpu.sim),
            pct_cell(m.cpu.postgres),
            pct_cell(m.cpu.bench),
            pct_cell(m.cpu.other()),
            pct_cell(machine.map(|t| t.idle)),
            pct_cell(machine.map(|t| t.iowait)),
        );
    }

    let pg_runs: Vec<(&ConfigRun, &Measured, &PgFigures)> = runs
        .iter()
        .filter_map(|r| {
            let m = r.measured.as_ref().ok()?;
            Some((r, m, m.pg.as_ref()?))
        })
        .collect();
    if !pg_runs.is_empty() {
        println!();
        println!(
            "PostgreSQL, per message accepted (statistics deltas; CPU µs of all postgres processes and of the nodes) \
             and on average over the run (backends):"
        );
        println!(
            "{:>8} {:>8} {:>8} {:>8} {:>8} {:>8} {:>8} {:>11} {:>8} {:>8} {:>11} {:>11}",
            "config",
            "commits",
            "rollback",
            "WAL rec",
            "WAL B",
            "WAL FPI",
            "WAL sync",
            "commit/sync",
            "backends",
            "busy",
            "pg cpu µs",
            "node cpu µs"
        );
        for (r, m, p) in &pg_runs {
            let d = p.delta;
            let wal = d.and_then(|d| d.wal);
            let commits = d.map(|d| d.xact_commit);
            let syncs = wal.map(|w| w.sync);
            println!(
                "{:>8} {:>8} {:>8} {:>8} {:>8} {:>8} {:>8} {:>11} {:>8} {:>8} {:>11} {:>11}",
                r.setup.to_string(),
                opt_cell(commits.and_then(|c| per_msg(c, m)), 2),
                opt_cell(d.and_then(|d| per_msg(d.xact_rollback, m)), 3),
                opt_cell(wal.and_then(|w| per_msg(w.records, m)), 1),
                opt_cell(wal.and_then(|w| per_msg(w.bytes, m)), 0),
                opt_cell(wal.and_then(|w| per_msg(w.fpi, m)), 2),
                opt_cell(syncs.and_then(|s| per_msg(s, m)), 3),
                opt_cell(
                    commits
                        .zip(syncs)
                        .and_then(|(c, s)| (s > 0.0).then(|| c / s)),
                    1
                ),
                format!(
                    "{:.1}",
                    per_tick(p.activity.our_samples(), p.activity.ticks)
                ),
                format!("{:.2}", p.activity.busy_ours()),
                opt_cell(
                    m.cpu
                        .postgres
                        .and_then(|c| per_msg(c * m.cpu.wall_secs * 1e6, m)),
                    0
                ),
                opt_cell(per_msg(m.cpu.nodes_total() * m.cpu.wall_secs * 1e6, m), 0),
            );
        }
        println!();
        println!("Where the time goes in PostgreSQL: the nodes' backends in pg_stat_activity by state and wait event.");
        println!("busy = active or idle in a transaction; busy% = share of the busy samples; backends = average number");
        println!("in that state; µs/msg = backend time in that state per message accepted.");
        for (r, m, p) in &pg_runs {
            let a = &p.activity;
            let wall = a.elapsed.as_secs_f64();
            println!(
                "{}: {} samples every {} ms over {wall:.1} s; the nodes' backends: {} at most, {:.1} on average, {:.2} busy",
                r.setup,
                a.ticks,
                args.sample_ms,
                a.max_ours,
                per_tick(a.our_samples(), a.ticks),
                a.busy_ours()
            );
            let busy: Vec<(&String, &u64)> = {
                let mut v: Vec<_> = a
                    .ours
                    .iter()
                    .filter(|(k, _)| !k.starts_with("idle:"))
                    .collect();
                v.sort_by(|x, y| y.1.cmp(x.1));
                v
            };
            let busy_total = busy.iter().map(|(_, n)| **n).sum::<u64>().max(1) as f64;
            println!(
                "  {:<46} {:>6} {:>8} {:>9}",
                "state: wait event", "busy%", "backends", "µs/msg"
            );
            let row = |label: &str, n: u64, share: Option<f64>| {
                let avg = per_tick(n, a.ticks);
                println!(
                    "  {label:<46} {:>6} {avg:>8.2} {:>9}",
                    share.map_or("-".to_string(), |s| format!("{:.1}%", s * 100.0)),
                    if share.is_some() {
                        opt_cell(per_msg(avg * wall * 1e6, m), 1)
                    } else {
                        "-".to_string()
                    }
                );
            };
            let (mut rest_n, mut rest_k) = (0u64, 0usize);
            for (key, n) in &busy {
                let share = **n as f64 / busy_total;
                if share >= 0.01 {
                    row(key, **n, Some(share));
                } else {
                    rest_n += **n;
                    rest_k += 1;
                }
            }
            if rest_k > 0 {
                row(
                    &format!("({rest_k} more states, each < 1%)"),
                    rest_n,
                    Some(rest_n as f64 / busy_total),
                );
            }
            for (key, n) in a.ours.iter().filter(|(k, _)| k.starts_with("idle:")) {
                row(&format!("{key} (no transaction)"), *n, None);
            }
            let mut bg: Vec<(&String, &u64)> = a
                .background
                .iter()
                .filter(|(k, _)| !k.contains(": Activity:"))
                .collect();
            bg.sort_by(|x, y| y.1.cmp(x.1));
            if !bg.is_empty() {
                let s: Vec<String> = bg
                    .iter()
                    .take(6)
                    .map(|(k, n)| format!("{k} {:.2}", per_tick(**n, a.ticks)))
                    .collect();
                println!(
                    "  background processes not in their main loop (average number): {}",
                    s.join(", ")
                );
            }
            if !a.others.is_empty() {
                let n: u64 = a.others.values().sum();
                println!(
                    "  NOTE: other clients' backends were busy {:.2} on average (another workload on this PostgreSQL)",
                    per_tick(n, a.ticks)
                );
            }
            if let Some(d) = p.delta {
                let secs = p.counters_secs;
                let mut parts = vec![format!(
                    "{:.0} commits, {:.0} inserted / {:.0} updated / {:.0} deleted rows, {:.2}% of blocks read from disk",
                    d.xact_commit,
                    d.tup_inserted,
                    d.tup_updated,
                    d.tup_deleted,
                    if d.blks_hit + d.blks_read > 0.0 {
                        d.blks_read / (d.blks_hit + d.blks_read) * 100.0
                    } else {
                        0.0
                    }
                )];
                if let (Some(act), Some(idle)) = (d.active_time_ms, d.idle_in_transaction_ms) {
                    parts.push(format!(
                        "active_time {:.2} backends, idle in transaction {:.2} backends",
                        act / 1000.0 / secs,
                        idle / 1000.0 / secs
                    ));
                }
                if let Some(w) = d.wal {
                    parts.push(format!(
                        "WAL {:.1} MB in {:.0} writes / {:.0} syncs ({:.0} syncs/s), {:.0} wal_buffers_full",
                        w.bytes / 1e6,
                        w.write,
                        w.sync,
                        w.sync / secs,
                        w.buffers_full
                    ));
                }
                println!("  stats over {secs:.1} s: {}", parts.join("; "));
            }
        }
    }

    println!();
    for r in runs {
        let tag = r.setup.to_string();
        let m = match &r.measured {
            Ok(m) => m,
            Err(e) => {
                println!("{tag}: FAILED: {e}");
                print_exits(&tag, r);
                continue;
            }
        };
        println!(
            "{tag}: timeline from the first POST: last 201 at {} s, SMSC counted all submits at {} s, \
             all receipts acknowledged at {} s, queue empty at {} s",
            secs_cell(m.timeline.last_accept),
            secs_cell(m.timeline.sim_submits),
            secs_cell(m.timeline.sim_acks),
            secs_cell(m.timeline.drained)
        );
        if m.timeline.drained.is_none() {
            println!("{tag}: INCOMPLETE: the queue did not drain before the timeout");
        }
        if !m.load.errors.is_empty() {
            let kinds: Vec<String> = m
                .load
                .errors
                .iter()
                .map(|(k, v)| format!("{k}: {v}"))
                .collect();
            println!("{tag}: errors: {}", kinds.join(", "));
        }
        if m.load.accepted_per_target.len() > 1 {
            let per: Vec<String> = m
                .load
                .accepted_per_target
                .iter()
                .map(|n| n.to_string())
                .collect();
            println!("{tag}: accepted per node: {}", per.join(" / "));
        }
        let statuses: Vec<String> = m
            .statuses
            .iter()
            .map(|(s, n)| format!("{s}={n:.0}"))
            .collect();
        println!(
            "{tag}: messages by status ({}): {}{}",
            if m.pg.is_some() { "SQL" } else { "/metrics" },
            statuses.join(" "),
            m.parts
                .map_or(String::new(), |p| format!("; message_parts rows {p}"))
        );
        let extra = m.sim.submit_sm as f64 - m.load.accepted as f64;
        println!(
            "{tag}: SMSC: {} submit_sm for {} accepted messages ({}), {} receipts sent, {} acknowledged; \
             receipts matched={:.0} orphaned-then-applied={:.0}",
            m.sim.submit_sm,
            m.load.accepted,
            if extra > 0.0 {
                format!("{extra:.0} MORE: duplicate submits")
            } else if extra < 0.0 {
                format!("{:.0} missing", -extra)
            } else {
                "one each".to_string()
            },
            m.sim.receipts_sent,
            m.sim.receipts_acked,
            m.receipts_matched,
            m.receipts_orphaned
        );
        let qm: Vec<String> = m
            .queue_metrics
            .iter()
            .map(|q| q.map_or("n/a".to_string(), |q| format!("{q:.0}")))
            .collect();
        let agree = m
            .queue_metrics
            .iter()
            .all(|q| q.is_some_and(|q| m.queue_sql.map_or(q == 0.0, |s| q == s as f64)));
        println!(
            "{tag}: queue at the end: SQL {}, /metrics per node {} ({})",
            m.queue_sql.map_or("-".to_string(), |q| q.to_string()),
            qm.join(" / "),
            if agree { "agree" } else { "DISAGREE" }
        );
        if let Some(t) = m.cpu.machine {
            println!(
                "{tag}: machine over {:.2} s (cores): processes {:.2}, idle {:.2}, iowait {:.2}, irq+softirq {:.2}, steal {:.2}; \
                 nodes {:.2}, simulator {}, postgres {} (its backends for the nodes {}), bench {}, other {}",
                m.cpu.wall_secs,
                t.busy,
                t.idle,
                t.iowait,
                t.irq,
                t.steal,
                m.cpu.nodes_total(),
                opt_cell(m.cpu.sim, 2),
                opt_cell(m.cpu.postgres, 2),
                opt_cell(m.cpu.pg_backends, 2),
                opt_cell(m.cpu.bench, 2),
                opt_cell(m.cpu.other(), 2),
            );
        }
        let others: Vec<String> = m
            .cpu
            .others
            .iter()
            .filter(|(_, c)| *c >= 0.005)
            .take(8)
            .map(|(name, c)| format!("{name} {:.0}%", c * 100.0))
            .collect();
        if !others.is_empty() {
            println!("{tag}: other processes' CPU: {}", others.join(", "));
        }
        for s in &m.store {
            println!("{tag}: {}", fmt_summary(s));
        }
        if let Some(line) = writer_busy(m) {
            println!("{tag}: {line}");
        }
        print_exits(&tag, r);
        if let Some((name, what)) = &r.schema {
            println!("{tag}: schema {name} {what}");
        }
    }
}

fn print_exits(tag: &str, r: &ConfigRun) {
    for n in &r.notes {
        println!("{tag}: note: {n}");
    }
    for (i, e) in r.exits.iter().enumerate() {
        println!(
            "{tag}: node {} shutdown: {}{}",
            i + 1,
            e.text,
            if e.graceful { "" } else { "; NOT graceful" }
        );
    }
}

/// How busy the SQLite writer thread was: (execute + commit time) / run time.
fn writer_busy(m: &Measured) -> Option<String> {
    let sum = |name: &str| m.store.iter().find(|s| s.name == name).map(|s| s.sum);
    let exec = sum("switchboard_store_execute_seconds")?;
    let commit = sum("switchboard_store_commit_seconds")?;
    let wall = m.timeline.drained?.as_secs_f64();
    Some(format!(
        "SQLite writer busy {:.0}% of the run (execute {exec:.2} s + commit {commit:.2} s over {wall:.2} s; \
         counted since the node started)",
        (exec + commit) / wall * 100.0
    ))
}

/// The URL without a password.
pub fn redact(url: &str) -> String {
    match (url.find("://"), url.find('@')) {
        (Some(s), Some(at)) if at > s => {
            let creds = &url[s + 3..at];
            match creds.split_once(':') {
                Some((user, _)) => format!("{}{user}:<redacted>{}", &url[..s + 3], &url[at..]),
                None => url.to_string(),
            }
        }
        _ => url.to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn redacts_passwords() {
        assert_eq!(
            redact("postgres://u:secret@h:5432/db"),
            "postgres://u:<redacted>@h:5432/db"
        );
        assert_eq!(redact("postgres://u@h/db"), "postgres://u@h/db");
    }

    #[test]
    fn formats_node_cpu() {
        assert_eq!(nodes_cpu_cell(&[Some(0.5)]), "50%");
        assert_eq!(
            nodes_cpu_cell(&[Some(0.381), None, Some(0.36)]),
            "38/n/a/36%"
        );
    }
}
