//! The closed-loop load generator: `level` tasks, each POSTing
//! Messages.json back to back over a shared keep-alive client.

use std::collections::BTreeMap;
use std::net::SocketAddr;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use anyhow::{bail, Context, Result};
use reqwest::header::{HeaderMap, HeaderValue, AUTHORIZATION, CONTENT_TYPE};
use reqwest::{StatusCode, Url};
use tokio::sync::watch;
use tokio::task::JoinSet;

use crate::sample::{Drain, Peaks, Probe};
use crate::server::Ready;
use crate::stats::{self, LatencySummary};

/// Settings shared by every level.
pub struct LoadConfig {
    pub warmup: Duration,
    pub duration: Duration,
    pub drain_timeout: Duration,
}

/// State shared across levels: message numbering and "print once" flags.
#[derive(Default)]
pub struct Shared {
    pub seq: AtomicU64,
    pub printed_status_error: AtomicBool,
    pub printed_transport_error: AtomicBool,
}

/// Everything measured for one concurrency level.
pub struct LevelResult {
    pub level: usize,
    pub ok: u64,
    pub errors: u64,
    /// Error kind ("HTTP 429", "transport") → count, in the measured window.
    pub error_kinds: BTreeMap<String, u64>,
    pub window: Duration,
    pub latency: Option<LatencySummary>,
    pub peaks: Peaks,
    pub drain: Drain,
    pub messages: Vec<(String, f64)>,
}

impl LevelResult {
    pub fn throughput(&self) -> f64 {
        self.ok as f64 / self.window.as_secs_f64()
    }
}

#[derive(Default)]
struct WorkerStats {
    latencies_us: Vec<u64>,
    ok: u64,
    errors: BTreeMap<String, u64>,
}

/// Runs one level: warmup + measured window, sampling alongside, then drain.
pub async fn run_level(
    ready: &Ready,
    probe: &Probe,
    cfg: &LoadConfig,
    shared: &Arc<Shared>,
    level: usize,
) -> Result<LevelResult> {
    let client = build_client(ready, level)?;
    let url = Url::parse(&format!(
        "http://{}/2010-04-01/Accounts/{}/Messages.json",
        ready.addr, ready.account_sid
    ))
    .context("building Messages.json URL")?;

    let start = Instant::now();
    let window_start = start + cfg.warmup;
    let end = window_start + cfg.duration;
    let ok_total = Arc::new(AtomicU64::new(0));

    // A JoinSet aborts its tasks when dropped (e.g. on Ctrl-C).
    let mut tasks = JoinSet::new();
    for worker in 0..level {
        let ctx = Worker {
            client: client.clone(),
            url: url.clone(),
            shared: Arc::clone(shared),
            ok_total: Arc::clone(&ok_total),
            rng: seed(worker),
            window_start,
            end,
        };
        tasks.spawn(ctx.run());
    }

    let (stop_tx, stop_rx) = watch::channel(false);
    let sampler = probe.sample_until(stop_rx, Arc::clone(&ok_total), level);
    let join_all = async {
        let mut total = WorkerStats::default();
        while let Some(joined) = tasks.join_next().await {
            let stats = joined.context("load task panicked")?;
            total.ok += stats.ok;
            total.latencies_us.extend(stats.latencies_us);
            for (k, v) in stats.errors {
                *total.errors.entry(k).or_default() += v;
            }
        }
        let _ = stop_tx.send(true);
        anyhow::Ok(total)
    };
    let (peaks, total) = tokio::join!(sampler, join_all);
    let total = total?;

    eprintln!("  [c={level:>3}] load done; waiting for queue to drain");
    let drain = probe.wait_drain(cfg.drain_timeout).await;
    let messages = match probe.metrics().await {
        Ok(text) => crate::prom::message_counts(&text),
        Err(e) => {
            eprintln!("warning: final /metrics read failed: {e:#}");
            Vec::new()
        }
    };

    Ok(LevelResult {
        level,
        ok: total.ok,
        errors: total.errors.values().sum(),
        error_kinds: total.errors,
        window: cfg.duration,
        latency: stats::summarize(total.latencies_us),
        peaks,
        drain,
        messages,
    })
}

