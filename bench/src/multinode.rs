//! `multinode`: end-to-end messages/s with one node on SQLite and with 1, 2
//! and 3 nodes sharing one PostgreSQL schema, all against one SMSC simulator
//! (`switchboard smsc-sim`, receipts after 0 ms), and where the time goes in
//! PostgreSQL (`pg_stat_activity` sampled, `pg_stat_database` and
//! `pg_stat_wal` deltas, CPU per process from /proc). It reports figures; it
//! asserts nothing. See bench/README.md.

#[allow(dead_code)] // shared with the other benchmarks
mod load;
#[allow(dead_code)]
mod prom;
#[allow(dead_code)]
mod sample;
#[allow(dead_code)]
mod server;
#[allow(dead_code)]
mod smpp;
#[allow(dead_code)]
mod stats;

#[path = "multinode/cluster.rs"]
mod cluster;
#[path = "multinode/json.rs"]
mod json;
#[path = "multinode/measure.rs"]
mod measure;
#[path = "multinode/output.rs"]
mod output;
#[path = "multinode/pg.rs"]
mod pg;

use std::fmt;
use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::time::Duration;

use anyhow::{anyhow, bail, Context, Result};
use clap::Parser;
use sqlx::PgPool;

use crate::cluster::{Node, NodeConfig, NodeExit};
use crate::measure::Measured;
use crate::smpp::cpu::loadavg;
use crate::smpp::peer::{SmscChild, SmscOptions, Target};
use crate::smpp::{parse_kv, Programs, DEFAULT_BIN, DEFAULT_SINK};

const DEFAULT_PG_URL: &str = "postgres://postgres@127.0.0.1:5432/test";

#[derive(Parser, Debug)]
#[command(
    name = "multinode",
    about = "End-to-end messages/s: one node on SQLite vs. 1..N nodes on one PostgreSQL, and where the time goes"
)]
pub struct Args {
    /// Configurations to run, in order: `sqlite-1` and/or `pg-N` (N nodes on one PostgreSQL schema).
    #[arg(long, value_delimiter = ',', value_parser = parse_setup, default_value = "sqlite-1,pg-1,pg-2,pg-3")]
    configs: Vec<Setup>,
    /// Messages POSTed per configuration.
    #[arg(long, default_value_t = 20_000)]
    messages: u64,
    /// In-flight HTTP requests in total (closed-loop workers), round robin over the nodes.
    #[arg(long, default_value_t = 64)]
    concurrency: usize,
    /// Carrier `window` of each node's SMPP connection(s).
    #[arg(long, default_value_t = 100)]
    window: usize,
    /// SMPP connections per node (carrier `connections`).
    #[arg(long, default_value_t = 1)]
    connections: usize,
    /// `[database] max_connections` of each node on PostgreSQL (its pool size).
    #[arg(long, default_value_t = 16)]
    max_connections: u32,
    /// PostgreSQL to use (a fresh schema per configuration is created and dropped).
    #[arg(long, env = "SWITCHBOARD_BENCH_PG_URL", default_value = DEFAULT_PG_URL)]
    pg_url: String,
    /// Interval between `pg_stat_activity` samples, in milliseconds.
    #[arg(long, default_value_t = 50)]
    sample_ms: u64,
    /// Extra environment for every node, e.g. `--env SWITCHBOARD_PIPELINE__BATCH_SIZE=256` (repeatable).
    #[arg(long = "env", value_name = "K=V", value_parser = parse_kv)]
    env_overrides: Vec<(String, String)>,
    /// Seconds to wait, after the last POST, for every message to be delivered.
    #[arg(long, default_value_t = 300)]
    timeout: u64,
    /// Server binary (`serve` and `smsc-sim`).
    #[arg(long, env = "SWITCHBOARD_BENCH_BIN", default_value = DEFAULT_BIN)]
    bin: PathBuf,
    /// Worker threads for the bench's runtime (default: one per CPU).
    #[arg(long)]
    client_threads: Option<usize>,
    /// Also write the results as JSON to this file.
    #[arg(long, value_name = "FILE")]
    json: Option<PathBuf>,
    /// Keep the temp dir (node data and logs) after a successful run.
    #[arg(long)]
    keep_tmp: bool,
    /// Do not drop the PostgreSQL schemas (their names are printed).
    #[arg(long)]
    keep_schema: bool,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Backend {
    Sqlite,
    Postgres,
}

/// One configuration: a backend and a node count.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Setup {
    pub backend: Backend,
    pub nodes: usize,
}

