//! Starting and stopping the `switchboard serve` nodes of one configuration.

use std::net::SocketAddr;
use std::path::Path;
use std::time::{Duration, Instant};

use anyhow::{bail, Context, Result};
use tokio::task::JoinSet;

use crate::prom;
use crate::sample::Probe;
use crate::server::{self, describe, Ready, Server};
use crate::smpp::peer::SmscChild;

/// The master key every node of a run shares (PostgreSQL requires one; with
/// SQLite the node generates its own).
const BENCH_MASTER_KEY: &str = "5b5b5b5b5b5b5b5b5b5b5b5b5b5b5b5b5b5b5b5b5b5b5b5b5b5b5b5b5b5b5b5b";

/// What goes into each node's `switchboard.toml`.
pub struct NodeConfig<'a> {
    /// `None`: embedded SQLite in the node's data dir.
    pub database_url: Option<&'a str>,
    pub max_connections: u32,
    pub smsc: SocketAddr,
    pub window: usize,
    pub connections: usize,
}

pub fn node_toml(c: &NodeConfig<'_>) -> Result<String> {
    let mut t = String::from("# Written by the multinode benchmark.\n");
    if let Some(url) = c.database_url {
        if url.contains('"') || url.contains('\\') {
            bail!("the PostgreSQL URL must not contain quotes or backslashes");
        }
        t.push_str(&format!(
            "master_key = \"{BENCH_MASTER_KEY}\"\n\n[database]\nurl = \"{url}\"\nmax_connections = {}\n\n",
            c.max_connections
        ));
    }
    t.push_str(&format!(
        "[[carriers]]\n\
         name = \"sim\"\n\
         host = \"{}\"\n\
         port = {}\n\
         system_id = \"bench\"\n\
         password = \"bench\"\n\
         window = {}\n\
         max_tps = 0\n\
         connections = {}\n\
         routes = [\"*\"]\n",
        c.smsc.ip(),
        c.smsc.port(),
        c.window,
        c.connections
    ));
    Ok(t)
}

/// One running node.
pub struct Node {
    pub server: Server,
    pub addr: SocketAddr,
    pub probe: Probe,
}

impl Node {
    pub fn pid(&self) -> u32 {
        self.server.pid
    }
}

/// How a node ended after SIGTERM.
#[derive(Debug, Clone)]
pub struct NodeExit {
    pub graceful: bool,
    pub text: String,
}

/// Starts `configs.len()` nodes, each in `<dir>/node<i>` with its own data dir
/// and config file: the first alone (it creates the account and writes
/// credentials.json), then the others. Returns once every node listens and
/// has its SMPP links bound (with a note if the bind could not be seen in
/// every node's metrics). The nodes started so far are pushed to `nodes`
/// as they come up (so on failure the caller can stop them and show their logs).
pub async fn start(
    bin: &Path,
    dir: &Path,
    configs: &[String],
    env: &[(String, String)],
    sim: &SmscChild,
    connections: usize,
    nodes: &mut Vec<Node>,
) -> Result<(Ready, Option<String>)> {
    let mut ready: Option<Ready> = None;
    let mut pending: Vec<Server> = Vec::new();
    for (i, toml) in configs.iter().enumerate() {
        let node_dir = dir.join(format!("node{}", i + 1));
        std::fs::create_dir_all(&node_dir)
            .with_context(|| format!("creating {}", node_dir.display()))?;
        let config = node_dir.join("switchboard.toml");
        std::fs::write(&config, toml).with_context(|| format!("writing {}", config.display()))?;
        let mut overrides = vec![(
            "SWITCHBOARD_CONFIG".to_string(),
            config.display().to_string(),
        )];
        overrides.extend(env.iter().cloned());
        let server = Server::spawn(bin, &node_dir, &overrides)?;
        if i == 0 {
            let mut server = server;
            match server.wait_ready(Duration::from_secs(30)).await {
                Ok(r) => {
                    nodes.push(Node {
                        probe: Probe::new(r.addr, server.pid)?,
                        addr: r.addr,
                        server,
                    });
                    ready = Some(r);
                }
                Err(e) => {
                    print_logs(&server);
                    return Err(e.context("node 1"));
                }
            }
        } else {
            pending.push(server);
        }
    }
    for (i, mut server) in pending.into_iter().enumerate() {
        match server.wait_listening(Duration::from_secs(30)).await {
            Ok(addr) => nodes.push(Node {
                probe: Probe::new(addr, server.pid)?,
                server,
                addr,
            }),
            Err(e) => {
                print_logs(&server);
                return Err(e.context(format!("node {}", i + 2)));
            }
        }
    }
    let note = wait_bound(sim, nodes, connections).await?;
    Ok((ready.context("no node wrote credentials")?, note))
}