/// One keep-alive HTTP/1.1 client per level, auth and content type preset.
pub fn build_client(ready: &Ready, level: usize) -> Result<reqwest::Client> {
    let auth = reqwest::Client::new()
        .get("http://localhost/")
        .basic_auth(&ready.account_sid, Some(&ready.auth_token))
        .build()
        .context("encoding basic auth")?
        .headers()
        .get(AUTHORIZATION)
        .cloned()
        .context("no Authorization header produced")?;
    let mut headers = HeaderMap::new();
    headers.insert(AUTHORIZATION, auth);
    headers.insert(
        CONTENT_TYPE,
        HeaderValue::from_static("application/x-www-form-urlencoded"),
    );
    reqwest::Client::builder()
        .no_proxy()
        .http1_only()
        .tcp_nodelay(true)
        .pool_max_idle_per_host(level)
        .pool_idle_timeout(Duration::from_secs(90))
        .timeout(Duration::from_secs(30))
        .default_headers(headers)
        .build()
        .context("building load client")
}

struct Worker {
    client: reqwest::Client,
    url: Url,
    shared: Arc<Shared>,
    ok_total: Arc<AtomicU64>,
    rng: u64,
    window_start: Instant,
    end: Instant,
}

impl Worker {
    async fn run(mut self) -> WorkerStats {
        let mut stats = WorkerStats::default();
        while Instant::now() < self.end {
            let n = self.shared.seq.fetch_add(1, Ordering::Relaxed);
            let to = next_rand(&mut self.rng) % 10_000_000;
            let body = form_body(to, n);
            let sent = Instant::now();
            let outcome = self.send(body).await;
            let done = Instant::now();
            if outcome.is_ok() {
                self.ok_total.fetch_add(1, Ordering::Relaxed);
            }
            if done < self.window_start || done > self.end {
                continue;
            }
            match outcome {
                Ok(()) => {
                    stats.ok += 1;
                    let us = done.duration_since(sent).as_micros();
                    stats
                        .latencies_us
                        .push(u64::try_from(us).unwrap_or(u64::MAX));
                }
                Err(kind) => *stats.errors.entry(kind).or_default() += 1,
            }
        }
        stats
    }

    /// Sends one create and reads the full response; `Err(kind)` unless 201.
    async fn send(&self, body: String) -> Result<(), String> {
        let resp = match self.client.post(self.url.clone()).body(body).send().await {
            Ok(resp) => resp,
            Err(e) => return Err(self.transport_error(&e)),
        };
        let status = resp.status();
        let text = match resp.bytes().await {
            Ok(b) => b,
            Err(e) => return Err(self.transport_error(&e)),
        };
        if status == StatusCode::CREATED {
            return Ok(());
        }
        if !self
            .shared
            .printed_status_error
            .swap(true, Ordering::Relaxed)
        {
            let body = String::from_utf8_lossy(&text);
            let snippet: String = body.chars().take(500).collect();
            eprintln!("first non-201 response: {status}: {snippet}");
        }
        Err(format!("HTTP {}", status.as_u16()))
    }

    fn transport_error(&self, e: &reqwest::Error) -> String {
        if !self
            .shared
            .printed_transport_error
            .swap(true, Ordering::Relaxed)
        {
            let mut msg = e.to_string();
            let mut source = std::error::Error::source(e);
            while let Some(cause) = source {
                msg.push_str(&format!(": {cause}"));
                source = cause.source();
            }
            eprintln!("first transport error: {msg}");
        }
        if e.is_timeout() {
            "timeout".to_string()
        } else {
            "transport".to_string()
        }
    }
}

