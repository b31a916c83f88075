//! sipp (Debian's `sip-tester`) as a test peer: one sipp callee per test, on a port of its
//! own.
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

/// A scenario of `peers/voice/`.
pub fn scenario(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../../peers/voice")
        .join(name)
}

/// The text of a scenario of `peers/voice/` (to write a variant of it).
pub fn scenario_text(name: &str) -> String {
    std::fs::read_to_string(scenario(name)).expect("read scenario")
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

/// Writes a pcap of RFC 4733 telephone events for `keys` (e.g. `1123`), for sipp's
/// `play_pcap_audio`: one RTP timestamp per key press (so `11` is two presses), 100 ms of
/// tone per key with growing duration, the end packet sent three times, 100 ms between
/// keys. sipp rewrites addresses and ports when it plays the file; only the RTP matters.
pub fn write_dtmf_pcap(keys: &str, path: &Path, payload_type: u8) {
    const KEYS: &str = "0123456789*#ABCD";
    let (mut seq, mut ts, ssrc, mut t_us) = (1000u16, 160_000u32, 0x5B0A_4D01u32, 1_000_000u64);
    let mut out = Vec::new();
    // pcap global header: magic, v2.4, UTC, accuracy, snaplen, DLT_EN10MB.
    out.extend_from_slice(&0xA1B2_C3D4u32.to_le_bytes());
    out.extend_from_slice(&2u16.to_le_bytes());
    out.extend_from_slice(&4u16.to_le_bytes());
    for v in [0u32, 0, 65_535, 1] {
        out.extend_from_slice(&v.to_le_bytes());
    }
    for key in keys.chars() {
        let event = KEYS.find(key.to_ascii_uppercase()).expect("a DTMF key") as u8;
        let steps = 5u16;
        for i in 1..=steps {
            let last = i == steps;
            let mut rtp = vec![
                0x80,
                if i == 1 {
                    0x80 | payload_type
                } else {
                    payload_type
                },
            ];
            rtp.extend_from_slice(&seq.to_be_bytes());
            rtp.extend_from_slice(&ts.to_be_bytes());
            rtp.extend_from_slice(&ssrc.to_be_bytes());
            rtp.extend_from_slice(&[event, if last { 0x80 | 10 } else { 10 }]);
            rtp.extend_from_slice(&(160 * i).to_be_bytes());
            for _ in 0..if last { 3 } else { 1 } {
                let frame = udp_frame(&rtp);
                out.extend_from_slice(&((t_us / 1_000_000) as u32).to_le_bytes());
                out.extend_from_slice(&((t_us % 1_000_000) as u32).to_le_bytes());
                out.extend_from_slice(&(frame.len() as u32).to_le_bytes());
                out.extend_from_slice(&(frame.len() as u32).to_le_bytes());
                out.extend_from_slice(&frame);
            }
            seq = seq.wrapping_add(1);
            t_us += 20_000;
        }
        ts = ts.wrapping_add(160 * u32::from(steps) + 800);
        t_us += 100_000;
    }
    std::fs::write(path, out).expect("write pcap");
}

/// Ethernet + IPv4 + UDP around `payload` (loopback addresses; no UDP checksum).
fn udp_frame(payload: &[u8]) -> Vec<u8> {
    let udp_len = 8 + payload.len() as u16;
    let total = 20 + udp_len;
    let mut ip = vec![0x45, 0];
    ip.extend_from_slice(&total.to_be_bytes());
    ip.extend_from_slice(&[0, 0, 0, 0, 64, 17, 0, 0, 127, 0, 0, 1, 127, 0, 0, 1]);
    let mut sum: u32 = ip
        .chunks(2)
        .map(|c| u32::from(u16::from_be_bytes([c[0], c[1]])))
        .sum();
    while sum > 0xFFFF {
        sum = (sum & 0xFFFF) + (sum >> 16);
    }
    let csum = !(sum as u16);
    ip[10..12].copy_from_slice(&csum.to_be_bytes());
    let mut frame = vec![0, 0, 0, 0, 0, 2, 0, 0, 0, 0, 0, 1, 0x08, 0x00];
    frame.extend_from_slice(&ip);
    frame.extend_from_slice(&49_176u16.to_be_bytes());
    frame.extend_from_slice(&10_000u16.to_be_bytes());
    frame.extend_from_slice(&udp_len.to_be_bytes());
    frame.extend_from_slice(&[0, 0]);
    frame.extend_from_slice(payload);
    frame
}
