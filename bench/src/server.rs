//! Child-process handling for the `switchboard` server under test.

use std::fs::File;
use std::net::SocketAddr;
use std::os::unix::fs::PermissionsExt;
use std::os::unix::process::ExitStatusExt;
use std::path::{Path, PathBuf};
use std::process::{ExitStatus, Stdio};
use std::time::{Duration, Instant};

use anyhow::{bail, Context, Result};
use tokio::process::{Child, Command};

/// A running server child plus where its output goes.
pub struct Server {
    child: Child,
    pub pid: u32,
    ready_file: PathBuf,
    data_dir: PathBuf,
    pub stdout_path: PathBuf,
    pub stderr_path: PathBuf,
}

/// What the server announced once ready.
pub struct Ready {
    pub addr: SocketAddr,
    pub account_sid: String,
    pub auth_token: String,
}

/// Outcome of the SIGTERM shutdown check.
pub struct Shutdown {
    pub status: Option<ExitStatus>,
    pub note: String,
}

impl Shutdown {
    /// Graceful means the process exited with code 0 after SIGTERM.
    pub fn graceful(&self) -> bool {
        self.status.is_some_and(|s| s.code() == Some(0))
    }
}

/// CPU seconds (user + system) of `pid` so far.
pub fn cpu_seconds(pid: u32) -> f64 {
    let stat = std::fs::read_to_string(format!("/proc/{pid}/stat")).unwrap_or_default();
    let after = stat.rsplit_once(')').map(|x| x.1).unwrap_or("");
    let f: Vec<&str> = after.split_whitespace().collect();
    let ticks = |i: usize| f.get(i).and_then(|v| v.parse::<f64>().ok()).unwrap_or(0.0);
    // Fields 14 and 15 of the whole line (utime, stime), 11 and 12 after the ")".
    (ticks(11) + ticks(12)) / 100.0
}

/// Human-readable exit status ("exit 0", "signal 9").
pub fn describe(status: &ExitStatus) -> String {
    match (status.code(), status.signal()) {
        (Some(code), _) => format!("exit {code}"),
        (None, Some(sig)) => format!("killed by signal {sig}"),
        (None, None) => status.to_string(),
    }
}

impl Server {
    /// Spawns `<bin> serve --ready-file <dir>/ready.json` with a cleared
    /// environment (PATH + the bench's SWITCHBOARD_* settings + overrides).
    pub fn spawn(bin: &Path, dir: &Path, overrides: &[(String, String)]) -> Result<Server> {
        if !bin.is_file() {
            bail!(
                "server binary {} not found; build it with `cargo build --release -p switchboard-server` \
                 (or use bench/run-http-create), or pass --bin",
                bin.display()
            );
        }
        let ready_file = dir.join("ready.json");
        let data_dir = dir.join("data");
        let stdout_path = dir.join("server.stdout.log");
        let stderr_path = dir.join("server.stderr.log");
        let stdout = File::create(&stdout_path)
            .with_context(|| format!("creating {}", stdout_path.display()))?;
        let stderr = File::create(&stderr_path)
            .with_context(|| format!("creating {}", stderr_path.display()))?;

        let mut cmd = Command::new(bin);
        cmd.arg("serve")
            .arg("--ready-file")
            .arg(&ready_file)
            .env_clear()
            .env("SWITCHBOARD_DATA_DIR", &data_dir)
            .env("SWITCHBOARD_HTTP__BIND", "127.0.0.1:0")
            .env("SWITCHBOARD_LOG__LEVEL", "warn")
            .stdin(Stdio::null())
            .stdout(Stdio::from(stdout))
            .stderr(Stdio::from(stderr))
            // Own process group: a terminal Ctrl-C reaches only the bench,
            // which then performs the SIGTERM shutdown check itself.
            .process_group(0)
            .kill_on_drop(true);
        if let Some(path) = std::env::var_os("PATH") {
            cmd.env("PATH", path);
        }
        for (k, v) in overrides {
            cmd.env(k, v);
        }
        let child = cmd
            .spawn()
            .with_context(|| format!("spawning {}", bin.display()))?;
        let pid = child.id().context("server child has no pid")?;
        Ok(Server {
            child,
            pid,
            ready_file,
            data_dir,
            stdout_path,
            stderr_path,
        })
    }

    /// Where to look when something went wrong.
    pub fn log_hint(&self) -> String {
        format!(
            "server stdout: {}\nserver stderr: {}",
            self.stdout_path.display(),
            self.stderr_path.display()
        )
    }

    /// Fails (with log paths) if the child has exited.
    pub fn check_alive(&mut self) -> Result<()> {
        if let Some(status) = self.child.try_wait().context("polling server child")? {
            bail!(
                "server exited unexpectedly ({})\n{}",
                describe(&status),
                self.log_hint()
            );
        }
        Ok(())
    }

