//! The fraud guard against SMS pumping (artificially inflated traffic): bots request codes
//! for runs of numbers in a premium range to share its termination revenue. On by default.
//!
//! Per verification start, in order (a safe-listed number skips all of them):
//! 1. **Geo permissions**: the destination country must be in the service's allow-list
//!    (default: the platform's `[verify] allowed_countries`). 60238.
//! 2. **Blocked prefix**: a destination prefix (the first `prefix_digits` digits of the E.164
//!    number) blocked by 4 or 5 below stays blocked for `block_secs`. 60410.
//! 3. **Velocity** per number, per end-user IP network (`DeviceIp`: /24 for IPv4, /64 for
//!    IPv6) and per prefix: GCRA counters in the store, shared by every node. 60410.
//! 4. **Sequential numbers**: `seq_run` numbers of one prefix within `seq_gap` of each other
//!    inside `seq_window_secs` block the prefix.
//! 5. **Conversion**: a prefix with at least `conv_min_sends` settled starts (older than
//!    `conv_grace_secs`) in `conv_window_secs` whose approval rate is below
//!    `conv_min_ratio` × the service's own rate (its baseline) is blocked.
//!
//! Mode `monitor` records (log + metric) what `enforce` would block, and blocks nothing.
//! Steps 4–5 keep their windows in memory per node (each node sees its share of a burst).

use std::collections::{HashMap, VecDeque};
use std::sync::Mutex;
use switchboard_domain::clock::Millis;

/// What the fraud guard does with a suspicious start.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Mode {
    Off,
    /// Record only.
    Monitor,
    /// Refuse.
    Enforce,
}

impl Mode {
    pub fn parse(s: &str) -> Option<Self> {
        match s {
            "off" => Some(Self::Off),
            "monitor" => Some(Self::Monitor),
            "enforce" => Some(Self::Enforce),
            _ => None,
        }
    }

    pub fn as_str(self) -> &'static str {
        match self {
            Self::Off => "off",
            Self::Monitor => "monitor",
            Self::Enforce => "enforce",
        }
    }
}

/// Thresholds (the platform's `[verify.fraud_guard]`).
#[derive(Debug, Clone)]
pub struct FraudPolicy {
    pub mode: Mode,
    /// ISO 3166 alpha-2 codes a service may send to unless it sets its own list.
    pub allowed_countries: Vec<String>,
    pub prefix_digits: usize,
    /// Starts per number, per IP network and per prefix: `(max, seconds)`.
    pub per_number: (u32, u32),
    pub per_ip: (u32, u32),
    pub per_prefix: (u32, u32),
    pub seq_run: usize,
    pub seq_gap: u64,
    pub seq_window_secs: u64,
    pub conv_window_secs: u64,
    pub conv_grace_secs: u64,
    pub conv_min_sends: usize,
    pub conv_min_ratio: f64,
    /// A service's conversion rate before it has enough history of its own.
    pub default_baseline: f64,
    pub block_secs: u64,
}

impl Default for FraudPolicy {
    fn default() -> Self {
        Self {
            mode: Mode::Enforce,
            allowed_countries: [
                "US", "CA", "GB", "IE", "FR", "DE", "IT", "ES", "PT", "NL", "BE", "LU", "AT", "CH",
                "DK", "SE", "NO", "FI", "IS", "PL", "CZ", "AU", "NZ", "JP",
            ]
            .iter()
            .map(|c| (*c).to_owned())
            .collect(),
            prefix_digits: 8,
            per_number: (10, 3600),
            per_ip: (30, 3600),
            per_prefix: (60, 600),
            seq_run: 3,
            seq_gap: 10,
            seq_window_secs: 600,
            conv_window_secs: 3600,
            conv_grace_secs: 120,
            conv_min_sends: 15,
            conv_min_ratio: 0.3,
            default_baseline: 0.7,
            block_secs: 3600,
        }
    }
}

