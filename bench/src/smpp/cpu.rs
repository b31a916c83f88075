//! CPU time of processes from `/proc/<pid>/stat`, to show who is busy.

use std::sync::OnceLock;

/// Clock ticks per second (`getconf CLK_TCK`, 100 if that fails).
fn clk_tck() -> f64 {
    static TCK: OnceLock<f64> = OnceLock::new();
    *TCK.get_or_init(|| {
        std::process::Command::new("getconf")
            .arg("CLK_TCK")
            .output()
            .ok()
            .and_then(|o| String::from_utf8(o.stdout).ok())
            .and_then(|s| s.trim().parse::<f64>().ok())
            .filter(|t| *t > 0.0)
            .unwrap_or(100.0)
    })
}

/// User + system CPU seconds of `pid` (all its threads) so far.
pub fn cpu_seconds(pid: u32) -> Option<f64> {
    parse_stat(&std::fs::read_to_string(format!("/proc/{pid}/stat")).ok()?)
}

/// User + system CPU seconds of this process so far.
pub fn self_cpu_seconds() -> Option<f64> {
    parse_stat(&std::fs::read_to_string("/proc/self/stat").ok()?)
}

/// utime + stime from the text of `/proc/<pid>/stat`, in seconds.
fn parse_stat(text: &str) -> Option<f64> {
    // The command name (field 2) may hold spaces; fields after its ')' are plain.
    let rest = &text[text.rfind(')')? + 1..];
    let fields: Vec<&str> = rest.split_whitespace().collect();
    // rest starts at field 3 (state); utime is field 14, stime field 15.
    let utime: u64 = fields.get(11)?.parse().ok()?;
    let stime: u64 = fields.get(12)?.parse().ok()?;
    Some((utime + stime) as f64 / clk_tck())
}

/// CPU use of one process over an interval, as a fraction of one core.
#[derive(Debug, Clone, Copy)]
pub struct CpuMeter {
    pid: Option<u32>,
    start: Option<f64>,
}

impl CpuMeter {
    /// Starts measuring `pid` (`None`: this process).
    pub fn start(pid: Option<u32>) -> CpuMeter {
        CpuMeter {
            pid,
            start: read(pid),
        }
    }

    /// CPU seconds since `start` divided by `wall_secs` (1.0 = one busy core).
    pub fn share(&self, wall_secs: f64) -> Option<f64> {
        let used = read(self.pid)? - self.start?;
        (wall_secs > 0.0).then(|| used / wall_secs)
    }
}

fn read(pid: Option<u32>) -> Option<f64> {
    match pid {
        Some(p) => cpu_seconds(p),
        None => self_cpu_seconds(),
    }
}

/// CPU time of all processes on the machine (user + nice + system, all CPUs)
/// over an interval, from the first line of `/proc/stat`; with the
/// per-process meters it shows how much CPU *other* processes took during a
/// run. Interrupt and softirq time (much of loopback TCP) is left out: it is
/// not charged to any process, ours included.
#[derive(Debug, Clone, Copy)]
pub struct MachineMeter {
    start: Option<f64>,
}

impl MachineMeter {
    pub fn start() -> MachineMeter {
        MachineMeter {
            start: machine_busy_seconds(),
        }
    }

    /// Process CPU seconds since `start` divided by `wall_secs` (2.0 = two busy cores).
    pub fn share(&self, wall_secs: f64) -> Option<f64> {
        let used = machine_busy_seconds()? - self.start?;
        (wall_secs > 0.0).then(|| used / wall_secs)
    }
}

/// User + nice + system CPU seconds of the machine since boot, summed over CPUs.
fn machine_busy_seconds() -> Option<f64> {
    parse_proc_stat(&std::fs::read_to_string("/proc/stat").ok()?)
}

fn parse_proc_stat(text: &str) -> Option<f64> {
    let line = text.lines().find(|l| l.starts_with("cpu "))?;
    let v: Vec<u64> = line
        .split_whitespace()
        .skip(1)
        .filter_map(|x| x.parse().ok())
        .collect();
    // user nice system idle iowait irq softirq steal guest guest_nice
    let busy = v.first()? + v.get(1)? + v.get(2)?;
    Some(busy as f64 / clk_tck())
}

/// The 1-minute load average.
pub fn loadavg() -> Option<String> {
    let text = std::fs::read_to_string("/proc/loadavg").ok()?;
    Some(
        text.split_whitespace()
            .take(3)
            .collect::<Vec<_>>()
            .join(" "),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_proc_stat() {
        let line = "1234 (my (odd) name) S 1 1234 1234 0 -1 4194560 100 0 0 0 250 50 0 0 20 0 3 0 100 1000 10";
        let secs = parse_stat(line).unwrap();
        assert!((secs - 300.0 / clk_tck()).abs() < 1e-9);
        assert!(parse_stat("garbage").is_none());
        assert!(self_cpu_seconds().is_some());
    }

    #[test]
    fn parses_machine_stat() {
        let text = "cpu  100 5 50 1000 20 3 2 0 0 0\ncpu0 50 2 25 500 10 1 1 0 0 0\n";
        let busy = parse_proc_stat(text).unwrap();
        assert!((busy - 155.0 / clk_tck()).abs() < 1e-9);
        assert!(machine_busy_seconds().is_some());
        assert!(loadavg().is_some());
    }
}
