//! One configuration's measurement: the load, the wait until every message is
//! delivered, and the figures around it (CPU, PostgreSQL statistics and
//! activity, SQLite store summaries).

use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

use anyhow::{Context, Result};
use sqlx::PgPool;
use tokio::sync::watch;

use crate::cluster::Node;
use crate::load::{post_all, LoadOutcome};
use crate::pg::{self, Activity, Counters};
use crate::prom::{self, SummaryStat};
use crate::server::Ready;
use crate::smpp::cpu::{AllCpuMeter, CpuMeter, MachineTimes, NamedCpuMeter};
use crate::smpp::peer::{SmscChild, SmscCounts};
use crate::{Args, Setup};

/// Offsets from the first POST.
#[derive(Debug, Default, Clone, Copy)]
pub struct Timeline {
    pub last_accept: Option<Duration>,
    /// The simulator had counted as many submits as messages were accepted.
    pub sim_submits: Option<Duration>,
    /// The simulator had received as many receipt acknowledgements.
    pub sim_acks: Option<Duration>,
    /// The queue was empty after the last POST: every message delivered. The
    /// end of the end-to-end measurement.
    pub drained: Option<Duration>,
}

/// CPU over the measured interval (first POST → queue empty), as fractions
/// of one core.
#[derive(Debug, Default, Clone)]
pub struct CpuFigures {
    pub wall_secs: f64,
    pub nodes: Vec<Option<f64>>,
    pub sim: Option<f64>,
    pub bench: Option<f64>,
    /// Every `postgres` process (PostgreSQL configurations only).
    pub postgres: Option<f64>,
    /// Of which the nodes' backends.
    pub pg_backends: Option<f64>,
    /// The machine (2.0 = two busy cores).
    pub machine: Option<MachineTimes>,
    /// Every other process with CPU time in the interval, by command name
    /// (cores), largest first.
    pub others: Vec<(String, f64)>,
}

impl CpuFigures {
    /// CPU not accounted for by the nodes, the simulator, PostgreSQL or the
    /// bench. A process's CPU time includes the interrupt work done while it
    /// ran (much of loopback TCP), which `/proc/stat` books as irq/softirq
    /// rather than user/system, so the machine's figure to compare with is
    /// user + nice + system + irq + softirq.
    pub fn other(&self) -> Option<f64> {
        let ours: f64 = self.nodes.iter().flatten().sum::<f64>()
            + self.sim.unwrap_or(0.0)
            + self.bench.unwrap_or(0.0)
            + self.postgres.unwrap_or(0.0);
        self.machine.map(|m| (m.busy + m.irq - ours).max(0.0))
    }

    pub fn nodes_total(&self) -> f64 {
        self.nodes.iter().flatten().sum()
    }
}

/// PostgreSQL figures of one run.
#[derive(Debug, Clone)]
pub struct PgFigures {
    pub activity: Activity,
    /// `pg_stat_database` / `pg_stat_wal` deltas from just before the first
    /// POST to shortly after the queue was empty (statistics are flushed
    /// about once a second, so the end is read 1.5 s late).
    pub delta: Option<Counters>,
    pub counters_secs: f64,
}

pub struct Measured {
    pub load: LoadOutcome,
    pub timeline: Timeline,
    /// The simulator's counters once the queue was empty.
    pub sim: SmscCounts,
    pub cpu: CpuFigures,
    /// Messages by status: exact from the schema (PostgreSQL) or from the
    /// `switchboard_messages` gauges (SQLite).
    pub statuses: Vec<(String, f64)>,
    /// Rows in `message_parts` (PostgreSQL).
    pub parts: Option<i64>,
    /// Queue depth at the end: `SELECT count(*) FROM queue` (PostgreSQL).
    pub queue_sql: Option<i64>,
    /// Queue depth at the end per node, from `/metrics`.
    pub queue_metrics: Vec<Option<f64>>,
    pub receipts_matched: f64,
    pub receipts_orphaned: f64,
    pub pg: Option<PgFigures>,
    /// `switchboard_store_*` summaries (SQLite).
    pub store: Vec<SummaryStat>,
}

impl Measured {
    pub fn e2e_rate(&self) -> Option<f64> {
        let end = self.timeline.drained?.as_secs_f64();
        (end > 0.0).then(|| self.load.accepted as f64 / end)
    }

    pub fn delivered(&self) -> f64 {
        self.statuses
            .iter()
            .find(|(s, _)| s == "delivered")
            .map_or(0.0, |(_, n)| *n)
    }
}

/// Where the queue depth comes from.
enum Depth<'a> {
    Sql(&'a PgPool, &'a str),
    Metrics(&'a crate::sample::Probe),
}

impl Depth<'_> {
    async fn get(&self) -> Option<f64> {
        match self {
            Depth::Sql(pool, schema) => pg::queue_count(pool, schema).await.ok().map(|n| n as f64),
            Depth::Metrics(probe) => probe.queue_depth().await.ok().flatten(),
        }
    }
}