impl fmt::Display for Setup {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let b = match self.backend {
            Backend::Sqlite => "sqlite",
            Backend::Postgres => "pg",
        };
        write!(f, "{b}-{}", self.nodes)
    }
}

fn parse_setup(s: &str) -> Result<Setup, String> {
    let bad = || format!("expected sqlite-1 or pg-N (N ≥ 1), got {s:?}");
    let (b, n) = s.trim().split_once('-').ok_or_else(bad)?;
    let nodes: usize = n.parse().map_err(|_| bad())?;
    match (b, nodes) {
        ("sqlite", 1) => Ok(Setup {
            backend: Backend::Sqlite,
            nodes,
        }),
        ("sqlite", _) => Err("SQLite is single-node: only sqlite-1".to_string()),
        ("pg", 1..=16) => Ok(Setup {
            backend: Backend::Postgres,
            nodes,
        }),
        _ => Err(bad()),
    }
}

/// Everything about one configuration's run.
pub struct ConfigRun {
    pub setup: Setup,
    /// The measurement, or why it failed.
    pub measured: std::result::Result<Measured, String>,
    pub exits: Vec<NodeExit>,
    /// The PostgreSQL schema, and what became of it.
    pub schema: Option<(String, String)>,
    /// Oddities seen while setting up.
    pub notes: Vec<String>,
}

fn main() -> ExitCode {
    let args = Args::parse();
    let mut rt = tokio::runtime::Builder::new_multi_thread();
    rt.enable_all();
    if let Some(n) = args.client_threads {
        rt.worker_threads(n.max(1));
    }
    let outcome = rt
        .build()
        .context("building tokio runtime")
        .and_then(|rt| rt.block_on(run(args)));
    match outcome {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("error: {e:#}");
            ExitCode::FAILURE
        }
    }
}

async fn run(args: Args) -> Result<()> {
    if args.configs.is_empty() {
        bail!("--configs is empty");
    }
    if args.messages == 0 || args.concurrency == 0 || args.window == 0 || args.connections == 0 {
        bail!("--messages, --concurrency, --window and --connections must be positive");
    }
    let load_at_start = loadavg();
    let needs_pg = args.configs.iter().any(|s| s.backend == Backend::Postgres);
    let pool = if needs_pg {
        Some(pg::connect(&args.pg_url).await?)
    } else {
        None
    };
    let pg_settings = match &pool {
        Some(p) => pg::settings(p).await,
        None => Vec::new(),
    };
    let dir = tempfile::Builder::new()
        .prefix("switchboard-multinode-")
        .tempdir()
        .context("creating temp dir")?;
    let mut runs = Vec::new();
    let mut live_schemas = Vec::new();
    let outcome = tokio::select! {
        r = run_all(&args, pool.as_ref(), dir.path(), &mut runs, &mut live_schemas) => r,
        _ = tokio::signal::ctrl_c() => Err(anyhow!("interrupted")),
    };
    // Schemas left behind by an interruption.
    if let Some(pool) = &pool {
        for name in live_schemas {
            if args.keep_schema {
                eprintln!("schema {name} kept");
            } else if let Err(e) = pg::drop_schema(pool, &name).await {
                eprintln!("warning: {e:#}");
            }
        }
        pool.close().await;
    }
    let info = output::Info {
        load_at_start,
        pg_settings,
    };
    output::print_report(&args, &info, &runs);
    let failed = runs.iter().filter(|r| r.measured.is_err()).count();
    if let Some(path) = &args.json {
        let written = json::write_json(path, &args, &info, &runs);
        if outcome.is_ok() {
            written?;
        } else if let Err(e) = written {
            eprintln!("warning: {e:#}");
        }
    }
    if outcome.is_err() || failed > 0 || args.keep_tmp {
        println!("temp dir kept: {}", dir.keep().display());
    }
    outcome?;
    if failed > 0 {
        bail!("{failed} configuration(s) failed; see above");
    }
    Ok(())
}

async fn run_all(
    args: &Args,
    pool: Option<&PgPool>,
    dir: &Path,
    runs: &mut Vec<ConfigRun>,
    live_schemas: &mut Vec<String>,
) -> Result<()> {
    for (i, setup) in args.configs.iter().enumerate() {
        let run_dir = dir.join(format!("{}-{setup}", i + 1));
        eprintln!("=== {setup}: {} node(s) ===", setup.nodes);
        let run = run_config(args, pool, &run_dir, *setup, live_schemas).await?;
        if let Err(e) = &run.measured {
            eprintln!("{setup}: FAILED: {e}");
        }
        runs.push(run);
    }
    Ok(())
}

