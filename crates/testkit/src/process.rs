//! The real `switchboard` binary as a child process, run hermetically:
//! `env_clear()`, a temp working and data directory, stdout/stderr to files,
//! readiness from `--ready-file`, and `Drop` kills and reaps it.

use std::path::{Path, PathBuf};
use std::process::{Child, Command, ExitStatus, Stdio};
use std::time::{Duration, Instant};

pub struct ServerProcess {
    child: Child,
    pub dir: PathBuf,
    pub base: String,
    log: PathBuf,
}

/// Credentials of the account `serve` creates on first start.
#[derive(Debug, Clone)]
pub struct Credentials {
    pub account_sid: String,
    pub auth_token: String,
}

fn wait_file(path: &Path, timeout: Duration, child: &mut Child, log: &Path) -> String {
    let deadline = Instant::now() + timeout;
    loop {
        if let Ok(text) = std::fs::read_to_string(path) {
            if serde_json::from_str::<serde_json::Value>(&text).is_ok() {
                return text;
            }
        }
        if let Ok(Some(status)) = child.try_wait() {
            let log = std::fs::read_to_string(log).unwrap_or_default();
            panic!("switchboard exited early with {status}:\n{log}");
        }
        assert!(
            Instant::now() < deadline,
            "switchboard not ready after {timeout:?}"
        );
        std::thread::sleep(Duration::from_millis(20));
    }
}

impl ServerProcess {
    /// Starts `exe serve` in `dir` (created if needed). `env` adds variables to a cleared environment.
    pub fn start(exe: &Path, dir: &Path, args: &[&str], env: &[(&str, &str)]) -> Self {
        std::fs::create_dir_all(dir).expect("create dir");
        let ready = dir.join("ready.json");
        let _ = std::fs::remove_file(&ready);
        let n = std::fs::read_dir(dir).map(|d| d.count()).unwrap_or(0);
        let log = dir.join(format!("server-{n}.log"));
        let out = std::fs::File::create(&log).expect("log file");
        let err = out.try_clone().expect("log file");
        let mut cmd = Command::new(exe);
        cmd.current_dir(dir)
            .env_clear()
            .env("PATH", std::env::var_os("PATH").unwrap_or_default())
            .env("SWITCHBOARD_HTTP__BIND", "127.0.0.1:0")
            .env("SWITCHBOARD_LOG__LEVEL", "info")
            .args(args)
            .arg("serve")
            .arg("--ready-file")
            .arg(&ready)
            .stdin(Stdio::null())
            .stdout(out)
            .stderr(err);
        for (k, v) in env {
            cmd.env(k, v);
        }
        let mut child = cmd.spawn().expect("start switchboard");
        let text = wait_file(&ready, Duration::from_secs(60), &mut child, &log);
        let v: serde_json::Value = serde_json::from_str(&text).expect("ready json");
        let addr = v["http_addr"].as_str().expect("http_addr").to_owned();
        Self {
            child,
            dir: dir.to_path_buf(),
            base: format!("http://{addr}"),
            log,
        }
    }

    /// The credentials `serve` wrote into `switchboard-data/credentials.json`.
    pub fn credentials(&self) -> Credentials {
        let path = self.dir.join("switchboard-data/credentials.json");
        let v: serde_json::Value =
            serde_json::from_slice(&std::fs::read(&path).expect("credentials.json")).expect("json");
        Credentials {
            account_sid: v["account_sid"].as_str().expect("sid").to_owned(),
            auth_token: v["auth_token"].as_str().expect("token").to_owned(),
        }
    }

    pub fn pid(&self) -> u32 {
        self.child.id()
    }

    pub fn log(&self) -> String {
        std::fs::read_to_string(&self.log).unwrap_or_default()
    }

    /// `kill -9`: no chance to clean up.
    pub fn kill9(mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }

    /// SIGTERM, then waits (up to `timeout`) for the exit status.
    pub fn terminate(mut self, timeout: Duration) -> ExitStatus {
        let _ = Command::new("kill")
            .arg("-TERM")
            .arg(self.child.id().to_string())
            .status();
        let deadline = Instant::now() + timeout;
        loop {
            if let Ok(Some(status)) = self.child.try_wait() {
                return status;
            }
            assert!(
                Instant::now() < deadline,
                "no exit within {timeout:?} of SIGTERM:\n{}",
                self.log()
            );
            std::thread::sleep(Duration::from_millis(20));
        }
    }
}

impl Drop for ServerProcess {
    fn drop(&mut self) {
        if let Ok(None) = self.child.try_wait() {
            let _ = self.child.kill();
            let _ = self.child.wait();
        }
    }
}

/// Runs `exe args…` in `dir` with a cleared environment and returns stdout, panicking on failure.
pub fn run_cli(exe: &Path, dir: &Path, args: &[&str]) -> String {
    let out = Command::new(exe)
        .current_dir(dir)
        .env_clear()
        .env("PATH", std::env::var_os("PATH").unwrap_or_default())
        .args(args)
        .output()
        .expect("run switchboard");
    assert!(
        out.status.success(),
        "switchboard {args:?} failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8_lossy(&out.stdout).into_owned()
}