/// Why a start looks like pumping (a sentence for the error message and the log).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Suspicion {
    /// Short tag: `sequential`, `low_conversion`, `blocked_prefix`.
    pub kind: &'static str,
    pub reason: String,
}

#[derive(Default)]
struct PrefixState {
    /// `(at, number)` of recent starts, for the sequential check.
    recent: VecDeque<(Millis, u64)>,
    /// `(at, number, approved)` of starts in the conversion window.
    sends: VecDeque<(Millis, u64, bool)>,
    blocked_until: Millis,
}

#[derive(Default)]
struct ServiceState {
    prefixes: HashMap<String, PrefixState>,
    counts: Counts,
    /// When idle prefixes were last swept out.
    last_sweep: Millis,
}

/// The service's own conversion (its baseline), kept up to date as starts come and go, so
/// judging a start costs the same however many prefixes the service sends to.
#[derive(Default)]
struct Counts {
    /// Starts that left the conversion window, and those of them approved (decayed).
    settled: f64,
    approved: f64,
    /// Starts in the window and those of them approved.
    window: u64,
    window_approved: u64,
}

/// The in-memory part (steps 2, 4, 5) of the fraud guard, per node.
#[derive(Default)]
pub struct Windows {
    services: Mutex<HashMap<String, ServiceState>>,
}

/// Whether `c` looks like an ISO 3166 alpha-2 country code (`IT`, `gb`).
pub fn is_country_code(c: &str) -> bool {
    c.len() == 2 && c.bytes().all(|b| b.is_ascii_alphabetic())
}

/// The destination prefix of an E.164 number and its digits as a number.
pub fn prefix_of(e164: &str, digits: usize) -> (String, u64) {
    let d: String = e164.chars().filter(char::is_ascii_digit).collect();
    let prefix = d.chars().take(digits).collect();
    (prefix, d.parse().unwrap_or(0))
}

/// The network of an end-user IP: /24 for IPv4, /64 for IPv6 (`None` if unparsable).
pub fn ip_network(ip: &str) -> Option<String> {
    match ip.trim().parse::<std::net::IpAddr>().ok()? {
        std::net::IpAddr::V4(v4) => {
            let o = v4.octets();
            Some(format!("{}.{}.{}.0/24", o[0], o[1], o[2]))
        }
        std::net::IpAddr::V6(v6) => {
            let s = v6.segments();
            Some(format!("{:x}:{:x}:{:x}:{:x}::/64", s[0], s[1], s[2], s[3]))
        }
    }
}

impl Windows {
    fn lock(&self) -> std::sync::MutexGuard<'_, HashMap<String, ServiceState>> {
        self.services.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// Judges a start to `to` at `now` and records it (unless its prefix is blocked).
    pub fn assess(
        &self,
        p: &FraudPolicy,
        service: &str,
        to: &str,
        now: Millis,
    ) -> Option<Suspicion> {
        let (prefix, number) = prefix_of(to, p.prefix_digits);
        let mut services = self.lock();
        if services.len() > 100_000 {
            services.clear();
        }
        let svc = services.entry(service.to_owned()).or_default();
        if now - svc.last_sweep >= ms(p.conv_window_secs) / 4 {
            sweep(svc, p, now);
        }
        let ServiceState {
            prefixes, counts, ..
        } = svc;
        let st = prefixes.entry(prefix.clone()).or_default();
        settle(st, counts, p, now);
        let baseline = baseline(counts, p);
        if st.blocked_until > now {
            return Some(Suspicion {
                kind: "blocked_prefix",
                reason: format!(
                    "destination prefix +{prefix} is blocked for suspected SMS pumping"
                ),
            });
        }
        let seq_from = now - ms(p.seq_window_secs);
        while st.recent.front().is_some_and(|(t, _)| *t < seq_from) {
            st.recent.pop_front();
        }
        let close = st
            .recent
            .iter()
            .filter(|(_, n)| *n != number && n.abs_diff(number) <= p.seq_gap)
            .map(|(_, n)| *n)
            .collect::<std::collections::BTreeSet<_>>()
            .len();
        st.recent.push_back((now, number));
        st.sends.push_back((now, number, false));
        counts.window += 1;
        let verdict = if close + 1 >= p.seq_run {
            Some(Suspicion {
                kind: "sequential",
                reason: format!(
                    "{} numbers within {} of each other in prefix +{prefix} in {} s",
                    close + 1,
                    p.seq_gap,
                    p.seq_window_secs
                ),
            })
        } else {
            let grace_before = now - ms(p.conv_grace_secs);
            let settled: Vec<bool> = st
                .sends
                .iter()
                .filter(|(t, _, _)| *t <= grace_before)
                .map(|x| x.2)
                .collect();
            let ok = settled.iter().filter(|a| **a).count();
            let rate = ok as f64 / settled.len().max(1) as f64;
            (settled.len() >= p.conv_min_sends && rate < p.conv_min_ratio * baseline).then(|| Suspicion {
                kind: "low_conversion",
                reason: format!(
                    "prefix +{prefix}: {ok} of {} codes used ({:.0}%), against {:.0}% for this service",
                    settled.len(),
                    rate * 100.0,
                    baseline * 100.0
                ),
            })
        };
        if verdict.is_some() && p.mode == Mode::Enforce {
            st.blocked_until = now + ms(p.block_secs);
        }
        verdict
    }