pub async fn measure(
    args: &Args,
    setup: &Setup,
    ready: &Ready,
    nodes: &mut [Node],
    sim: &SmscChild,
    pg_side: Option<(&PgPool, &str)>,
) -> Result<Measured> {
    let label = setup.to_string();
    let counters_before = match pg_side {
        Some((pool, _)) => {
            // Let the start-up's statistics be flushed first (about once a second).
            tokio::time::sleep(Duration::from_millis(1200)).await;
            Some(pg::counters(pool).await?)
        }
        None => None,
    };
    let (stop_tx, stop_rx) = watch::channel(false);
    let sampler = pg_side.map(|(_, schema)| {
        tokio::spawn(pg::sample_activity(
            args.pg_url.clone(),
            pg::app_prefix(schema),
            Duration::from_millis(args.sample_ms.max(1)),
            stop_rx,
        ))
    });

    let node_cpu: Vec<CpuMeter> = nodes
        .iter()
        .map(|n| CpuMeter::start(Some(n.pid())))
        .collect();
    let sim_cpu = CpuMeter::start(Some(sim.pid));
    let bench_cpu = CpuMeter::start(None);
    let pg_cpu = pg_side.map(|_| NamedCpuMeter::start("postgres"));
    let all_cpu = AllCpuMeter::start();
    let machine = MachineTimes::now();
    let t0 = Instant::now();

    let targets: Vec<_> = nodes.iter().map(|n| n.addr).collect();
    let accepted = Arc::new(AtomicU64::new(0));
    let load_done = AtomicBool::new(false);
    let load = async {
        let r = post_all(
            ready,
            &targets,
            args.messages,
            args.concurrency,
            Arc::clone(&accepted),
        )
        .await;
        load_done.store(true, Ordering::Release);
        r
    };
    let depth = match pg_side {
        Some((pool, schema)) => Depth::Sql(pool, schema),
        None => Depth::Metrics(&nodes[0].probe),
    };
    let watch = watch_completion(
        &label,
        &depth,
        sim,
        &accepted,
        &load_done,
        t0,
        Duration::from_secs(args.timeout),
    );
    let (load, mut timeline) = tokio::join!(load, watch);

    // The interval ends here (or at the timeout).
    let wall = t0.elapsed().as_secs_f64();
    let mut cpu = CpuFigures {
        wall_secs: wall,
        nodes: node_cpu.iter().map(|m| m.share(wall)).collect(),
        sim: sim_cpu.share(wall),
        bench: bench_cpu.share(wall),
        machine: MachineTimes::now()
            .zip(machine)
            .and_then(|(end, start)| end.share_since(&start, wall)),
        ..CpuFigures::default()
    };
    let pg_group = pg_cpu.map(|m| m.finish());
    let mut exclude: Vec<u32> = nodes.iter().map(|n| n.pid()).collect();
    exclude.push(sim.pid);
    exclude.push(std::process::id());
    cpu.others = all_cpu
        .by_name(&exclude)
        .into_iter()
        .filter(|(name, _)| pg_side.is_none() || name != "postgres")
        .map(|(name, secs)| (name, secs / wall))
        .collect();
    let _ = stop_tx.send(true);
    let activity = match sampler {
        Some(handle) => Some(
            handle
                .await
                .context("pg_stat_activity sampler panicked")??,
        ),
        None => None,
    };
    if let Some(g) = &pg_group {
        cpu.postgres = Some(g.total_secs / wall);
        if let Some(a) = &activity {
            let backends: f64 = a
                .our_pids
                .iter()
                .filter_map(|pid| u32::try_from(*pid).ok())
                .filter_map(|pid| g.per_pid_secs.get(&pid))
                .sum();
            cpu.pg_backends = Some(backends / wall);
        }
    }
    let load = load?;
    timeline.last_accept = load.last_accept.map(|t| t.saturating_duration_since(t0));
    let sim_counts = sim.counts().await.unwrap_or_default();
    for node in nodes.iter_mut() {
        node.server.check_alive()?;
    }

    // Statistics deltas, queue agreement and statuses.
    let mut pg_figures = None;
    let (mut statuses, mut parts, mut queue_sql) = (Vec::new(), None, None);
    if let (Some((pool, schema)), Some(activity), Some(before)) =
        (pg_side, activity, counters_before)
    {
        tokio::time::sleep(Duration::from_millis(1500)).await;
        let after = pg::counters(pool).await.ok();
        pg_figures = Some(PgFigures {
            activity,
            delta: after.map(|a| a.since(&before)),
            counters_secs: t0.elapsed().as_secs_f64(),
        });
        queue_sql = pg::queue_count(pool, schema).await.ok();
        if let Ok((s, p)) = pg::status_counts(pool, schema).await {
            statuses = s.into_iter().map(|(k, v)| (k, v as f64)).collect();
            parts = Some(p);
        }
    }
    let mut texts = Vec::new();
    for node in nodes.iter() {
        texts.push(node.probe.metrics().await.unwrap_or_default());
    }
    if pg_side.is_none() {
        // The per-status gauges refresh at most every 5 s: wait for them to catch up.
        let settle = Instant::now() + Duration::from_secs(8);
        loop {
            let counts = prom::message_counts(&texts[0]);
            let delivered = prom::status_count(&counts, "delivered");
            if delivered >= load.accepted as f64
                || Instant::now() >= settle
                || timeline.drained.is_none()
            {
                statuses = counts
                    .iter()
                    .filter_map(|(k, v)| {
                        let s = k.strip_prefix("switchboard_messages{status=\"")?;
                        Some((s.strip_suffix("\"}")?.to_string(), *v))
                    })
                    .filter(|(_, v)| *v > 0.0)
                    .collect();
                break;
            }
            tokio::time::sleep(Duration::from_millis(500)).await;
            texts[0] = nodes[0].probe.metrics().await.unwrap_or_default();
        }
    }
    let sum = |label: &str| -> f64 {
        texts
            .iter()
            .filter_map(|t| prom::sample_value(t, "switchboard_receipts_total", label))
            .sum()
    };
    Ok(Measured {
        timeline,
        sim: sim_counts,
        cpu,
        statuses,
        parts,
        queue_sql,
        queue_metrics: texts.iter().map(|t| prom::queue_depth(t)).collect(),
        receipts_matched: sum("matched=\"true\""),
        receipts_orphaned: sum("matched=\"false\""),
        pg: pg_figures,
        store: if pg_side.is_none() {
            prom::summaries(&texts[0], "switchboard_store_")
        } else {
            Vec::new()
        },
        load,
    })
}

