//! Campaign signals only the platform sees: the same suspicious domain sent to many recipients
//! within a short window (outbound or inbound, across every account), and bursts from one
//! sender to many numbers of one enterprise (inbound).
//!
//! Memory is per process and bounded: windows older than `window_ms` are dropped as keys are
//! touched, and a sweep removes idle keys once the map passes `max_keys`. Time is a parameter
//! (milliseconds since any fixed epoch), so tests drive it.

use std::collections::{HashMap, VecDeque};
use std::sync::Mutex;

use crate::fnv::{fnv1a, FNV_OFFSET};

/// Thresholds of the campaign signals.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CampaignConfig {
    /// The sliding window (default 60 s).
    pub window_ms: u64,
    /// Distinct recipients of one suspicious domain within the window that make a campaign (default 5).
    pub domain_recipients: usize,
    /// Distinct numbers of one account one sender reaches within the window that make a burst (default 10).
    pub sender_recipients: usize,
    /// Keys kept before idle ones are swept (default 100,000).
    pub max_keys: usize,
}

impl Default for CampaignConfig {
    fn default() -> Self {
        Self {
            window_ms: 60_000,
            domain_recipients: 5,
            sender_recipients: 10,
            max_keys: 100_000,
        }
    }
}

#[derive(Default)]
struct Window {
    /// (time, recipient) in arrival order.
    events: VecDeque<(u64, u64)>,
}

impl Window {
    /// Adds one event and answers the distinct recipients within the window.
    fn observe(&mut self, now: u64, recipient: u64, window: u64) -> usize {
        while let Some(&(t, _)) = self.events.front() {
            if now.saturating_sub(t) > window {
                self.events.pop_front();
            } else {
                break;
            }
        }
        if !self.events.iter().any(|&(_, r)| r == recipient) {
            // Bounded: a recipient already present is not stored twice.
            self.events.push_back((now, recipient));
        }
        self.events.len()
    }

    fn last(&self) -> u64 {
        self.events.back().map_or(0, |&(t, _)| t)
    }
}

#[derive(Default)]
struct State {
    domains: HashMap<String, Window>,
    senders: HashMap<(String, String), Window>,
}

/// Sliding windows of recent suspicious domains and senders.
pub struct CampaignTracker {
    config: CampaignConfig,
    state: Mutex<State>,
}

/// FNV-1a: recipients are kept as hashes, not as phone numbers.
fn hash(s: &str) -> u64 {
    fnv1a(FNV_OFFSET, s.as_bytes())
}

impl CampaignTracker {
    pub fn new(config: CampaignConfig) -> Self {
        Self {
            config,
            state: Mutex::new(State::default()),
        }
    }

    pub fn config(&self) -> &CampaignConfig {
        &self.config
    }

    /// Records that a suspicious message carrying `domain` went to `recipient`; answers how many
    /// distinct recipients got that domain within the window, this one included.
    pub fn observe_domain(&self, domain: &str, recipient: &str, now_ms: u64) -> usize {
        let window = self.config.window_ms;
        let mut state = self.lock();
        let count = state.domains.entry(domain.to_owned()).or_default().observe(
            now_ms,
            hash(recipient),
            window,
        );
        if state.domains.len() > self.config.max_keys {
            state
                .domains
                .retain(|_, w| now_ms.saturating_sub(w.last()) <= window);
        }
        count
    }

    /// Records an inbound message from `sender` to `recipient` (a number of `account`); answers
    /// how many distinct numbers of that account the sender reached within the window.
    pub fn observe_sender(
        &self,
        sender: &str,
        account: &str,
        recipient: &str,
        now_ms: u64,
    ) -> usize {
        let window = self.config.window_ms;
        let mut state = self.lock();
        let count = state
            .senders
            .entry((sender.to_owned(), account.to_owned()))
            .or_default()
            .observe(now_ms, hash(recipient), window);
        if state.senders.len() > self.config.max_keys {
            state
                .senders
                .retain(|_, w| now_ms.saturating_sub(w.last()) <= window);
        }
        count
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, State> {
        // A panic while holding the lock leaves plain counters behind: keep using them.
        self.state.lock().unwrap_or_else(|e| e.into_inner())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn distinct_recipients_within_the_window() {
        let t = CampaignTracker::new(CampaignConfig::default());
        assert_eq!(t.observe_domain("evil.xyz", "+1", 0), 1);
        assert_eq!(t.observe_domain("evil.xyz", "+1", 1_000), 1);
        assert_eq!(t.observe_domain("evil.xyz", "+2", 2_000), 2);
        assert_eq!(t.observe_domain("other.xyz", "+2", 2_000), 1);
        // +1 (at 0) falls out of the window at 60,001.
        assert_eq!(t.observe_domain("evil.xyz", "+3", 60_001), 2);
    }

    #[test]
    fn senders_are_counted_per_account() {
        let t = CampaignTracker::new(CampaignConfig::default());
        for i in 0..10 {
            assert_eq!(
                t.observe_sender("+1555", "AC1", &format!("+1{i}"), i),
                i as usize + 1
            );
        }
        assert_eq!(t.observe_sender("+1555", "AC2", "+100", 11), 1);
    }

    #[test]
    fn idle_keys_are_swept_past_the_cap() {
        let t = CampaignTracker::new(CampaignConfig {
            max_keys: 10,
            ..CampaignConfig::default()
        });
        for i in 0..20u64 {
            t.observe_domain(&format!("d{i}.xyz"), "+1", i * 100_000);
        }
        assert!(t.lock().domains.len() <= 11);
    }
}
