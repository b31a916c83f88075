//! Test harness: one sipp callee per test, on a port of its own.
//!
//! The port is found by binding 127.0.0.1:0 and releasing it; sipp is then
//! started on it and counted as ready only once `/proc` shows a UDP socket
//! on that port owned by sipp's own process. If another process took the
//! port meanwhile, sipp exits 254 ("Unable to bind main socket") and we try
//! again with a fresh port. sipp runs in a temporary directory with its
//! output in files there; the guard kills and reaps it on drop.

use std::path::{Path, PathBuf};
use std::process::Stdio;
use std::time::{Duration, Instant};

use switchboard_sip::{
    CallEvent, CallHandle, CallRequest, IncomingCall, SipUa, SipUaConfig, TrunkTarget,
};
use tokio::process::{Child, Command};

/// `true` if sipp can run. Without it: in CI mode (`SWITCHBOARD_REQUIRE_PG=1`)
/// the test fails; otherwise it prints a notice and the caller returns.
pub fn sipp_available(test: &str) -> bool {
    let found = std::process::Command::new("sipp")
        .arg("-v")
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .status()
        .is_ok();
    if found {
        return true;
    }
    if std::env::var("SWITCHBOARD_REQUIRE_PG").as_deref() == Ok("1") {
        panic!(
            "{test}: `sipp` is not installed but SWITCHBOARD_REQUIRE_PG=1 (CI mode) requires it; \
             run scripts/setup-peers as root (apt-get install sip-tester)"
        );
    }
    eprintln!("SKIP {test}: `sipp` not found (install Debian's sip-tester: scripts/setup-peers)");
    false
}

pub fn scenario(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../../peers/voice")
        .join(name)
}

/// A running sipp; killed and reaped when dropped.
pub struct Sipp {
    child: Child,
    port: u16,
    dir: tempfile::TempDir,
    /// A scenario variant written for this run, kept until sipp is gone.
    _variant: Option<tempfile::NamedTempFile>,
}

const BIND_FAILED: i32 = 254;

impl Sipp {
    /// Start `scenario` (a path, or a file already in a scratch dir) with
    /// `-m calls`, and wait until it listens.
    pub async fn start(scenario: &Path, calls: u32) -> Sipp {
        for _ in 0..5 {
            let dir = tempfile::tempdir().expect("temp dir");
            let port = free_udp_port();
            let mut child = spawn(scenario, port, calls, dir.path());
            match wait_listening(&mut child, port).await {
                Ok(()) => {
                    return Sipp {
                        child,
                        port,
                        dir,
                        _variant: None,
                    }
                }
                Err(Some(BIND_FAILED)) => continue,
                Err(code) => panic!(
                    "sipp exited ({code:?}) before listening:\n{}",
                    tail(&dir.path().join("sipp.out"))
                ),
            }
        }
        panic!("sipp could not bind a free port in 5 tries");
    }

    /// Start a scenario written into a scratch file first (a variant).
    pub async fn start_text(name: &str, text: &str, calls: u32) -> Sipp {
        let file = tempfile::Builder::new()
            .prefix(name)
            .suffix(".xml")
            .tempfile()
            .expect("temp scenario");
        std::fs::write(file.path(), text).expect("write scenario");
        let mut sipp = Sipp::start(file.path(), calls).await;
        sipp._variant = Some(file);
        sipp
    }

    pub fn port(&self) -> u16 {
        self.port
    }

    /// Wait (bounded) for sipp to end by itself; its exit code.
    pub async fn exit_code(&mut self) -> i32 {
        let waited = tokio::time::timeout(Duration::from_secs(30), self.child.wait()).await;
        let Ok(status) = waited else {
            panic!(
                "sipp did not exit within 30 s:\n{}\n{}",
                tail(&self.dir.path().join("sipp.out")),
                error_logs(self.dir.path())
            );
        };
        status.expect("wait for sipp").code().unwrap_or(-1)
    }

    /// Assert sipp's scenario passed (exit 0), showing its output if not.
    pub async fn assert_passed(mut self) {
        let code = self.exit_code().await;
        assert_eq!(
            code,
            0,
            "sipp failed (exit {code}):\n{}\n{}",
            tail(&self.dir.path().join("sipp.out")),
            error_logs(self.dir.path())
        );
    }
}

impl Drop for Sipp {
    fn drop(&mut self) {
        let _ = self.child.start_kill();
        let _ = self.child.try_wait();
    }
}

