//! CPU time of processes from `/proc/<pid>/stat`, to show who is busy.

use std::collections::BTreeMap;
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

/// One process's CPU seconds from `/proc/<pid>/stat`.
#[derive(Debug, Clone, PartialEq)]
struct ProcCpu {
    name: String,
    ppid: u32,
    /// utime + stime.
    own: f64,
    /// cutime + cstime: the children it has reaped.
    children: f64,
}

/// Every process's CPU seconds, by pid.
fn all_cpu() -> BTreeMap<u32, ProcCpu> {
    let mut out = BTreeMap::new();
    let Ok(entries) = std::fs::read_dir("/proc") else {
        return out;
    };
    for entry in entries.flatten() {
        let Some(pid) = entry
            .file_name()
            .to_str()
            .and_then(|s| s.parse::<u32>().ok())
        else {
            continue;
        };
        let Ok(text) = std::fs::read_to_string(format!("/proc/{pid}/stat")) else {
            continue;
        };
        if let Some(p) = parse_stat_full(&text) {
            out.insert(pid, p);
        }
    }
    out
}

/// [`all_cpu`] restricted to the processes named `comm`: pid → (own, children).
fn named_cpu(comm: &str) -> BTreeMap<u32, (f64, f64)> {
    all_cpu()
        .into_iter()
        .filter(|(_, p)| p.name == comm)
        .map(|(pid, p)| (pid, (p.own, p.children)))
        .collect()
}

/// CPU of every process over an interval, by command name: to name whatever
/// else ran during a measurement.
#[derive(Debug, Clone)]
pub struct AllCpuMeter {
    start: BTreeMap<u32, ProcCpu>,
}

impl AllCpuMeter {
    pub fn start() -> AllCpuMeter {
        AllCpuMeter { start: all_cpu() }
    }

    /// CPU seconds per command name since `start`, leaving out the pids in
    /// `exclude`, largest first. A process that exits in between is counted
    /// under its parent's name (its time moves into the parent's
    /// reaped-children time; what it had used before the start is taken off).
    pub fn by_name(&self, exclude: &[u32]) -> Vec<(String, f64)> {
        by_name(&self.start, &all_cpu(), exclude)
    }
}

fn by_name(
    start: &BTreeMap<u32, ProcCpu>,
    end: &BTreeMap<u32, ProcCpu>,
    exclude: &[u32],
) -> Vec<(String, f64)> {
    let mut by: BTreeMap<String, f64> = BTreeMap::new();
    for (pid, p) in end {
        if exclude.contains(pid) {
            continue;
        }
        let (own0, children0) = match start.get(pid) {
            Some(s) if s.name == p.name => (s.own, s.children),
            _ => (0.0, 0.0),
        };
        *by.entry(p.name.clone()).or_default() += (p.own - own0) + (p.children - children0);
    }
    for (pid, s) in start {
        let gone = end.get(pid).is_none_or(|p| p.name != s.name);
        if !gone || exclude.contains(&s.ppid) {
            continue;
        }
        if let Some(parent) = start.get(&s.ppid) {
            *by.entry(parent.name.clone()).or_default() -= s.own + s.children;
        }
    }
    let mut v: Vec<(String, f64)> = by.into_iter().filter(|(_, c)| *c > 0.0).collect();
    v.sort_by(|a, b| b.1.total_cmp(&a.1));
    v
}

/// Name, parent, utime + stime and cutime + cstime (seconds) from the text
/// of `/proc/<pid>/stat`.
fn parse_stat_full(text: &str) -> Option<ProcCpu> {
    let open = text.find('(')?;
    let close = text.rfind(')')?;
    let name = text.get(open + 1..close)?;
    let fields: Vec<&str> = text[close + 1..].split_whitespace().collect();
    let num = |i: usize| fields.get(i).and_then(|f| f.parse::<u64>().ok());
    Some(ProcCpu {
        name: name.to_string(),
        ppid: u32::try_from(num(1)?).ok()?,
        own: (num(11)? + num(12)?) as f64 / clk_tck(),
        children: (num(13)? + num(14)?) as f64 / clk_tck(),
    })
}

/// CPU use of all processes with one command name (e.g. every `postgres`
/// process: postmaster, backends, WAL writer, …) over an interval. Processes
/// that exit in between are counted through their parent's reaped-children
/// time, so backends that come and go are not lost.
#[derive(Debug, Clone)]
pub struct NamedCpuMeter {
    comm: String,
    start: BTreeMap<u32, (f64, f64)>,
}

/// What a [`NamedCpuMeter`] measured.
#[derive(Debug, Clone, Default)]
pub struct NamedCpu {
    /// CPU seconds of the whole group (1.0 = one core for one second).
    pub total_secs: f64,
    /// Own CPU seconds per process alive at the end.
    pub per_pid_secs: BTreeMap<u32, f64>,
    /// Processes found at the start and at the end.
    pub processes: (usize, usize),
}