/// Waits (≤ 15 s) until the simulator has accepted a bind for every node's
/// connections and no node's `switchboard_smpp_bound` (where it has one)
/// says a link is down. The simulator's count is what counts: a node whose
/// links bind before its metrics recorder is installed never shows the gauge.
/// Returns a note when some node lacks the gauge.
async fn wait_bound(
    sim: &SmscChild,
    nodes: &mut [Node],
    connections: usize,
) -> Result<Option<String>> {
    let want = (nodes.len() * connections) as u64;
    let started = Instant::now();
    let timeout = Duration::from_secs(15);
    loop {
        let binds = sim.counts().await.map_or(0, |c| c.binds);
        let mut down = Vec::new();
        let mut absent = Vec::new();
        for (i, node) in nodes.iter_mut().enumerate() {
            node.server.check_alive()?;
            let text = node.probe.metrics().await.unwrap_or_default();
            match prom::smpp_bound(&text) {
                Some(b) if b < connections as f64 => down.push(i + 1),
                Some(_) => {}
                None => absent.push(i + 1),
            }
        }
        if binds >= want && down.is_empty() {
            let note = (!absent.is_empty()).then(|| {
                format!(
                    "node(s) {absent:?} showed no switchboard_smpp_bound gauge (bound before their \
                     metrics recorder was installed?); relied on the simulator's bind count ({binds})"
                )
            });
            if let Some(n) = &note {
                eprintln!("note: {n}");
            }
            return Ok(note);
        }
        if started.elapsed() > timeout {
            bail!(
                "after {timeout:?} the simulator counted {binds} of {want} binds; \
                 nodes with links down per /metrics: {down:?}"
            );
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

/// Sends SIGTERM to every node at once and waits (≤ `grace` each, then SIGKILL).
pub async fn stop(nodes: Vec<Node>, grace: Duration) -> Vec<NodeExit> {
    let n = nodes.len();
    let mut set = JoinSet::new();
    for (i, node) in nodes.into_iter().enumerate() {
        set.spawn(async move { (i, node.server.shutdown(grace).await) });
    }
    let mut out = vec![
        NodeExit {
            graceful: false,
            text: "unknown (shutdown task failed)".to_string(),
        };
        n
    ];
    while let Some(joined) = set.join_next().await {
        if let Ok((i, s)) = joined {
            let status = s.status.as_ref().map_or("unknown".to_string(), describe);
            if let Some(slot) = out.get_mut(i) {
                *slot = NodeExit {
                    graceful: s.graceful(),
                    text: format!("{status} ({})", s.note),
                };
            }
        }
    }
    out
}

/// The last lines of a node's logs, to stderr.
pub fn print_logs(server: &Server) {
    for path in [&server.stdout_path, &server.stderr_path] {
        for line in server::tail(path, 10) {
            eprintln!("  {}: {line}", path.display());
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn writes_node_configs() {
        let smsc: SocketAddr = "127.0.0.1:2775".parse().unwrap();
        let pg = node_toml(&NodeConfig {
            database_url: Some("postgres://p@h/db?options=-csearch_path%3Ds"),
            max_connections: 16,
            smsc,
            window: 100,
            connections: 1,
        })
        .unwrap();
        assert!(pg.contains("master_key = \""));
        assert!(pg.contains("[database]\nurl = \"postgres://p@h/db?options=-csearch_path%3Ds\""));
        assert!(pg.contains("max_connections = 16"));
        assert!(pg.contains("port = 2775"));
        assert!(pg.contains("window = 100"));
        assert!(pg.contains("max_tps = 0"));
        let lite = node_toml(&NodeConfig {
            database_url: None,
            max_connections: 16,
            smsc,
            window: 10,
            connections: 2,
        })
        .unwrap();
        assert!(!lite.contains("[database]"));
        assert!(!lite.contains("master_key"));
        assert!(lite.contains("connections = 2"));
        assert!(node_toml(&NodeConfig {
            database_url: Some("postgres://\"x"),
            max_connections: 1,
            smsc,
            window: 1,
            connections: 1,
        })
        .is_err());
    }
}