fn spawn(scenario: &Path, port: u16, calls: u32, dir: &Path) -> Child {
    let out = std::fs::File::create(dir.join("sipp.out")).expect("sipp.out");
    let err = out.try_clone().expect("sipp.out clone");
    Command::new("sipp")
        .arg("-sf")
        .arg(scenario)
        .args(["-i", "127.0.0.1", "-mi", "127.0.0.1", "-p"])
        .arg(port.to_string())
        .args(["-m", &calls.to_string(), "-timeout", "20s", "-nostdin"])
        // SIPP_TRACE=1 keeps a SIP message log next to sipp.out, shown on failure.
        .args(trace_args())
        .current_dir(dir)
        .stdin(Stdio::null())
        .stdout(out)
        .stderr(err)
        .kill_on_drop(true)
        .spawn()
        .expect("spawn sipp")
}

fn trace_args() -> &'static [&'static str] {
    if std::env::var("SIPP_TRACE").as_deref() == Ok("1") {
        &["-trace_msg", "-trace_err"]
    } else {
        &["-trace_err"]
    }
}

fn free_udp_port() -> u16 {
    let socket = std::net::UdpSocket::bind("127.0.0.1:0").expect("bind 127.0.0.1:0");
    socket.local_addr().expect("local addr").port()
}

/// Poll until sipp's own process has a UDP socket on `port` (Ok), or it
/// exited (Err with its code). Bounded by a 10 s deadline.
async fn wait_listening(child: &mut Child, port: u16) -> Result<(), Option<i32>> {
    let pid = child.id().expect("sipp pid");
    let deadline = Instant::now() + Duration::from_secs(10);
    while Instant::now() < deadline {
        if let Some(status) = child.try_wait().expect("try_wait sipp") {
            return Err(status.code());
        }
        if owns_udp_port(pid, port) {
            return Ok(());
        }
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
    panic!("sipp did not listen on UDP port {port} within 10 s");
}

/// Whether process `pid` holds a socket bound to 127.0.0.1:`port` (UDP).
fn owns_udp_port(pid: u32, port: u16) -> bool {
    let table = std::fs::read_to_string("/proc/net/udp").unwrap_or_default();
    let local = format!("0100007F:{port:04X}");
    let inodes: Vec<String> = table
        .lines()
        .skip(1)
        .filter_map(|line| {
            let cols: Vec<&str> = line.split_whitespace().collect();
            (cols.get(1) == Some(&local.as_str())).then(|| cols.get(9).map(|s| s.to_string()))?
        })
        .collect();
    if inodes.is_empty() {
        return false;
    }
    let Ok(fds) = std::fs::read_dir(format!("/proc/{pid}/fd")) else {
        return false;
    };
    fds.flatten().any(|fd| {
        std::fs::read_link(fd.path())
            .map(|target| {
                let target = target.to_string_lossy();
                inodes
                    .iter()
                    .any(|inode| target == format!("socket:[{inode}]"))
            })
            .unwrap_or(false)
    })
}

fn tail(path: &Path) -> String {
    let text = std::fs::read_to_string(path).unwrap_or_default();
    let start = text.len().saturating_sub(2500);
    text.get(start..).unwrap_or(&text).to_string()
}

fn error_logs(dir: &Path) -> String {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return String::new();
    };
    entries
        .flatten()
        .filter(|e| {
            let name = e.file_name();
            let name = name.to_string_lossy();
            name.ends_with("_errors.log") || name.ends_with("_messages.log")
        })
        .map(|e| tail(&e.path()))
        .collect::<Vec<_>>()
        .join("\n")
}

/// A user agent on a port of its own.
pub async fn user_agent() -> SipUa {
    SipUa::bind(SipUaConfig::new("127.0.0.1:0".parse().unwrap()))
        .await
        .expect("bind user agent")
}

pub fn sdp_offer() -> String {
    "v=0\r\no=switchboard 1 1 IN IP4 127.0.0.1\r\ns=-\r\nc=IN IP4 127.0.0.1\r\nt=0 0\r\n\
     m=audio 40000 RTP/AVP 0 8 101\r\na=rtpmap:0 PCMU/8000\r\na=rtpmap:8 PCMA/8000\r\n\
     a=rtpmap:101 telephone-event/8000\r\na=fmtp:101 0-16\r\na=ptime:20\r\na=sendrecv\r\n"
        .to_string()
}

pub fn request(port: u16) -> CallRequest {
    CallRequest {
        trunk: TrunkTarget {
            host: "127.0.0.1".into(),
            port,
            username: None,
            password: None,
        },
        to_user: "+15551230000".into(),
        from_user: "+15550001111".into(),
        sdp_offer: sdp_offer(),
        ring_timeout: Duration::from_secs(10),
        call_id: None,
    }
}

pub fn with_auth(mut request: CallRequest, password: &str) -> CallRequest {
    request.trunk.username = Some("switchboard".into());
    request.trunk.password = Some(password.into());
    request
}