impl NamedCpuMeter {
    pub fn start(comm: &str) -> NamedCpuMeter {
        NamedCpuMeter {
            comm: comm.to_string(),
            start: named_cpu(comm),
        }
    }

    pub fn finish(&self) -> NamedCpu {
        let end = named_cpu(&self.comm);
        let sum = |m: &BTreeMap<u32, (f64, f64)>| m.values().map(|(o, c)| o + c).sum::<f64>();
        let per_pid_secs = end
            .iter()
            .map(|(pid, (own, _))| {
                let before = self.start.get(pid).map_or(0.0, |(o, _)| *o);
                (*pid, (own - before).max(0.0))
            })
            .collect();
        NamedCpu {
            total_secs: (sum(&end) - sum(&self.start)).max(0.0),
            per_pid_secs,
            processes: (self.start.len(), end.len()),
        }
    }
}

/// The machine's CPU time by kind (seconds summed over CPUs) from `/proc/stat`.
#[derive(Debug, Clone, Copy, Default, PartialEq)]
pub struct MachineTimes {
    /// user + nice + system (what processes are charged).
    pub busy: f64,
    pub idle: f64,
    pub iowait: f64,
    /// irq + softirq (much of loopback TCP).
    pub irq: f64,
    pub steal: f64,
}

impl MachineTimes {
    pub fn now() -> Option<MachineTimes> {
        parse_machine_times(&std::fs::read_to_string("/proc/stat").ok()?)
    }

    /// `self - before`, each divided by `wall_secs` (2.0 = two cores).
    pub fn share_since(&self, before: &MachineTimes, wall_secs: f64) -> Option<MachineTimes> {
        (wall_secs > 0.0).then(|| MachineTimes {
            busy: (self.busy - before.busy) / wall_secs,
            idle: (self.idle - before.idle) / wall_secs,
            iowait: (self.iowait - before.iowait) / wall_secs,
            irq: (self.irq - before.irq) / wall_secs,
            steal: (self.steal - before.steal) / wall_secs,
        })
    }
}

fn parse_machine_times(text: &str) -> Option<MachineTimes> {
    let line = text.lines().find(|l| l.starts_with("cpu "))?;
    let v: Vec<u64> = line
        .split_whitespace()
        .skip(1)
        .filter_map(|x| x.parse().ok())
        .collect();
    let t = |i: usize| v.get(i).map(|x| *x as f64 / clk_tck());
    // user nice system idle iowait irq softirq steal guest guest_nice
    Some(MachineTimes {
        busy: t(0)? + t(1)? + t(2)?,
        idle: t(3)?,
        iowait: t(4)?,
        irq: t(5)? + t(6)?,
        steal: t(7).unwrap_or(0.0),
    })
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

    #[test]
    fn parses_full_stat_and_machine_times() {
        let line = "1234 (postgres) S 1 1234 1234 0 -1 4194560 100 0 0 0 250 50 30 20 20 0 3 0 100 1000 10";
        let p = parse_stat_full(line).unwrap();
        assert_eq!(p.name, "postgres");
        assert_eq!(p.ppid, 1);
        assert!((p.own - 300.0 / clk_tck()).abs() < 1e-9);
        assert!((p.children - 50.0 / clk_tck()).abs() < 1e-9);
        let text = "cpu  100 5 50 1000 20 3 2 7 0 0\n";
        let t = parse_machine_times(text).unwrap();
        assert!((t.busy - 155.0 / clk_tck()).abs() < 1e-9);
        assert!((t.iowait - 20.0 / clk_tck()).abs() < 1e-9);
        assert!((t.irq - 5.0 / clk_tck()).abs() < 1e-9);
        assert!((t.steal - 7.0 / clk_tck()).abs() < 1e-9);
        assert!(MachineTimes::now().is_some());
        let m = NamedCpuMeter::start("no-such-process-name");
        assert_eq!(m.finish().total_secs, 0.0);
    }

    #[test]
    fn charges_exited_children_to_their_parent() {
        let p = |name: &str, ppid: u32, own: f64, children: f64| ProcCpu {
            name: name.to_string(),
            ppid,
            own,
            children,
        };
        // cargo (10) with a rustc child (11) that had used 5 s, ran 2 s more
        // and exited; another child started and ended within (0.25 s); our
        // process (20) is excluded.
        let start = BTreeMap::from([
            (10, p("cargo", 1, 1.0, 0.0)),
            (11, p("rustc", 10, 5.0, 0.0)),
            (20, p("switchboard", 1, 3.0, 0.0)),
        ]);
        let end = BTreeMap::from([
            (10, p("cargo", 1, 1.5, 7.0 + 0.25)),
            (20, p("switchboard", 1, 9.0, 0.0)),
        ]);
        let v = by_name(&start, &end, &[20]);
        assert_eq!(v.len(), 1);
        assert_eq!(v[0].0, "cargo");
        assert!((v[0].1 - (0.5 + 2.0 + 0.25)).abs() < 1e-9, "{v:?}");
    }
}