    /// Polls for the ready file every 50 ms, then reads the credentials.
    pub async fn wait_ready(&mut self, timeout: Duration) -> Result<Ready> {
        let addr = self.wait_listening(timeout).await?;
        self.read_credentials(addr)
    }

    /// Polls for the ready file every 50 ms and returns the HTTP address.
    /// (A node that joins an existing database writes no credentials.json.)
    pub async fn wait_listening(&mut self, timeout: Duration) -> Result<SocketAddr> {
        let started = Instant::now();
        let addr = loop {
            self.check_alive()?;
            if let Some(addr) = read_ready_file(&self.ready_file)? {
                break addr;
            }
            if started.elapsed() > timeout {
                bail!(
                    "server not ready after {:?} (no valid {})\n{}",
                    timeout,
                    self.ready_file.display(),
                    self.log_hint()
                );
            }
            tokio::time::sleep(Duration::from_millis(50)).await;
        };
        eprintln!("server ready on {addr} after {:.2?}", started.elapsed());
        Ok(addr)
    }

    /// Reads `<data>/credentials.json`, written by the server that created the account.
    pub fn read_credentials(&self, addr: SocketAddr) -> Result<Ready> {
        let cred_path = self.data_dir.join("credentials.json");
        let text = std::fs::read_to_string(&cred_path)
            .with_context(|| format!("reading {}\n{}", cred_path.display(), self.log_hint()))?;
        let json: serde_json::Value = serde_json::from_str(&text)
            .with_context(|| format!("parsing {}", cred_path.display()))?;
        let field = |name: &str| -> Result<String> {
            json.get(name)
                .and_then(|v| v.as_str())
                .map(str::to_string)
                .with_context(|| format!("{} lacks string field {name:?}", cred_path.display()))
        };
        let account_sid = field("account_sid")?;
        let auth_token = field("auth_token")?;
        let mode = std::fs::metadata(&cred_path)?.permissions().mode() & 0o777;
        if mode != 0o600 {
            eprintln!(
                "warning: {} has mode {mode:o}, expected 600",
                cred_path.display()
            );
        }
        Ok(Ready {
            addr,
            account_sid,
            auth_token,
        })
    }

    /// Sends SIGTERM, waits up to `grace` for exit, SIGKILLs otherwise.
    pub async fn shutdown(mut self, grace: Duration) -> Shutdown {
        match self.child.try_wait() {
            Ok(Some(status)) => {
                return Shutdown {
                    status: Some(status),
                    note: "server had already exited before SIGTERM".to_string(),
                }
            }
            Ok(None) => {}
            Err(e) => eprintln!("warning: polling server child: {e}"),
        }
        let sent = Command::new("kill")
            .arg("-TERM")
            .arg(self.pid.to_string())
            .status()
            .await;
        if !matches!(&sent, Ok(s) if s.success()) {
            let _ = self.child.start_kill();
            let status = self.child.wait().await.ok();
            return Shutdown {
                status,
                note: format!("could not send SIGTERM ({sent:?}); sent SIGKILL"),
            };
        }
        let started = Instant::now();
        match tokio::time::timeout(grace, self.child.wait()).await {
            Ok(Ok(status)) => Shutdown {
                status: Some(status),
                note: format!("exited {:.2?} after SIGTERM", started.elapsed()),
            },
            Ok(Err(e)) => Shutdown {
                status: None,
                note: format!("waiting for server failed: {e}"),
            },
            Err(_) => {
                let _ = self.child.start_kill();
                let status = self.child.wait().await.ok();
                Shutdown {
                    status,
                    note: format!("did not exit within {grace:?} of SIGTERM; sent SIGKILL"),
                }
            }
        }
    }
}

/// `Ok(None)` while the file is missing or not yet complete JSON.
fn read_ready_file(path: &Path) -> Result<Option<SocketAddr>> {
    let Ok(text) = std::fs::read_to_string(path) else {
        return Ok(None);
    };
    let Ok(json) = serde_json::from_str::<serde_json::Value>(&text) else {
        return Ok(None);
    };
    let addr = json
        .get("http_addr")
        .and_then(|v| v.as_str())
        .with_context(|| {
            format!(
                "{} lacks string field \"http_addr\": {text}",
                path.display()
            )
        })?;
    let addr = addr
        .parse()
        .with_context(|| format!("bad http_addr {addr:?} in {}", path.display()))?;
    Ok(Some(addr))
}

/// Resident set size of a process, from `/proc/<pid>/status`.
pub fn rss_bytes(pid: u32) -> Option<u64> {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).ok()?;
    crate::prom::vm_rss_bytes(&status)
}

/// Last `n` lines of a log file (empty if unreadable).
pub fn tail(path: &Path, n: usize) -> Vec<String> {
    let text = std::fs::read_to_string(path).unwrap_or_default();
    let lines: Vec<&str> = text.lines().collect();
    let start = lines.len().saturating_sub(n);
    lines[start..].iter().map(|l| l.to_string()).collect()
}