/// One configuration with fresh processes and state: simulator, schema,
/// nodes, load, drain, shutdown, cleanup. Errors of the measurement are
/// recorded in the result; only setup failures of the bench itself (no
/// simulator, no schema) are returned as errors.
async fn run_config(
    args: &Args,
    pool: Option<&PgPool>,
    dir: &Path,
    setup: Setup,
    live_schemas: &mut Vec<String>,
) -> Result<ConfigRun> {
    let programs = Programs {
        switchboard: args.bin.clone(),
        node: PathBuf::from("node"),
        sink_script: PathBuf::from(DEFAULT_SINK),
        sink_env: Vec::new(),
    };
    let sim = SmscChild::start(
        Target::Sim,
        &programs,
        &dir.join("smsc"),
        SmscOptions {
            receipts: true,
            expect: None,
        },
    )
    .await
    .with_context(|| format!("{setup}: starting the SMSC simulator"))?;

    let pg_side = match (setup.backend, pool) {
        (Backend::Postgres, Some(pool)) => {
            let schema = pg::create_schema(pool).await?;
            live_schemas.push(schema.clone());
            eprintln!("{setup}: schema {schema}");
            Some((pool, schema))
        }
        (Backend::Postgres, None) => bail!("no PostgreSQL connection"),
        (Backend::Sqlite, _) => None,
    };
    let mut tomls = Vec::new();
    for i in 0..setup.nodes {
        let url = pg_side
            .as_ref()
            .map(|(_, schema)| pg::node_url(&args.pg_url, schema, i));
        tomls.push(cluster::node_toml(&NodeConfig {
            database_url: url.as_deref(),
            max_connections: args.max_connections,
            smsc: sim.smpp_addr,
            window: args.window,
            connections: args.connections,
        })?);
    }

    let mut nodes: Vec<Node> = Vec::new();
    let started = cluster::start(
        &args.bin,
        dir,
        &tomls,
        &args.env_overrides,
        &sim,
        args.connections,
        &mut nodes,
    )
    .await;
    let mut notes = Vec::new();
    let measured = match started {
        Ok((ready, note)) => {
            notes.extend(note);
            eprintln!(
                "{setup}: {} node(s) bound to the simulator; POSTing {} messages at concurrency {}",
                nodes.len(),
                args.messages,
                args.concurrency
            );
            measure::measure(
                args,
                &setup,
                &ready,
                &mut nodes,
                &sim,
                pg_side.as_ref().map(|(p, s)| (*p, s.as_str())),
            )
            .await
        }
        Err(e) => Err(e),
    };
    let measured = measured.map_err(|e| {
        for node in &nodes {
            cluster::print_logs(&node.server);
        }
        format!("{e:#}")
    });
    let exits = cluster::stop(nodes, Duration::from_secs(15)).await;
    for (i, exit) in exits.iter().enumerate() {
        eprintln!("{setup}: node {} shutdown: {}", i + 1, exit.text);
    }
    if let Err(e) = sim.stop().await {
        eprintln!("warning: {setup}: stopping the simulator: {e:#}");
    }
    let schema = match pg_side {
        Some((pool, schema)) => {
            let what = if args.keep_schema {
                "kept".to_string()
            } else {
                match pg::drop_schema(pool, &schema).await {
                    Ok(()) => "dropped".to_string(),
                    Err(e) => format!("NOT dropped: {e:#}"),
                }
            };
            live_schemas.retain(|s| *s != schema);
            Some((schema, what))
        }
        None => None,
    };
    Ok(ConfigRun {
        setup,
        measured,
        exits,
        schema,
        notes,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_setups() {
        assert_eq!(
            parse_setup("pg-3"),
            Ok(Setup {
                backend: Backend::Postgres,
                nodes: 3
            })
        );
        assert_eq!(
            parse_setup("sqlite-1").map(|s| s.to_string()),
            Ok("sqlite-1".into())
        );
        assert!(parse_setup("sqlite-2").is_err());
        assert!(parse_setup("pg-0").is_err());
        assert!(parse_setup("mysql-1").is_err());
    }

    #[test]
    fn parses_args() {
        let a = Args::try_parse_from(["multinode", "--configs", "pg-1,pg-2", "--messages", "500"])
            .unwrap();
        assert_eq!(a.configs.len(), 2);
        assert_eq!(a.messages, 500);
        assert_eq!(a.concurrency, 64);
        assert_eq!(a.window, 100);
        let d = Args::try_parse_from(["multinode"]).unwrap();
        let names: Vec<String> = d.configs.iter().map(|s| s.to_string()).collect();
        assert_eq!(names, ["sqlite-1", "pg-1", "pg-2", "pg-3"]);
    }
}
