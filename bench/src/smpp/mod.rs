//! Shared pieces of the SMPP benchmarks (`smpp-blast`, `smpp-e2e`): the SMSC
//! children (our simulator, the node sink), the minimal ESME blaster, CPU
//! accounting and a few report helpers.

pub mod blast;
pub mod cpu;
pub mod peer;

use std::path::PathBuf;

/// `<workspace root>/target/release/switchboard`.
pub const DEFAULT_BIN: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/../target/release/switchboard");
/// `<workspace root>/peers/smpp/smsc_sink.js`.
pub const DEFAULT_SINK: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/../peers/smpp/smsc_sink.js");

/// `--receipts on|off|both`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum ReceiptsArg {
    On,
    Off,
    Both,
}

impl ReceiptsArg {
    /// The regimes to run, receipts off first.
    pub fn modes(self) -> Vec<bool> {
        match self {
            ReceiptsArg::On => vec![true],
            ReceiptsArg::Off => vec![false],
            ReceiptsArg::Both => vec![false, true],
        }
    }
}

/// Where the SMSC programs are.
#[derive(Debug, Clone)]
pub struct Programs {
    /// The `switchboard` binary (for `smsc-sim` and `serve`).
    pub switchboard: PathBuf,
    /// The `node` executable.
    pub node: PathBuf,
    /// `peers/smpp/smsc_sink.js`.
    pub sink_script: PathBuf,
    /// Extra environment for the node sink (`--sink-env`).
    pub sink_env: Vec<(String, String)>,
}

/// Parses `K=V` (for `--sink-env` and `--env`).
pub fn parse_kv(s: &str) -> Result<(String, String), String> {
    match s.split_once('=') {
        Some((k, v)) if !k.is_empty() => Ok((k.to_string(), v.to_string())),
        _ => Err(format!("expected K=V, got {s:?}")),
    }
}

/// `"on"` / `"off"`.
pub fn on_off(b: bool) -> &'static str {
    if b {
        "on"
    } else {
        "off"
    }
}

/// A rate for a table cell, `n/a` when unknown.
pub fn rate_cell(r: Option<f64>) -> String {
    r.map_or_else(|| "n/a".to_string(), |r| format!("{r:.0}"))
}

/// A percentage for a table cell, `n/a` when unknown.
pub fn pct_cell(r: Option<f64>) -> String {
    r.map_or_else(|| "n/a".to_string(), |r| format!("{:.0}%", r * 100.0))
}

/// CPU count and model name.
pub fn machine() -> (usize, String) {
    let nproc = std::thread::available_parallelism().map_or(0, |n| n.get());
    let model = std::fs::read_to_string("/proc/cpuinfo")
        .ok()
        .and_then(|text| {
            text.lines()
                .find(|l| l.starts_with("model name"))
                .and_then(|l| l.split_once(':'))
                .map(|(_, v)| v.trim().to_string())
        })
        .unwrap_or_else(|| "unknown".to_string());
    (nproc, model)
}