/// Polls the simulator (every 100 ms) and, once the load is done, the queue
/// depth (every 100 ms) until the queue is empty; prints progress every second.
async fn watch_completion(
    label: &str,
    depth: &Depth<'_>,
    sim: &SmscChild,
    accepted: &AtomicU64,
    load_done: &AtomicBool,
    t0: Instant,
    timeout: Duration,
) -> Timeline {
    let mut tl = Timeline::default();
    let mut load_done_at: Option<Instant> = None;
    let mut next_report = Instant::now() + Duration::from_secs(1);
    let mut last_accepted = 0u64;
    loop {
        tokio::time::sleep(Duration::from_millis(100)).await;
        let now = Instant::now();
        let since = |t: Instant| t.saturating_duration_since(t0);
        let done = load_done.load(Ordering::Acquire);
        if done && load_done_at.is_none() {
            load_done_at = Some(now);
        }
        let n = accepted.load(Ordering::Relaxed);
        let counts = sim.counts().await.unwrap_or_default();
        if done && tl.sim_submits.is_none() && counts.submit_sm >= n {
            tl.sim_submits = Some(since(now));
        }
        if done && tl.sim_acks.is_none() && counts.receipts_acked >= n {
            tl.sim_acks = Some(since(now));
        }
        if done {
            if let Some(d) = depth.get().await {
                if d <= 0.0 {
                    tl.drained = Some(since(Instant::now()));
                    return tl;
                }
            }
        }
        if load_done_at.is_some_and(|t| now.saturating_duration_since(t) > timeout) {
            eprintln!("{label}: gave up waiting for the queue to drain after {timeout:?}");
            return tl;
        }
        if now >= next_report {
            next_report = now + Duration::from_secs(1);
            let q = depth
                .get()
                .await
                .map_or("n/a".to_string(), |d| format!("{d:.0}"));
            eprintln!(
                "  [{label}] t={:>5.1}s accepted={n:>7} ({:>6}/s) smsc submits={:>7} receipts acked={:>7} queue={q}",
                since(now).as_secs_f64(),
                n - last_accepted,
                counts.submit_sm,
                counts.receipts_acked,
            );
            last_accepted = n;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn other_cpu_is_what_the_machine_used_beyond_ours() {
        let cpu = CpuFigures {
            wall_secs: 10.0,
            nodes: vec![Some(0.3), Some(0.2)],
            sim: Some(0.05),
            bench: Some(0.05),
            postgres: Some(1.0),
            machine: Some(MachineTimes {
                busy: 1.5,
                irq: 0.3,
                ..MachineTimes::default()
            }),
            ..CpuFigures::default()
        };
        assert!((cpu.other().unwrap() - 0.2).abs() < 1e-9);
        assert!((cpu.nodes_total() - 0.5).abs() < 1e-9);
        let idle = CpuFigures {
            machine: Some(MachineTimes::default()),
            postgres: Some(0.1),
            ..CpuFigures::default()
        };
        assert_eq!(idle.other(), Some(0.0));
    }
}