/// Realistic A2P texts (reminders, codes, notices, some with links), so that the
/// smishing shield's cost is measured on what it really screens. `{n}` varies each one.
const BODIES: &[&str] = &[
    "Reminder: your appointment with Anna at Salon Bella is tomorrow at 10:00. Reply C to confirm or X to cancel. Ref {n}",
    "{n} is your verification code. It expires in 10 minutes. Do not share it with anyone.",
    "Your order #{n} has shipped! Track it at https://shop.example.com/track/{n}",
    "Hi, this is Dr. Rossi's office confirming your visit on Tuesday at 3pm (booking {n}). Reply YES to confirm.",
    "Your table for 4 at Luigi's is confirmed for Saturday 19:30. Booking {n}. Menu: https://luigis-trattoria.com/menu",
    "Payment of $45.00 received for invoice {n}. Thank you! Receipt: https://billing.example.org/r/{n}",
    "Your package {n} is out for delivery today between 2pm and 6pm.",
    "Class moved to room 4B today. Slides for lesson {n}: https://docs.google.com/presentation/d/{n}",
];

/// `To=+1555ddddddd&From=+15005550006&Body=<a realistic text>`, form-encoded.
pub fn form_body(to_digits: u64, n: u64) -> String {
    let template = BODIES[usize::try_from(n % BODIES.len() as u64).unwrap_or(0)];
    let body: String = template.replace("{n}", &n.to_string());
    let mut encoded = String::with_capacity(body.len() * 2);
    for b in body.bytes() {
        match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'.' | b'_' | b'*' => {
                encoded.push(char::from(b))
            }
            b' ' => encoded.push('+'),
            _ => encoded.push_str(&format!("%{b:02X}")),
        }
    }
    format!("To=%2B1555{to_digits:07}&From=%2B15005550006&Body={encoded}")
}

#[allow(clippy::disallowed_methods)] // a seed, not business time
pub fn seed(worker: usize) -> u64 {
    let nanos = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| d.as_nanos() as u64)
        .unwrap_or(0);
    (nanos ^ (worker as u64).wrapping_mul(0x9E37_79B9_7F4A_7C15)) | 1
}

/// xorshift64*: plenty for random phone-number digits.
pub fn next_rand(state: &mut u64) -> u64 {
    let mut x = *state;
    x ^= x >> 12;
    x ^= x << 25;
    x ^= x >> 27;
    *state = x;
    x.wrapping_mul(0x2545_F491_4F6C_DD1D)
}

/// What a fixed-size HTTP load ([`post_all`]) did.
pub struct LoadOutcome {
    pub accepted: u64,
    pub errors: BTreeMap<String, u64>,
    pub latency: Option<LatencySummary>,
    pub last_accept: Option<Instant>,
    /// First POST → last 201.
    pub elapsed: Duration,
    /// 201s per target, in the order of the `targets` given to [`post_all`].
    pub accepted_per_target: Vec<u64>,
}

impl LoadOutcome {
    pub fn accept_rate(&self) -> Option<f64> {
        let s = self.elapsed.as_secs_f64();
        (s > 0.0).then(|| self.accepted as f64 / s)
    }
}

