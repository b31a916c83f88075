//! `multinode`'s results as a JSON file (`--json`).

use std::path::Path;
use std::time::Duration;

use anyhow::{Context, Result};
use serde_json::{json, Value};

use crate::output::{redact, Info};
use crate::smpp::machine;
use crate::stats::ms;
use crate::{Args, ConfigRun};

pub fn write_json(path: &Path, args: &Args, info: &Info, runs: &[ConfigRun]) -> Result<()> {
    let (nproc, cpu_model) = machine();
    let secs = |d: Option<Duration>| d.map(|d| d.as_secs_f64());
    let rows: Vec<Value> = runs
        .iter()
        .map(|r| {
            let exits: Vec<Value> = r
                .exits
                .iter()
                .map(|e| json!({"graceful": e.graceful, "status": e.text}))
                .collect();
            let mut row = json!({
                "config": r.setup.to_string(),
                "nodes": r.setup.nodes,
                "shutdown": exits,
                "schema": r.schema.as_ref().map(|(n, w)| json!({"name": n, "fate": w})),
                "notes": r.notes,
            });
            match &r.measured {
                Err(e) => row["error"] = json!(e),
                Ok(m) => {
                    let latency = m.load.latency.as_ref().map(|l| {
                        json!({"count": l.count, "mean": l.mean / 1000.0, "p50": ms(l.p50),
                               "p90": ms(l.p90), "p99": ms(l.p99), "max": ms(l.max)})
                    });
                    row["accepted"] = json!(m.load.accepted);
                    row["accepted_per_node"] = json!(m.load.accepted_per_target);
                    row["errors"] = json!(m.load.errors);
                    row["api_accept_rate"] = json!(m.load.accept_rate());
                    row["api_latency_ms"] = json!(latency);
                    row["e2e_rate"] = json!(m.e2e_rate());
                    row["timeline_s"] = json!({
                        "last_accept": secs(m.timeline.last_accept),
                        "smsc_submits": secs(m.timeline.sim_submits),
                        "smsc_acks": secs(m.timeline.sim_acks),
                        "drained": secs(m.timeline.drained),
                    });
                    row["smsc"] = json!({"submit_sm": m.sim.submit_sm,
                        "receipts_sent": m.sim.receipts_sent, "receipts_acked": m.sim.receipts_acked});
                    row["statuses"] = Value::Object(m.statuses.iter().map(|(k, v)| (k.clone(), json!(v))).collect());
                    row["message_parts"] = json!(m.parts);
                    row["queue_end"] = json!({"sql": m.queue_sql, "metrics": m.queue_metrics});
                    row["receipts"] = json!({"matched": m.receipts_matched, "orphaned": m.receipts_orphaned});
                    row["cpu"] = json!({
                        "wall_s": m.cpu.wall_secs,
                        "nodes": m.cpu.nodes,
                        "smsc_sim": m.cpu.sim,
                        "postgres": m.cpu.postgres,
                        "postgres_node_backends": m.cpu.pg_backends,
                        "bench": m.cpu.bench,
                        "other": m.cpu.other(),
                        "other_by_name": Value::Object(m.cpu.others.iter().map(|(k, v)| (k.clone(), json!(v))).collect()),
                        "machine": m.cpu.machine.map(|t| json!({"processes": t.busy, "idle": t.idle,
                            "iowait": t.iowait, "irq": t.irq, "steal": t.steal})),
                    });
                    if let Some(p) = &m.pg {
                        let a = &p.activity;
                        row["postgres"] = json!({
                            "activity": {
                                "ticks": a.ticks,
                                "sample_ms": args.sample_ms,
                                "elapsed_s": a.elapsed.as_secs_f64(),
                                "max_backends": a.max_ours,
                                "node_backends": a.ours,
                                "background": a.background,
                                "other_clients_busy": a.others,
                            },
                            "stats_s": p.counters_secs,
                            "stats_delta": p.delta.map(|d| json!({
                                "xact_commit": d.xact_commit,
                                "xact_rollback": d.xact_rollback,
                                "tup_inserted": d.tup_inserted,
                                "tup_updated": d.tup_updated,
                                "tup_deleted": d.tup_deleted,
                                "blks_read": d.blks_read,
                                "blks_hit": d.blks_hit,
                                "active_time_ms": d.active_time_ms,
                                "idle_in_transaction_time_ms": d.idle_in_transaction_ms,
                                "wal": d.wal.map(|w| json!({"records": w.records, "fpi": w.fpi,
                                    "bytes": w.bytes, "buffers_full": w.buffers_full,
                                    "write": w.write, "sync": w.sync})),
                            })),
                        });
                    }
                    let store: Vec<Value> = m
                        .store
                        .iter()
                        .map(|s| json!({"name": s.name, "count": s.count, "sum": s.sum,
                            "quantiles": s.quantiles.iter().map(|(q, v)| json!([q, v])).collect::<Vec<_>>()}))
                        .collect();
                    row["sqlite_store"] = json!(store);
                }
            }
            row
        })
        .collect();
    let doc = json!({
        "command": std::env::args().collect::<Vec<_>>().join(" "),
        "server_bin": args.bin.display().to_string(),
        "machine": {"nproc": nproc, "cpu_model": cpu_model},
        "loadavg_at_start": info.load_at_start,
        "postgres_url": redact(&args.pg_url),
        "postgres_settings": Value::Object(info.pg_settings.iter().map(|(k, v)| (k.clone(), json!(v))).collect()),
        "messages": args.messages,
        "concurrency": args.concurrency,
        "window": args.window,
        "connections_per_node": args.connections,
        "pg_pool_per_node": args.max_connections,
        "env_overrides": args.env_overrides.iter().map(|(k, v)| format!("{k}={v}")).collect::<Vec<_>>(),
        "runs": rows,
    });
    let text = serde_json::to_string_pretty(&doc)?;
    std::fs::write(path, text + "\n").with_context(|| format!("writing {}", path.display()))?;
    println!("json:      {}", path.display());
    Ok(())
}
