//! The SMSC under test, always a child process (so it never shares a runtime or
//! an allocator with the load generator): our simulator
//! (`switchboard smsc-sim`) or the node sink (`peers/smpp/smsc_sink.js`).

use std::fs::File;
use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::process::Stdio;
use std::time::{Duration, Instant};

use anyhow::{bail, Context, Result};
use tokio::process::{Child, Command};

use super::Programs;

/// Which SMSC.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum Target {
    /// `switchboard smsc-sim` (our simulator, receipt delay 0).
    Sim,
    /// `node peers/smpp/smsc_sink.js` (npm `smpp` 0.5.1).
    Node,
}

impl Target {
    pub fn name(self) -> &'static str {
        match self {
            Target::Sim => "sim",
            Target::Node => "node",
        }
    }
}

/// How to start the SMSC.
#[derive(Debug, Clone, Copy)]
pub struct SmscOptions {
    /// Send a delivery receipt for each submit that asks for one.
    pub receipts: bool,
    /// Node sink only: announce when this many submits / receipt acks were counted.
    pub expect: Option<u64>,
}

/// What the SMSC itself counted.
#[derive(Debug, Clone, Copy, Default)]
pub struct SmscCounts {
    /// `submit_sm` PDUs received.
    pub submit_sm: u64,
    /// `deliver_sm` receipts sent.
    pub receipts_sent: u64,
    /// `deliver_sm_resp` received for them.
    pub receipts_acked: u64,
    /// Successful binds (simulator only).
    pub binds: u64,
}

/// A running SMSC child.
pub struct SmscChild {
    pub target: Target,
    child: Child,
    pub pid: u32,
    pub smpp_addr: SocketAddr,
    control_url: Option<String>,
    stdout_path: PathBuf,
    stderr_path: PathBuf,
    http: reqwest::Client,
}