/// The next event, failing the test after 15 s.
pub async fn next(call: &mut CallHandle) -> CallEvent {
    tokio::time::timeout(Duration::from_secs(15), call.next_event())
        .await
        .expect("no call event within 15 s")
        .expect("event stream ended without Ended")
}

/// Events up to and including the first one `stop` accepts.
pub async fn until(call: &mut CallHandle, stop: impl Fn(&CallEvent) -> bool) -> Vec<CallEvent> {
    let mut seen = Vec::new();
    loop {
        let event = next(call).await;
        let done = stop(&event);
        seen.push(event);
        if done {
            return seen;
        }
    }
}

/// All remaining events, up to `Ended`.
pub async fn until_ended(call: &mut CallHandle) -> Vec<CallEvent> {
    until(call, |e| matches!(e, CallEvent::Ended(_))).await
}

// --- Inbound calls: sipp as the caller (UAC) ---------------------------------
// `start_caller`, `start_caller_text` and `spawn_caller` use `Sipp`'s private
// fields and helpers: they move with `Sipp` wherever it goes.

/// Start sipp as the caller of `scenario` (a `uac_*.xml`), sending to
/// `target` from a port of its own; same port handling as [`Sipp::start`].
/// A scenario that already ended (passed) counts as started.
pub async fn start_caller(scenario: &Path, target: std::net::SocketAddr, calls: u32) -> Sipp {
    for _ in 0..5 {
        let dir = tempfile::tempdir().expect("temp dir");
        let port = free_udp_port();
        let mut child = spawn_caller(scenario, target, port, calls, dir.path());
        match wait_listening(&mut child, port).await {
            Ok(()) | Err(Some(0)) => {
                return Sipp {
                    child,
                    port,
                    dir,
                    _variant: None,
                }
            }
            Err(Some(BIND_FAILED)) => continue,
            Err(code) => panic!(
                "sipp exited ({code:?}) before listening:\n{}",
                tail(&dir.path().join("sipp.out"))
            ),
        }
    }
    panic!("sipp could not bind a free port in 5 tries");
}

/// [`start_caller`] with a scenario variant written to a scratch file.
pub async fn start_caller_text(
    name: &str,
    text: &str,
    target: std::net::SocketAddr,
    calls: u32,
) -> Sipp {
    let file = tempfile::Builder::new()
        .prefix(name)
        .suffix(".xml")
        .tempfile()
        .expect("temp scenario");
    std::fs::write(file.path(), text).expect("write scenario");
    let mut sipp = start_caller(file.path(), target, calls).await;
    sipp._variant = Some(file);
    sipp
}

fn spawn_caller(
    scenario: &Path,
    target: std::net::SocketAddr,
    port: u16,
    calls: u32,
    dir: &Path,
) -> Child {
    let out = std::fs::File::create(dir.join("sipp.out")).expect("sipp.out");
    let err = out.try_clone().expect("sipp.out clone");
    Command::new("sipp")
        .arg("-sf")
        .arg(scenario)
        .arg(target.to_string())
        .args(["-i", "127.0.0.1", "-mi", "127.0.0.1", "-p"])
        .arg(port.to_string())
        .args(["-m", &calls.to_string(), "-timeout", "20s", "-nostdin"])
        .args(trace_args())
        .current_dir(dir)
        .stdin(Stdio::null())
        .stdout(out)
        .stderr(err)
        .kill_on_drop(true)
        .spawn()
        .expect("spawn sipp")
}

// --- Inbound calls: the user agent's side -------------------------------------

/// A user agent taking inbound calls (optionally only from `accept_from`),
/// with its receiver.
pub async fn answering_agent(
    accept_from: Option<Vec<std::net::IpAddr>>,
) -> (SipUa, tokio::sync::mpsc::Receiver<IncomingCall>) {
    let mut config = SipUaConfig::new("127.0.0.1:0".parse().unwrap());
    config.accept_from = accept_from;
    let ua = SipUa::bind(config).await.expect("bind user agent");
    let calls = ua.take_incoming().expect("first take_incoming");
    (ua, calls)
}

/// The next inbound call, failing the test after 15 s.
pub async fn next_call(calls: &mut tokio::sync::mpsc::Receiver<IncomingCall>) -> IncomingCall {
    tokio::time::timeout(Duration::from_secs(15), calls.recv())
        .await
        .expect("no inbound call within 15 s")
        .expect("inbound receiver closed")
}

/// Poll (bounded, 5 s) until the user agent tracks no dialog.
pub async fn no_dialogs_left(ua: &SipUa) {
    let deadline = Instant::now() + Duration::from_secs(5);
    while ua.dialog_count() != 0 {
        assert!(
            Instant::now() < deadline,
            "{} dialogs left after 5 s",
            ua.dialog_count()
        );
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
}
