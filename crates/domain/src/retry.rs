//! Backoff for temporary carrier failures: exponential, capped, with bounded jitter.

use std::time::Duration;

/// How retries are spaced and when they stop.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RetryPolicy {
    pub base: Duration,
    pub max: Duration,
    pub max_attempts: u32,
}

impl Default for RetryPolicy {
    fn default() -> Self {
        Self {
            base: Duration::from_secs(1),
            max: Duration::from_secs(300),
            max_attempts: 10,
        }
    }
}

/// The delay before attempt `attempt + 1` after `attempt` failed temporarily,
/// or `None` when the attempts are used up. `jitter` in `[0, 1)` spreads the
/// delay over `[d/2, d)` so that a burst of failures does not retry in lockstep.
pub fn next_attempt(attempt: u32, policy: &RetryPolicy, jitter: f64) -> Option<Duration> {
    if attempt >= policy.max_attempts {
        return None;
    }
    let exp = attempt.saturating_sub(1).min(30);
    let raw = policy.base.saturating_mul(1u32 << exp).min(policy.max);
    let jitter = jitter.clamp(0.0, 0.999);
    Some(raw.mul_f64(0.5 + jitter / 2.0))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn grows_exponentially_caps_and_stops() {
        let p = RetryPolicy {
            base: Duration::from_secs(1),
            max: Duration::from_secs(8),
            max_attempts: 6,
        };
        let d: Vec<_> = (1..=6).map(|a| next_attempt(a, &p, 0.998)).collect();
        assert!(d[0].is_some_and(|d| d <= Duration::from_secs(1)));
        assert!(d[3].is_some_and(|d| d > Duration::from_secs(7)));
        assert!(d[4].is_some_and(|d| d <= Duration::from_secs(8)));
        assert_eq!(d[5], None);
        assert_eq!(next_attempt(1, &p, 0.0), Some(Duration::from_millis(500)));
    }
}
