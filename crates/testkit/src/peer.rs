//! A third-party peer (node, python, …) as a child process: stdout and stderr
//! to files, waits on its output with a deadline, killed on drop.

use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

pub struct PeerProcess {
    child: Child,
    pub stdout: PathBuf,
    pub stderr: PathBuf,
}

impl PeerProcess {
    /// Starts `program args…` in `cwd`, output to files in `logs`.
    pub fn start(program: &str, args: &[&str], cwd: &Path, logs: &Path, name: &str) -> Self {
        Self::start_with_env(program, args, cwd, logs, name, &[])
    }

    /// [`Self::start`] with extra environment variables.
    pub fn start_with_env(
        program: &str,
        args: &[&str],
        cwd: &Path,
        logs: &Path,
        name: &str,
        env: &[(&str, &str)],
    ) -> Self {
        std::fs::create_dir_all(logs).expect("log dir");
        let stdout = logs.join(format!("{name}.out"));
        let stderr = logs.join(format!("{name}.err"));
        let child = Command::new(program)
            .args(args)
            .current_dir(cwd)
            .envs(env.iter().copied())
            .stdin(Stdio::null())
            .stdout(std::fs::File::create(&stdout).expect("stdout file"))
            .stderr(std::fs::File::create(&stderr).expect("stderr file"))
            .spawn()
            .unwrap_or_else(|e| panic!("cannot start {program}: {e}"));
        Self {
            child,
            stdout,
            stderr,
        }
    }

    /// Waits until a stdout line satisfies `f`, returning what `f` returned.
    pub fn wait_line<T>(&mut self, timeout: Duration, mut f: impl FnMut(&str) -> Option<T>) -> T {
        let deadline = Instant::now() + timeout;
        loop {
            let text = std::fs::read_to_string(&self.stdout).unwrap_or_default();
            if let Some(v) = text.lines().find_map(&mut f) {
                return v;
            }
            if let Ok(Some(status)) = self.child.try_wait() {
                panic!("peer exited with {status}:\n{text}\n{}", self.stderr_text());
            }
            assert!(
                Instant::now() < deadline,
                "peer output not seen within {timeout:?}:\n{text}\n{}",
                self.stderr_text()
            );
            std::thread::sleep(Duration::from_millis(20));
        }
    }

    pub fn stdout_text(&self) -> String {
        std::fs::read_to_string(&self.stdout).unwrap_or_default()
    }

    pub fn stderr_text(&self) -> String {
        std::fs::read_to_string(&self.stderr).unwrap_or_default()
    }

    pub fn kill(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

impl Drop for PeerProcess {
    fn drop(&mut self) {
        self.kill();
    }
}