/// POSTs `n` messages with `concurrency` closed-loop workers, message `i` to
/// `targets[i % targets.len()]` (round robin; every target serves the account
/// in `ready`, e.g. several nodes on one database). `accepted` counts the 201s
/// as they arrive.
pub async fn post_all(
    ready: &Ready,
    targets: &[SocketAddr],
    n: u64,
    concurrency: usize,
    accepted: Arc<AtomicU64>,
) -> Result<LoadOutcome> {
    if targets.is_empty() {
        bail!("post_all: no targets");
    }
    let client = build_client(ready, concurrency)?;
    let urls = targets
        .iter()
        .map(|addr| {
            Url::parse(&format!(
                "http://{addr}/2010-04-01/Accounts/{}/Messages.json",
                ready.account_sid
            ))
            .context("building Messages.json URL")
        })
        .collect::<Result<Vec<_>>>()?;
    let urls = Arc::new(urls);
    let next = Arc::new(AtomicU64::new(0));
    let printed = Arc::new(AtomicBool::new(false));
    let started = Instant::now();
    let mut tasks = JoinSet::new();
    for worker in 0..concurrency {
        let (client, urls, next, printed, accepted) = (
            client.clone(),
            Arc::clone(&urls),
            Arc::clone(&next),
            Arc::clone(&printed),
            Arc::clone(&accepted),
        );
        tasks.spawn(async move {
            let mut rng = seed(worker);
            let mut lat = Vec::new();
            let mut errors: BTreeMap<String, u64> = BTreeMap::new();
            let mut last = None;
            let mut per_target = vec![0u64; urls.len()];
            loop {
                let i = next.fetch_add(1, Ordering::Relaxed);
                if i >= n {
                    break;
                }
                let body = form_body(next_rand(&mut rng) % 10_000_000, i);
                let target = usize::try_from(i % urls.len() as u64).unwrap_or(0);
                let sent = Instant::now();
                match post(&client, &urls[target], body, &printed).await {
                    Ok(()) => {
                        let done = Instant::now();
                        accepted.fetch_add(1, Ordering::Relaxed);
                        per_target[target] += 1;
                        let us = done.duration_since(sent).as_micros();
                        lat.push(u64::try_from(us).unwrap_or(u64::MAX));
                        last = Some(done);
                    }
                    Err(kind) => *errors.entry(kind).or_default() += 1,
                }
            }
            (lat, errors, last, per_target)
        });
    }
    let mut latencies = Vec::new();
    let mut errors: BTreeMap<String, u64> = BTreeMap::new();
    let mut last_accept: Option<Instant> = None;
    let mut accepted_per_target = vec![0u64; urls.len()];
    while let Some(joined) = tasks.join_next().await {
        let (lat, errs, last, per_target) = joined.context("load task panicked")?;
        for (sum, n) in accepted_per_target.iter_mut().zip(per_target) {
            *sum += n;
        }
        latencies.extend(lat);
        for (k, v) in errs {
            *errors.entry(k).or_default() += v;
        }
        last_accept = last_accept.max(last);
    }
    Ok(LoadOutcome {
        accepted: accepted.load(Ordering::Relaxed),
        errors,
        latency: stats::summarize(latencies),
        last_accept,
        elapsed: last_accept.map_or(Duration::ZERO, |t| t.saturating_duration_since(started)),
        accepted_per_target,
    })
}

/// One create; `Err(kind)` unless 201. The first failure is printed once.
pub async fn post(
    client: &reqwest::Client,
    url: &Url,
    body: String,
    printed: &AtomicBool,
) -> Result<(), String> {
    let resp = match client.post(url.clone()).body(body).send().await {
        Ok(r) => r,
        Err(e) => {
            if !printed.swap(true, Ordering::Relaxed) {
                eprintln!("first transport error: {e}");
            }
            return Err(if e.is_timeout() {
                "timeout"
            } else {
                "transport"
            }
            .to_string());
        }
    };
    let status = resp.status();
    let text = resp.bytes().await.map_err(|_| "transport".to_string())?;
    if status == StatusCode::CREATED {
        return Ok(());
    }
    if !printed.swap(true, Ordering::Relaxed) {
        let body: String = String::from_utf8_lossy(&text).chars().take(500).collect();
        eprintln!("first non-201 response: {status}: {body}");
    }
    Err(format!("HTTP {}", status.as_u16()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn body_is_form_encoded() {
        assert_eq!(
            form_body(42, 9),
            "To=%2B15550000042&From=%2B15005550006&Body=9+is+your+verification+code.+It+expires+in+10+minutes.+Do+not+share+it+with+anyone."
        );
        assert!(form_body(1, 2).contains("https%3A%2F%2Fshop.example.com%2Ftrack%2F2"));
    }

    #[test]
    fn rng_varies() {
        let mut s = seed(3);
        let a = next_rand(&mut s);
        let b = next_rand(&mut s);
        assert_ne!(a, b);
        assert_ne!(s, 0);
    }
}
