//! Side-channel observation of the server while it is under load: RSS from
//! `/proc`, queue depth and message counters from `GET /metrics`.

use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

use anyhow::{bail, Context, Result};
use tokio::sync::watch;

use crate::prom;
use crate::server::rss_bytes;

/// Reads metrics and RSS of the server child on a client separate from the load.
pub struct Probe {
    client: reqwest::Client,
    metrics_url: String,
    pid: u32,
}

/// Maximum values seen while a level ran.
#[derive(Debug, Default, Clone, Copy)]
pub struct Peaks {
    pub max_queue: Option<f64>,
    pub max_rss: Option<u64>,
}

/// How the post-level drain wait ended.
#[derive(Debug, Clone)]
pub enum Drain {
    Drained(Duration),
    TimedOut { depth: f64 },
    Unavailable(String),
}

impl Probe {
    pub fn new(addr: std::net::SocketAddr, pid: u32) -> Result<Probe> {
        let client = reqwest::Client::builder()
            .no_proxy()
            .timeout(Duration::from_secs(5))
            .build()
            .context("building metrics client")?;
        Ok(Probe {
            client,
            metrics_url: format!("http://{addr}/metrics"),
            pid,
        })
    }

    pub fn rss(&self) -> Option<u64> {
        rss_bytes(self.pid)
    }

    /// Body of `GET /metrics`; errors on transport failure or non-2xx.
    pub async fn metrics(&self) -> Result<String> {
        let resp = self.client.get(&self.metrics_url).send().await?;
        let status = resp.status();
        if !status.is_success() {
            bail!("GET {} returned {status}", self.metrics_url);
        }
        Ok(resp.text().await?)
    }

    pub async fn queue_depth(&self) -> Result<Option<f64>> {
        Ok(prom::queue_depth(&self.metrics().await?))
    }

    /// Samples every 500 ms until `stop` flips (or its sender is dropped),
    /// printing a progress line every second.
    pub async fn sample_until(
        &self,
        mut stop: watch::Receiver<bool>,
        ok_total: Arc<AtomicU64>,
        level: usize,
    ) -> Peaks {
        let mut peaks = Peaks::default();
        let mut tick = tokio::time::interval(Duration::from_millis(500));
        tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Skip);
        let started = Instant::now();
        let (mut last_ok, mut last_t) = (ok_total.load(Ordering::Relaxed), started);
        let mut odd_tick = false;
        loop {
            tokio::select! {
                _ = tick.tick() => {}
                _ = stop.changed() => break,
            }
            let rss = self.rss();
            let depth = self.queue_depth().await.ok().flatten();
            if let Some(r) = rss {
                peaks.max_rss = Some(peaks.max_rss.map_or(r, |m| m.max(r)));
            }
            if let Some(d) = depth {
                peaks.max_queue = Some(peaks.max_queue.map_or(d, |m| m.max(d)));
            }
            odd_tick = !odd_tick;
            if !odd_tick {
                let ok = ok_total.load(Ordering::Relaxed);
                let now = Instant::now();
                let rate = (ok - last_ok) as f64 / now.duration_since(last_t).as_secs_f64();
                (last_ok, last_t) = (ok, now);
                eprintln!(
                    "  [c={level:>3}] t={:>5.1}s ok={ok:>9} {rate:>8.0}/s queue={} rss={}",
                    started.elapsed().as_secs_f64(),
                    fmt_opt(depth.map(|d| format!("{d:.0}"))),
                    fmt_opt(rss.map(|r| format!("{:.1}MiB", mib(r)))),
                );
            }
        }
        peaks
    }

    /// Polls `/metrics` every 100 ms until `switchboard_smpp_bound` adds up to `connections`.
    pub async fn wait_bound(&self, connections: usize, timeout: Duration) -> Result<()> {
        let started = Instant::now();
        loop {
            let bound = self
                .metrics()
                .await
                .ok()
                .and_then(|t| prom::smpp_bound(&t))
                .unwrap_or(0.0);
            if bound >= connections as f64 {
                return Ok(());
            }
            if started.elapsed() > timeout {
                bail!(
                    "the server has {bound} of {connections} SMPP connection(s) bound after {timeout:?}"
                );
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
    }

    /// Polls `/metrics` every 100 ms until the queue depth reaches 0.
    pub async fn wait_drain(&self, timeout: Duration) -> Drain {
        let started = Instant::now();
        let mut last = f64::NAN;
        let mut errors = 0;
        loop {
            match self.queue_depth().await {
                Ok(Some(d)) if d <= 0.0 => return Drain::Drained(started.elapsed()),
                Ok(Some(d)) => last = d,
                Ok(None) => return Drain::Unavailable(format!("no {} gauge", prom::QUEUE_DEPTH)),
                Err(e) => {
                    errors += 1;
                    if errors >= 5 {
                        return Drain::Unavailable(format!("/metrics failing: {e:#}"));
                    }
                }
            }
            if started.elapsed() >= timeout {
                return Drain::TimedOut { depth: last };
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
    }
}

pub fn mib(bytes: u64) -> f64 {
    bytes as f64 / (1024.0 * 1024.0)
}

pub fn fmt_opt(v: Option<String>) -> String {
    v.unwrap_or_else(|| "n/a".to_string())
}