    /// Records that a code sent to `to` was approved (the conversion signal).
    pub fn approved(&self, p: &FraudPolicy, service: &str, to: &str) {
        let (prefix, number) = prefix_of(to, p.prefix_digits);
        let mut services = self.lock();
        if let Some(svc) = services.get_mut(service) {
            let ServiceState {
                prefixes, counts, ..
            } = svc;
            if let Some(e) = prefixes
                .get_mut(&prefix)
                .and_then(|st| st.sends.iter_mut().rev().find(|e| e.1 == number && !e.2))
            {
                e.2 = true;
                counts.window_approved += 1;
            }
        }
    }
}

fn ms(secs: u64) -> Millis {
    i64::try_from(secs.saturating_mul(1000)).unwrap_or(i64::MAX)
}

/// Moves a prefix's starts that left the conversion window into the service baseline
/// (decayed so that it follows the service's current traffic).
fn settle(st: &mut PrefixState, c: &mut Counts, p: &FraudPolicy, now: Millis) {
    let from = now - ms(p.conv_window_secs);
    while let Some(&(t, _, ok)) = st.sends.front() {
        if t >= from {
            break;
        }
        st.sends.pop_front();
        c.window = c.window.saturating_sub(1);
        c.window_approved = c.window_approved.saturating_sub(u64::from(ok));
        c.settled = c.settled * 0.999 + 1.0;
        c.approved = c.approved * 0.999 + f64::from(u8::from(ok));
    }
}

/// Settles every prefix and drops the idle ones (every quarter of the conversion window,
/// so its cost is spread over many starts).
fn sweep(svc: &mut ServiceState, p: &FraudPolicy, now: Millis) {
    svc.last_sweep = now;
    let seq_from = now - ms(p.seq_window_secs);
    let ServiceState {
        prefixes, counts, ..
    } = svc;
    for st in prefixes.values_mut() {
        settle(st, counts, p, now);
        while st.recent.front().is_some_and(|(t, _)| *t < seq_from) {
            st.recent.pop_front();
        }
    }
    prefixes
        .retain(|_, st| !st.sends.is_empty() || !st.recent.is_empty() || st.blocked_until > now);
}

/// The service's approval rate: from its settled history once there is enough of it,
/// else from what is in the window, else the default.
fn baseline(c: &Counts, p: &FraudPolicy) -> f64 {
    if c.settled >= 50.0 {
        c.approved / c.settled
    } else if c.window >= 50 {
        c.window_approved as f64 / c.window as f64
    } else {
        p.default_baseline
    }
}