impl SmscChild {
    /// Starts the SMSC with its output under `dir` and waits (≤ 15 s) until it listens.
    pub async fn start(
        target: Target,
        programs: &Programs,
        dir: &Path,
        opts: SmscOptions,
    ) -> Result<SmscChild> {
        std::fs::create_dir_all(dir).with_context(|| format!("creating {}", dir.display()))?;
        let name = target.name();
        let stdout_path = dir.join(format!("{name}.stdout.log"));
        let stderr_path = dir.join(format!("{name}.stderr.log"));
        let stdout = File::create(&stdout_path)
            .with_context(|| format!("creating {}", stdout_path.display()))?;
        let stderr = File::create(&stderr_path)
            .with_context(|| format!("creating {}", stderr_path.display()))?;
        let ready_file = dir.join("smsc-ready.json");
        let mut envs: Vec<(String, String)> = Vec::new();
        let mut cmd = match target {
            Target::Sim => {
                if !programs.switchboard.is_file() {
                    bail!(
                        "{} not found; build it with `cargo build --release -p switchboard-server` \
                         (bench/run-smpp does), or pass --bin",
                        programs.switchboard.display()
                    );
                }
                let mut cmd = Command::new(&programs.switchboard);
                cmd.args([
                    "smsc-sim",
                    "--bind",
                    "127.0.0.1:0",
                    "--control-bind",
                    "127.0.0.1:0",
                    "--receipt-delay-ms",
                    "0",
                    "--ready-file",
                ])
                .arg(&ready_file);
                envs.push(("SWITCHBOARD_LOG__LEVEL".into(), "warn".into()));
                cmd
            }
            Target::Node => {
                if !programs.sink_script.is_file() {
                    bail!("{} not found", programs.sink_script.display());
                }
                let modules = programs
                    .sink_script
                    .parent()
                    .map(|p| p.join("node_modules/smpp"));
                if modules.as_ref().is_some_and(|m| !m.exists()) {
                    bail!("npm `smpp` is not installed next to the sink; run scripts/setup-peers");
                }
                let mut cmd = Command::new(&programs.node);
                cmd.arg(&programs.sink_script).arg("0");
                envs.push(("SINK_DLR".into(), on_off_digit(opts.receipts).into()));
                envs.push(("SINK_DLR_DELAY_MS".into(), "0".into()));
                if let Some(n) = opts.expect {
                    envs.push(("SINK_EXPECT".into(), n.to_string()));
                }
                envs.extend(programs.sink_env.iter().cloned());
                cmd
            }
        };
        // A clean environment: PATH plus our settings (cwd = the run's dir, so no
        // stray ./switchboard.toml is read).
        cmd.env_clear().envs(envs);
        if let Some(path) = std::env::var_os("PATH") {
            cmd.env("PATH", path);
        }
        cmd.current_dir(dir)
            .stdin(Stdio::null())
            .stdout(Stdio::from(stdout))
            .stderr(Stdio::from(stderr))
            .process_group(0)
            .kill_on_drop(true);
        let child = cmd
            .spawn()
            .with_context(|| format!("starting the {name} SMSC"))?;
        let pid = child.id().context("SMSC child has no pid")?;
        let http = reqwest::Client::builder()
            .no_proxy()
            .timeout(Duration::from_secs(5))
            .build()
            .context("building HTTP client")?;
        let mut smsc = SmscChild {
            target,
            child,
            pid,
            smpp_addr: SocketAddr::from(([127, 0, 0, 1], 0)),
            control_url: None,
            stdout_path,
            stderr_path,
            http,
        };
        let started = Instant::now();
        loop {
            if let Some(status) = smsc.child.try_wait().context("polling SMSC child")? {
                bail!(
                    "the {name} SMSC exited before listening ({status})\n{}",
                    smsc.log_hint()
                );
            }
            let ready = match target {
                Target::Sim => read_sim_ready(&ready_file)?,
                Target::Node => read_node_listening(&smsc.stdout_path)?.map(|a| (a, None)),
            };
            if let Some((addr, control)) = ready {
                smsc.smpp_addr = addr;
                smsc.control_url = control;
                break;
            }
            if started.elapsed() > Duration::from_secs(15) {
                bail!(
                    "the {name} SMSC is not listening after 15 s\n{}",
                    smsc.log_hint()
                );
            }
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
        Ok(smsc)
    }

    pub fn log_hint(&self) -> String {
        format!(
            "SMSC stdout: {}\nSMSC stderr: {}",
            self.stdout_path.display(),
            self.stderr_path.display()
        )
    }

    /// Fails if the child has exited.
    pub fn check_alive(&mut self) -> Result<()> {
        if let Some(status) = self.child.try_wait().context("polling SMSC child")? {
            bail!(
                "the {} SMSC exited unexpectedly ({status})\n{}",
                self.target.name(),
                self.log_hint()
            );
        }
        Ok(())
    }

    /// The SMSC's counters now. Exact for the simulator (`GET /stats`); for the
    /// node sink, its last per-second line (up to 1 s old).
    pub async fn counts(&self) -> Result<SmscCounts> {
        match self.target {
            Target::Sim => {
                let url = self
                    .control_url
                    .as_deref()
                    .context("the simulator reported no control URL")?;
                let json: serde_json::Value = self
                    .http
                    .get(format!("{url}/stats"))
                    .send()
                    .await
                    .context("GET /stats")?
                    .error_for_status()?
                    .json()
                    .await
                    .context("parsing /stats")?;
                let n = |k: &str| json.get(k).and_then(|v| v.as_u64()).unwrap_or(0);
                Ok(SmscCounts {
                    submit_sm: n("submit_sm"),
                    receipts_sent: n("receipts_sent"),
                    receipts_acked: n("deliver_sm_resp"),
                    binds: n("binds"),
                })
            }
            Target::Node => Ok(self
                .node_lines()
                .iter()
                .rev()
                .find(|v| v.get("ev").and_then(|e| e.as_str()) == Some("rate"))
                .map(node_counts)
                .unwrap_or_default()),
        }
    }

    /// Node sink only: whether it has announced `{"ev":"reached","what":what}`.
    pub fn reached(&self, what: &str) -> bool {
        self.node_lines().iter().any(|v| {
            v.get("ev").and_then(|e| e.as_str()) == Some("reached")
                && v.get("what").and_then(|e| e.as_str()) == Some(what)
        })
    }

    fn node_lines(&self) -> Vec<serde_json::Value> {
        std::fs::read_to_string(&self.stdout_path)
            .unwrap_or_default()
            .lines()
            .filter_map(|l| serde_json::from_str(l).ok())
            .collect()
    }

    /// CPU seconds used by the SMSC so far.
    pub fn cpu_seconds(&self) -> Option<f64> {
        super::cpu::cpu_seconds(self.pid)
    }

    /// Stops the SMSC (SIGTERM, SIGKILL after 5 s) and returns its final counts:
    /// `GET /stats` just before for the simulator, the summary line for the sink.
    pub async fn stop(mut self) -> Result<SmscCounts> {
        let before = match self.target {
            Target::Sim => Some(self.counts().await),
            Target::Node => None,
        };
        let _ = Command::new("kill")
            .arg("-TERM")
            .arg(self.pid.to_string())
            .status()
            .await;
        if tokio::time::timeout(Duration::from_secs(5), self.child.wait())
            .await
            .is_err()
        {
            let _ = self.child.start_kill();
            let _ = self.child.wait().await;
        }
        match before {
            Some(counts) => counts,
            None => self
                .node_lines()
                .iter()
                .find(|v| v.get("ev").and_then(|e| e.as_str()) == Some("summary"))
                .map(node_counts)
                .with_context(|| format!("the node sink printed no summary\n{}", self.log_hint())),
        }
    }
}

fn node_counts(v: &serde_json::Value) -> SmscCounts {
    let n = |k: &str| v.get(k).and_then(|x| x.as_u64()).unwrap_or(0);
    SmscCounts {
        submit_sm: n("total"),
        receipts_sent: n("dlr_sent"),
        receipts_acked: n("dlr_acked"),
        binds: 0,
    }
}

/// `(smpp_addr, control_url)` once `smsc-sim` wrote its ready file.
fn read_sim_ready(path: &Path) -> Result<Option<(SocketAddr, Option<String>)>> {
    let Ok(text) = std::fs::read_to_string(path) else {
        return Ok(None);
    };
    let Ok(json) = serde_json::from_str::<serde_json::Value>(&text) else {
        return Ok(None);
    };
    let addr = json
        .get("smpp_addr")
        .and_then(|v| v.as_str())
        .with_context(|| format!("{} lacks smpp_addr: {text}", path.display()))?
        .parse()
        .with_context(|| format!("bad smpp_addr in {}", path.display()))?;
    let control = json
        .get("control_url")
        .and_then(|v| v.as_str())
        .map(str::to_string);
    Ok(Some((addr, control)))
}

/// The port of the sink's first `{"ev":"listening","port":N}` line.
fn read_node_listening(path: &Path) -> Result<Option<SocketAddr>> {
    let text = std::fs::read_to_string(path).unwrap_or_default();
    for line in text.lines() {
        let Ok(v) = serde_json::from_str::<serde_json::Value>(line) else {
            continue;
        };
        if v.get("ev").and_then(|e| e.as_str()) == Some("listening") {
            let port = v
                .get("port")
                .and_then(|p| p.as_u64())
                .and_then(|p| u16::try_from(p).ok())
                .with_context(|| format!("bad listening line: {line}"))?;
            return Ok(Some(SocketAddr::from(([127, 0, 0, 1], port))));
        }
    }
    Ok(None)
}

fn on_off_digit(b: bool) -> &'static str {
    if b {
        "1"
    } else {
        "0"
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_node_listening_line() {
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join("out");
        std::fs::write(&p, "").unwrap();
        assert!(read_node_listening(&p).unwrap().is_none());
        std::fs::write(
            &p,
            "{\"ev\":\"listening\",\"port\":4321}\n{\"ev\":\"rate\"}\n",
        )
        .unwrap();
        assert_eq!(read_node_listening(&p).unwrap().unwrap().port(), 4321);
    }

    #[test]
    fn reads_sim_ready_file() {
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join("ready.json");
        assert!(read_sim_ready(&p).unwrap().is_none());
        std::fs::write(
            &p,
            r#"{"smpp_addr":"127.0.0.1:5555","control_url":"http://127.0.0.1:6666"}"#,
        )
        .unwrap();
        let (addr, control) = read_sim_ready(&p).unwrap().unwrap();
        assert_eq!(addr.port(), 5555);
        assert_eq!(control.as_deref(), Some("http://127.0.0.1:6666"));
    }

    #[test]
    fn node_counts_from_summary() {
        let v: serde_json::Value =
            serde_json::from_str(r#"{"ev":"summary","total":7,"dlr_sent":5,"dlr_acked":4}"#)
                .unwrap();
        let c = node_counts(&v);
        assert_eq!((c.submit_sm, c.receipts_sent, c.receipts_acked), (7, 5, 4));
    }
}
